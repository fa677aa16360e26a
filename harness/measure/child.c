/* Spawning and measuring one run. The child waits on a pipe before exec so
 * the parent can bind it (hwloc) and attach counters first; the clock starts
 * when the parent releases it. The parent then polls the child's stdout and
 * a pidfd, so the end of the run is seen at once, and kills the whole
 * process group on timeout, on interrupt, and after a normal exit (strays). */
#include "measure/child.h"
#include "measure/pin.h"
#include "measure/provenance.h"
#include "measure/strays.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t mpb_interrupted;

enum { WAIT_EXITED, WAIT_TIMEOUT, WAIT_INTERRUPTED };

const char *mpb_status_name(int status) {
    static const char *const names[MPB_ST_NSTATUS] = {
        "ok",          "crash",      "fail",    "timeout",  "error",
        "interrupted", "unverified", "invalid", "leftover", "harness"};
    return status >= 0 && status < MPB_ST_NSTATUS ? names[status] : "error";
}

const char *mpb_signal_name(int sig, char *buf, unsigned len) {
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev)
        mpb_fmt(buf, len, "SIG%s", abbrev);
    else
        mpb_fmt(buf, len, "%d", sig);
    return buf;
}

/* In the child: set up fds and environment, wait for the go byte, exec. */
static void child_exec(const mpb_spawn_t *s, int out_w, int go_r, int err_w, int log) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_DFL);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(out_w, 1);
    dup2(log, 2);
    if (s->preload && *s->preload)
        setenv("LD_PRELOAD", s->preload, 1);
    else
        unsetenv("LD_PRELOAD");
    if (s->probe_file)
        setenv(MPB_PROBE_ENV, s->probe_file, 1);
    else
        unsetenv(MPB_PROBE_ENV);
    unsetenv("MPB_NOT_MEASURED"); /* would exempt the whole run from the outside check */
    for (char *const *e = s->env; e && *e; e++)
        putenv(*e);
    char go, start[32];
    if (read(go_r, &go, 1) != 1)
        _exit(126);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(start, sizeof start, "%lld",
             (long long)ts.tv_sec * 1000000000ll + (long long)ts.tv_nsec);
    setenv(MPB_START_ENV, start, 1);
    execvp(s->argv[0], s->argv);
    int e = errno;
    if (write(err_w, &e, sizeof e) < 0)
        _exit(127);
    _exit(127);
}

/* Reads what stdout has; closes it (sets *fd = -1) at EOF. */
static void pump(int *fd, mpb_wlout_t *w) {
    char buf[4096];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n > 0) {
        mpb_wlout_feed(w, buf, (size_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
}

/* 1 when pid has exited (not reaped: it keeps the process group alive). */
static int has_exited(pid_t pid) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Samples the RSS when due; returns the ms until the next sample (or a
 * large number when not sampling). */
static int sample_due(const mpb_spawn_t *s, pid_t pid, double t0, double *next) {
    mpb_timeline_t *tl = s->timeline;
    if (!tl || tl->period_ms <= 0)
        return 1000;
    double now = mpb_now();
    if (now >= *next) {
        mpb_timeline_sample(tl, pid, (now - t0) * 1000.0);
        while (*next <= now)
            *next += tl->period_ms / 1000.0;
    }
    return (int)((*next - now) * 1000.0) + 1;
}

/* Waits for exit, timeout or interrupt while draining stdout and sampling. */
static int wait_loop(const mpb_spawn_t *s, pid_t pid, int pidfd, int *outfd, double t0,
                     mpb_result_t *r) {
    double deadline = t0 + s->timeout_s, next = t0;
    for (;;) {
        int due = sample_due(s, pid, t0, &next);
        if (s->watch) {
            int wdue = mpb_prov_watch_scan(s->watch, (long)pid);
            due = wdue < due ? wdue : due;
        }
        if (has_exited(pid))
            return WAIT_EXITED;
        if (mpb_interrupted)
            return WAIT_INTERRUPTED;
        double left = deadline - mpb_now();
        if (left <= 0)
            return WAIT_TIMEOUT;
        struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = *outfd, .events = POLLIN}};
        int ms = pidfd >= 0 ? (left < 1.0 ? (int)(left * 1000) + 1 : 1000) : 1;
        ms = ms < due ? ms : due;
        if (poll(p, 2, ms) > 0 && p[1].revents)
            pump(outfd, &r->out);
    }
}

/* Reads whatever stdout still holds without blocking on stragglers. */
static void drain(int fd, mpb_wlout_t *w) {
    if (fd >= 0)
        fcntl(fd, F_SETFL, O_NONBLOCK);
    while (fd >= 0)
        pump(&fd, w);
    mpb_wlout_finish(w); /* also when EOF came earlier: a last line without '\n' */
}

