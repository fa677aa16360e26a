/* `mpbench record -o TRACE -- PROG ARGS...`: runs PROG with libmpatrace.so
 * preloaded (before any LD_PRELOAD already set, so a preloaded allocator is
 * the one recorded), writes the trace's file header first, waits, reads the
 * trace back and says what it holds. mpbench behaves like the program to
 * whoever started it: SIGINT, SIGTERM and SIGHUP sent to mpbench are passed
 * to PROG (a terminal's reach PROG directly), mpbench waits for it to stop,
 * and PROG's exit status is mpbench's (128 + S when killed by signal S, as
 * a shell does). A recording that failed (a write to the trace failed: a
 * full disk) exits 125 whatever PROG did. The trace is locked (flock) while
 * it is written: a second `record` into it is refused. */
#include "cli/commands.h"
#include "common/util.h"
#include "measure/child.h"
#include "recorder/trace_format.h"
#include "trace/trace_read.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char record_help[] =
    "usage: mpbench record -o TRACE [--follow] [--] PROG [ARGS...]\n"
    "Runs PROG under the allocation recorder (build/lib/libmpatrace.so, LD_PRELOAD)\n"
    "and writes every malloc, calloc, realloc, reallocarray, free, free_sized,\n"
    "free_aligned_sized, aligned_alloc, posix_memalign, memalign, valloc, pvalloc\n"
    "and malloc_usable_size call of PROG's process to TRACE, with its thread, time,\n"
    "sizes, alignment and the object's address (per-thread buffers, zstd blocks).\n"
    "\n"
    "  -o, --out TRACE   trace file to write (replaced if it exists; refused while\n"
    "                    another mpbench record writes it)\n"
    "  -F, --follow      also record each program PROG's descendants run (exec):\n"
    "                    each into its own trace, TRACE.<pid>, whose START block\n"
    "                    names its parent; TRACE names them all\n"
    "  -h, --help        this text\n"
    "\n"
    "Signals: SIGINT, SIGTERM and SIGHUP sent to mpbench are passed to PROG, which\n"
    "stops as it usually does; the recorder writes every thread's events before\n"
    "PROG ends (by its own handler and exit, or by the signal's default action),\n"
    "so the trace is whole and says which signal ended it. Only a trace cut short\n"
    "(PROG killed by SIGKILL, a full disk) is truncated; trace-stat reads it up to\n"
    "its last whole block, and replay replays that much, flagged as such.\n"
    "Only PROG's own process is recorded (an exec by PROG continues the trace);\n"
    "the processes it starts are named in the trace and in a warning (record one\n"
    "of them directly, or use --follow, to see its allocations: the gcc driver\n"
    "runs cc1 and as). A fork that does not exec is named, never recorded.\n"
    "Then: mpbench trace-stat TRACE; mpbench replay TRACE --out DIR.\n"
    "Exit: PROG's exit status (128+N when killed by signal N); 2 bad usage;\n"
    "3 TRACE is being written by another mpbench record; 125 the trace could not\n"
    "be created, or the recording failed (a write to it failed: the trace is cut\n"
    "short); 127 PROG could not be run.\n";

enum { EXIT_BUSY = 3, EXIT_RECORDING = 125, EXIT_NOPROG = 127 };

static volatile sig_atomic_t child_pid; /* PROG, once started */

/* SIGINT, SIGTERM, SIGHUP sent to mpbench by another process go on to PROG.
 * One from the terminal (si_code SI_KERNEL) reached PROG's process group
 * already, and is not sent twice. */
static void forward(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    int e = errno;
    if (child_pid > 0 && si->si_code <= 0 && si->si_pid != child_pid)
        kill((pid_t)child_pid, sig);
    errno = e;
}

static const int stop_sigs[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof stop_sigs / sizeof stop_sigs[0])

/* Installs forward() (mpbench never dies of these while PROG runs) and
 * keeps the dispositions mpbench inherited in old, which PROG gets: an
 * ignored SIGHUP under nohup stays ignored for PROG, as it would be for
 * PROG run without mpbench. */
static void take_signals(struct sigaction *old) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < NSTOP; i++) {
        sigaction(stop_sigs[i], NULL, &old[i]);
        sigaction(stop_sigs[i], &sa, NULL);
    }
}

static void give_back_signals(const struct sigaction *old) {
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_sigs[i], &old[i], NULL);
}

