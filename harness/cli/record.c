/* `mpbench record -o TRACE -- PROG ARGS...`: runs PROG with libmpatrace.so
 * preloaded (before any LD_PRELOAD already set, so a preloaded allocator is
 * the one recorded), writes the trace's file header first, waits, reads the
 * trace back and says what it holds. PROG's exit status is mpbench's; a
 * PROG killed by signal S gives 128 + S, as a shell does. */
#include "measure/child.h"
#include "cli/commands.h"
#include "recorder/trace_format.h"
#include "trace/trace_read.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char record_help[] =
    "usage: mpbench record -o TRACE [--] PROG [ARGS...]\n"
    "Runs PROG under the allocation recorder (build/lib/libmpatrace.so, LD_PRELOAD)\n"
    "and writes every malloc, calloc, realloc, reallocarray, free, free_sized,\n"
    "free_aligned_sized, aligned_alloc, posix_memalign, memalign, valloc, pvalloc\n"
    "and malloc_usable_size call of PROG's process to TRACE, with its thread, time,\n"
    "sizes, alignment and the object's address (per-thread buffers, zstd blocks).\n"
    "\n"
    "  -o, --out TRACE   trace file to write (replaced if it exists)\n"
    "  -h, --help        this text\n"
    "\n"
    "Only PROG's own process is recorded: children it forks stop recording, and\n"
    "programs they exec are not recorded; an exec by PROG itself continues the\n"
    "trace (a new process image). Threads, signals, exit(), _exit() are handled;\n"
    "a PROG that is killed leaves a trace cut short, which trace-stat reads up to\n"
    "its last whole block and reports as truncated (replay refuses it).\n"
    "Then: mpbench trace-stat TRACE; mpbench replay TRACE --out DIR.\n"
    "Exit: PROG's exit status (128+N when killed by signal N); 2 bad usage;\n"
    "125 the trace could not be created; 127 PROG could not be run.\n";

/* Writes the file header to a new TRACE; returns 0 or -1. */
static int write_header(const char *path, int argc, char **argv, pid_t pid, uint64_t t0) {
    mpt_file_header_t h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MPT_FILE_MAGIC, 8);
    h.version = MPT_VERSION;
    h.header_size = MPT_HEADER_SIZE;
    h.start_ns = t0;
    h.pid = (uint32_t)pid;
    size_t off = 0;
    for (int i = 0; i < argc && off + 1 < sizeof h.cmd; i++)
        off += (size_t)mpb_fmt(h.cmd + off, sizeof h.cmd - off, "%s%s", i ? " " : "", argv[i]);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    int rc = write(fd, &h, sizeof h) == (ssize_t)sizeof h ? 0 : -1;
    return close(fd) == 0 ? rc : -1;
}

/* In the child: environment for the recorder, then exec. When exec fails,
 * errno goes to errfd (close-on-exec: nothing arrives when exec succeeds). */
static void child(const char *trace, const char *lib, char **argv, int errfd) {
    char pid[32], pre[PATH_MAX * 2];
    const char *old = getenv("LD_PRELOAD");
    mpb_fmt(pid, sizeof pid, "%ld", (long)getpid());
    mpb_fmt(pre, sizeof pre, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
    setenv("MPATRACE_PID", pid, 1);
    setenv("MPATRACE_FILE", trace, 1);
    setenv("LD_PRELOAD", pre, 1);
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL);
    execvp(argv[0], argv);
    int e = errno;
    fprintf(stderr, "mpbench record: cannot run %s: %s\n", argv[0], strerror(e));
    ssize_t w = write(errfd, &e, sizeof e);
    (void)w;
    _exit(127);
}

/* Reads the trace back and prints one line about it on stderr. */
static void describe(const char *path) {
    mpb_trace_t t;
    int st = mpb_trace_scan(path, &t);
    double per = t.nevents ? (double)t.file_size / (double)t.nevents : 0;
    fprintf(stderr,
            "mpbench record: %s: %zu events, %zu threads, %zu bytes (%.2f bytes/event)%s%s\n", path,
            t.nevents, t.nth, t.file_size, per, st == MPB_TRACE_OK ? "" : "; ",
            st == MPB_TRACE_OK ? "" : t.why);
    if (t.end_dropped)
        fprintf(stderr, "mpbench record: %llu calls from signal handlers were not recorded\n",
                (unsigned long long)t.end_dropped);
    mpb_trace_free(&t);
}

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int mpb_cmd_record(int argc, char **argv) {
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
        if (c == 'h')
            return fputs(record_help, stdout), 0;
        if (c != 'o')
            return fputs("(see mpbench record --help)\n", stderr), 2;
        out = optarg;
    }
    if (!out || optind >= argc) {
        fprintf(stderr, "mpbench record: %s\n(see mpbench record --help)\n",
                out ? "no program to run" : "-o TRACE is required");
        return 2;
    }
    char lib[PATH_MAX], trace[PATH_MAX];
    mpb_fmt(lib, sizeof lib, "%s/../lib/libmpatrace.so", mpb_self_dir());
    if (!mpb_is_file(lib)) {
        fprintf(stderr, "mpbench record: no recorder at %s (run make)\n", lib);
        return 2;
    }
    if (write_header(out, argc - optind, argv + optind, 0, mono_ns()) != 0 ||
        !realpath(out, trace)) {
        fprintf(stderr, "mpbench record: cannot write %s: %s\n", out, strerror(errno));
        return 125;
    }
    fflush(NULL);
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) != 0) {
        fprintf(stderr, "mpbench record: pipe: %s\n", strerror(errno));
        return 125;
    }
    pid_t pid = fork();
    if (pid == 0)
        child(trace, lib, argv + optind, ep[1]);
    close(ep[1]);
    if (pid < 0) {
        close(ep[0]);
        fprintf(stderr, "mpbench record: fork: %s\n", strerror(errno));
        return 125;
    }
    signal(SIGINT, SIG_IGN), signal(SIGTERM, SIG_IGN);
    uint32_t cpid = (uint32_t)pid;
    int fd = open(trace, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || pwrite(fd, &cpid, sizeof cpid, offsetof(mpt_file_header_t, pid)) != sizeof cpid)
        fprintf(stderr, "mpbench record: warning: cannot note the pid in %s\n", out);
    if (fd >= 0)
        close(fd);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL);
    int exec_errno;
    ssize_t got = read(ep[0], &exec_errno, sizeof exec_errno);
    close(ep[0]);
    if (got == (ssize_t)sizeof exec_errno) { /* nothing ran: no trace, not a "killed" one */
        unlink(out);
        return 127;
    }
    describe(out);
    if (WIFSIGNALED(ws)) {
        char sb[32];
        fprintf(stderr, "mpbench record: %s was killed by %s\n", argv[optind],
                mpb_signal_name(WTERMSIG(ws), sb, sizeof sb));
        return 128 + WTERMSIG(ws);
    }
    return WEXITSTATUS(ws);
}
