/* One measured run: fork/exec a program with LD_PRELOAD set (or removed),
 * stdout through a pipe (parsed for mpbench-* lines), stderr into a log
 * file, pinned with hwloc, counted with perf_event_open, timed with
 * CLOCK_MONOTONIC, reaped with wait4 for its rusage, killed on timeout. */
#ifndef MPB_CHILD_H
#define MPB_CHILD_H

#include <signal.h>

#include "measure/counters.h"
#include "measure/provenance.h"
#include "measure/timeline.h"
#include "measure/wlout.h"

/* Run statuses. unverified: the allocator named is not proven to have served
 * the run's malloc (provenance.h); invalid: the workload's mpbench-* output
 * held a value that is not what its key promises (wlout.h); leftover: the
 * workload exited leaving processes running (killed, named in why:
 * strays.h). harness: mpbench itself could not run it (its own files could
 * not be written: a full disk; pipe or fork refused): never a row, the
 * matrix stops. */
enum {
    MPB_ST_OK,
    MPB_ST_CRASH,
    MPB_ST_FAIL,
    MPB_ST_TIMEOUT,
    MPB_ST_ERROR,
    MPB_ST_INTERRUPTED,
    MPB_ST_UNVERIFIED,
    MPB_ST_INVALID,
    MPB_ST_LEFTOVER,
    MPB_ST_HARNESS,
    MPB_ST_NSTATUS
};

/* "ok", "crash", "fail", "timeout", "error", "interrupted", "unverified",
 * "invalid", "leftover", "harness". */
const char *mpb_status_name(int status);

typedef struct mpb_spawn {
    char *const *argv;        /* argv[0] is a path or a name on PATH */
    const char *preload;      /* LD_PRELOAD value; NULL or "" removes it */
    const char *probe_file;   /* MPB_PROBE_FILE for the provenance probe; NULL removes it */
    const char *err_path;     /* file that receives the child's stderr */
    int pin_threads;          /* bind to this many cores; 0: no binding */
    double timeout_s;         /* kill the process group after this long */
    int counters;             /* 1: open perf_event counters */
    mpb_timeline_t *timeline; /* RSS samples every timeline->period_ms; NULL: none */
    mpb_prov_watch_t *watch;  /* outside provenance check of the tree; NULL: none */
    char *const *env;         /* "K=V" strings added to the child's environment; NULL: none */
    const void *ops_re;       /* compiled regex_t: a stdout line it matches gives ops (wlout.h) */
} mpb_spawn_t;

/* Environment variable every child gets: CLOCK_MONOTONIC nanoseconds when
 * its clock started (read by the child after mpbench released it), so a
 * workload can report where its phases begin on the run's time axis. */
#define MPB_START_ENV "MPB_START_NS"

typedef struct mpb_result {
    int status;    /* MPB_ST_* */
    int exit_code; /* for ok/fail */
    int sig;       /* for crash */
    double wall_s, user_s, sys_s;
    long max_rss_kb, minflt, majflt;
    double cnt[MPB_NCOUNTERS];
    int have_cnt[MPB_NCOUNTERS];
    mpb_wlout_t out;   /* parsed mpbench-* lines */
    long pid;          /* the child's process id (0 if it never started) */
    char build_id[96]; /* the build that served it, as the probe saw it (run_one.c) */
    char why[1024];    /* for error, unverified, invalid: what failed */
} mpb_result_t;

/* Set by mpbench's SIGINT/SIGTERM handler; a running child is then killed
 * and the result is MPB_ST_INTERRUPTED. */
extern volatile sig_atomic_t mpb_interrupted;

/* Runs s to completion (or timeout) and fills r. Always returns; failures
 * to start are MPB_ST_ERROR results. */
void mpb_child_run(const mpb_spawn_t *s, mpb_result_t *r);

/* "SIGSEGV" for 11, etc. */
const char *mpb_signal_name(int sig, char *buf, unsigned len);

#endif /* MPB_CHILD_H */