/* Opens TRACE, refusing it while another record holds its lock, empties it
 * and writes the file header. Returns the locked fd (kept open until the
 * end), -1 with errno, or -2 when busy. */
static int open_trace(const char *path, int argc, char **argv, uint64_t t0) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return e == EWOULDBLOCK ? -2 : -1;
    }
    mpt_file_header_t h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MPT_FILE_MAGIC, 8);
    h.version = MPT_VERSION;
    h.header_size = MPT_HEADER_SIZE;
    h.start_ns = t0;
    size_t off = 0;
    for (int i = 0; i < argc && off + 1 < sizeof h.cmd; i++)
        off += (size_t)mpb_fmt(h.cmd + off, sizeof h.cmd - off, "%s%s", i ? " " : "", argv[i]);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        int e = errno ? errno : ENOSPC;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Who is writing a busy trace: the pid its header names. */
static void refuse_busy(const char *path) {
    mpt_file_header_t h;
    memset(&h, 0, sizeof h);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h && h.pid)
        fprintf(stderr,
                "mpbench record: %s is being written by another mpbench record (recording "
                "pid %u); choose another -o\n",
                path, h.pid);
    else
        fprintf(stderr,
                "mpbench record: %s is being written by another mpbench record; choose "
                "another -o\n",
                path);
    if (fd >= 0)
        close(fd);
}

/* In the child: signals as mpbench found them, the recorder's environment,
 * then exec. When exec fails, errno goes to errfd (close-on-exec: nothing
 * arrives when exec succeeds). */
static int follow; /* --follow */

static void child(const char *trace, const char *lib, char **argv, int errfd,
                  const struct sigaction *old) {
    char pid[32], pre[PATH_MAX * 2];
    const char *was = getenv("LD_PRELOAD");
    give_back_signals(old);
    mpb_fmt(pid, sizeof pid, "%ld", (long)getpid());
    mpb_fmt(pre, sizeof pre, "%s%s%s", lib, was && *was ? ":" : "", was && *was ? was : "");
    setenv("MPATRACE_PID", pid, 1);
    setenv("MPATRACE_FILE", trace, 1);
    setenv("LD_PRELOAD", pre, 1);
    if (follow)
        setenv("MPATRACE_FOLLOW", "1", 1);
    else
        unsetenv("MPATRACE_FOLLOW");
    execvp(argv[0], argv);
    int e = errno;
    fprintf(stderr, "mpbench record: cannot run %s: %s\n", argv[0], strerror(e));
    ssize_t w = write(errfd, &e, sizeof e);
    (void)w;
    _exit(EXIT_NOPROG);
}

/* One line about a child's own trace (record --follow). */
static void describe_child(const char *path, const mpb_tchild_t *c) {
    char file[PATH_MAX + 32], ending[128];
    mpb_trace_t t;
    mpb_fmt(file, sizeof file, "%s.%u", path, c->pid);
    int st = mpb_trace_scan(file, &t);
    const char *base = strrchr(c->exe, '/');
    fprintf(stderr, "mpbench record: %s (%s, pid %u, parent %u): %zu events, %s%s\n", file,
            base ? base + 1 : c->exe, c->pid, c->ppid, t.nevents,
            st == MPB_TRACE_OK ? "whole: it " : mpb_trace_status_name(st),
            st == MPB_TRACE_OK ? mpb_trace_ending(&t, ending, sizeof ending) : "");
    mpb_trace_free(&t);
}

/* Reads the trace back, says what it holds on stderr, and returns whether
 * the recording itself failed (a write to the trace failed). */
static int describe(const char *path, int ws) {
    mpb_trace_t t;
    char ending[128], note[2048];
    int st = mpb_trace_scan(path, &t);
    double per = t.nevents ? (double)t.file_size / (double)t.nevents : 0;
    fprintf(stderr, "mpbench record: %s: %zu events, %zu threads, %zu bytes (%.2f bytes/event)",
            path, t.nevents, t.nth, t.file_size, per);
    if (st == MPB_TRACE_OK)
        fprintf(stderr, "; whole: the program %s\n", mpb_trace_ending(&t, ending, sizeof ending));
    else
        fprintf(stderr, "; %s: %s\n", mpb_trace_status_name(st), t.why);
    if (st == MPB_TRACE_TRUNCATED && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL)
        fprintf(stderr, "mpbench record: SIGKILL cannot be caught: the trace is readable up "
                        "to its last whole block (replay replays that much)\n");
    if (t.end_dropped)
        fprintf(stderr, "mpbench record: %llu calls from signal handlers were not recorded\n",
                (unsigned long long)t.end_dropped);
    if (t.nchildren)
        fprintf(stderr, "mpbench record: %s%s\n",
                mpb_trace_children_untraced(&t) ? "warning: " : "",
                mpb_trace_children_note(&t, note, sizeof note));
    for (size_t i = 0; i < t.nchildren; i++)
        if (t.children[i].traced)
            describe_child(path, &t.children[i]);
    int failed = t.hdr.rec_error != 0;
    mpb_trace_free(&t);
    return failed;
}

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* -o TRACE and the program's argv (at argv + *first). Returns 0, -1 after
 * --help, or 2. */