/* Status, exit code or signal, and rusage into r. */
static void record_exit(int wstatus, const struct rusage *ru, mpb_result_t *r) {
    if (WIFSIGNALED(wstatus)) {
        r->status = MPB_ST_CRASH;
        r->sig = WTERMSIG(wstatus);
    } else {
        r->exit_code = WEXITSTATUS(wstatus);
        r->status = r->exit_code == 0 ? MPB_ST_OK : MPB_ST_FAIL;
    }
    r->user_s = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6;
    r->sys_s = (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
    r->max_rss_kb = ru->ru_maxrss;
    r->minflt = ru->ru_minflt;
    r->majflt = ru->ru_majflt;
}

/* A run that exited leaving processes running: status leftover (unless it
 * already failed), with what was left in why. */
static void note_strays(const mpb_strays_t *st, mpb_result_t *r) {
    if (!st->n)
        return;
    if (r->status == MPB_ST_OK)
        r->status = MPB_ST_LEFTOVER;
    mpb_fmt(r->why, sizeof r->why,
            "the workload exited leaving %zu process%s running (killed): %s; a process "
            "left running competes with the runs after it",
            st->n, st->n == 1 ? "" : "es", st->what);
}

/* Parent side once the child is released: wait, kill what is left of the
 * run's process tree (strays.h), reap. */
static void supervise(const mpb_spawn_t *s, pid_t pid, int pidfd, int outfd, double t0,
                      mpb_counters_t *c, mpb_result_t *r) {
    int how = wait_loop(s, pid, pidfd, &outfd, t0, r);
    r->wall_s = mpb_now() - t0;
    mpb_strays_t st;
    mpb_strays_stop(pid, &st);
    int wstatus = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &wstatus, 0, &ru) < 0 && errno == EINTR)
        ;
    mpb_strays_reap();
    drain(outfd, &r->out);
    record_exit(wstatus, &ru, r);
    if (how != WAIT_EXITED)
        r->status = how == WAIT_TIMEOUT ? MPB_ST_TIMEOUT : MPB_ST_INTERRUPTED;
    else
        note_strays(&st, r);
    mpb_counters_close(c, r->cnt, r->have_cnt);
}

/* Opens the three pipes (stdout, go, exec error), close-on-exec. */
static int open_pipes(int out[2], int go[2], int ep[2]) {
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0)
        return -1;
    return 0;
}

/* Releases the child and learns whether exec worked (errno or 0). */
static int release(int go_w, int ep_r) {
    int e = 0;
    if (write(go_w, "g", 1) != 1)
        e = errno;
    close(go_w);
    if (read(ep_r, &e, sizeof e) != (ssize_t)sizeof e)
        e = 0;
    close(ep_r);
    return e;
}

/* The run's stderr log, created by mpbench before the fork so that a
 * folder it cannot write fails the run as mpbench's (status harness), not
 * the workload's. Returns the fd or -1 with r filled. */
static int open_log(const mpb_spawn_t *s, mpb_result_t *r) {
    int fd = open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        r->status = MPB_ST_HARNESS;
        mpb_fmt(r->why, sizeof r->why, "cannot create %s: %s", s->err_path, strerror(errno));
    }
    return fd;
}

void mpb_child_run(const mpb_spawn_t *s, mpb_result_t *r) {
    memset(r, 0, sizeof *r);
    mpb_wlout_init(&r->out);
    r->out.ops_re = s->ops_re;
    mpb_strays_enable();
    int out[2], go[2], ep[2], log = open_log(s, r);
    if (log < 0)
        return;
    if (open_pipes(out, go, ep) != 0) {
        r->status = MPB_ST_HARNESS;
        mpb_fmt(r->why, sizeof r->why, "mpbench cannot make a pipe: %s", strerror(errno));
        close(log);
        return;
    }
    pid_t pid = fork();
    if (pid == 0)
        child_exec(s, out[1], go[0], ep[1], log);
    close(out[1]);
    close(go[0]);
    close(ep[1]);
    close(log);
    if (pid < 0) {
        r->status = MPB_ST_HARNESS;
        mpb_fmt(r->why, sizeof r->why, "mpbench cannot fork: %s", strerror(errno));
        close(out[0]), close(go[1]), close(ep[0]);
        return;
    }
    setpgid(pid, pid);
    r->pid = (long)pid;
    if (s->pin_threads > 0)
        mpb_pin_process(pid, s->pin_threads);
    mpb_counters_t c = {{-1, -1, -1, -1, -1, -1}};
    if (s->counters)
        mpb_counters_open(&c, pid);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    double t0 = mpb_now();
    int e = release(go[1], ep[0]);
    supervise(s, pid, pidfd, out[0], t0, &c, r);
    if (pidfd >= 0)
        close(pidfd);
    if (e) {
        r->status = MPB_ST_ERROR;
        mpb_fmt(r->why, sizeof r->why, "cannot execute %s: %s", s->argv[0], strerror(e));
    }
}