static int parse(int argc, char **argv, const char **out, int *first) {
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                         {"follow", no_argument, 0, 'F'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:Fh", opts, NULL)) != -1) {
        if (c == 'h')
            return fputs(record_help, stdout), -1;
        if (c == 'F') {
            follow = 1;
            continue;
        }
        if (c != 'o')
            return fputs("(see mpbench record --help)\n", stderr), 2;
        *out = optarg;
    }
    if (!*out || optind >= argc) {
        fprintf(stderr, "mpbench record: %s\n(see mpbench record --help)\n",
                *out ? "no program to run" : "-o TRACE is required");
        return 2;
    }
    *first = optind;
    return 0;
}

/* Starts PROG, waits for it (passing signals on), returns its wait status;
 * *ran is 0 when it could not be executed. */
static int run_program(const char *trace, const char *lib, char **argv, int tfd, int *ran) {
    struct sigaction old[NSTOP];
    int ep[2];
    *ran = 0;
    if (pipe2(ep, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL);
    take_signals(old);
    pid_t pid = fork();
    if (pid == 0)
        child(trace, lib, argv, ep[1], old);
    close(ep[1]);
    if (pid < 0) {
        close(ep[0]);
        give_back_signals(old);
        return -1;
    }
    child_pid = pid;
    uint32_t cpid = (uint32_t)pid;
    if (pwrite(tfd, &cpid, sizeof cpid, offsetof(mpt_file_header_t, pid)) != sizeof cpid)
        fprintf(stderr, "mpbench record: warning: cannot note the pid in %s\n", trace);
    int ws = 0, exec_errno;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    child_pid = 0;
    give_back_signals(old);
    *ran = read(ep[0], &exec_errno, sizeof exec_errno) != (ssize_t)sizeof exec_errno;
    close(ep[0]);
    return ws;
}

int mpb_cmd_record(int argc, char **argv) {
    const char *out = NULL;
    int first = 0, rc = parse(argc, argv, &out, &first), ran;
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    char lib[PATH_MAX], trace[PATH_MAX];
    mpb_fmt(lib, sizeof lib, "%s/../lib/libmpatrace.so", mpb_self_dir());
    if (!mpb_is_file(lib)) {
        fprintf(stderr, "mpbench record: no recorder at %s (run make)\n", lib);
        return 2;
    }
    int tfd = open_trace(out, argc - first, argv + first, mono_ns());
    if (tfd == -2)
        return refuse_busy(out), EXIT_BUSY;
    if (tfd < 0 || !realpath(out, trace)) {
        fprintf(stderr, "mpbench record: cannot write %s: %s\n", out, strerror(errno));
        if (tfd >= 0)
            close(tfd);
        return EXIT_RECORDING;
    }
    int ws = run_program(trace, lib, argv + first, tfd, &ran);
    if (ws < 0) {
        fprintf(stderr, "mpbench record: cannot start %s: %s\n", argv[first], strerror(errno));
        close(tfd);
        return EXIT_RECORDING;
    }
    if (!ran) { /* nothing ran: no trace, not a "killed" one */
        unlink(out);
        close(tfd);
        return EXIT_NOPROG;
    }
    int failed = describe(out, ws);
    close(tfd); /* the lock goes with it */
    char sb[32];
    if (WIFSIGNALED(ws))
        fprintf(stderr, "mpbench record: %s was killed by %s\n", argv[first],
                mpb_signal_name(WTERMSIG(ws), sb, sizeof sb));
    rc = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
    if (failed)
        fprintf(stderr,
                "mpbench record: the recording failed (a write to %s failed): the trace is cut "
                "short; %s %s %d\n",
                out, argv[first], WIFSIGNALED(ws) ? "ended with status" : "exited", rc);
    return failed ? EXIT_RECORDING : rc;
}
