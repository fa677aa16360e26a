/* The matrix loop of `mpbench run`. Order: for rep, for workload, for
 * threads, for allocator, with the allocator order shuffled per rep by a
 * seeded generator (the same order on --resume), so drift on the machine
 * hits every allocator alike. A cell gets one uncounted warm-up before its
 * first counted run in this invocation. Each row is written as its run ends. */
#include "run/csvout.h"
#include "run/meta.h"
#include "run/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Progress counters for the stderr line. */
typedef struct progress {
    size_t done, total;
    double t0;
    size_t by_status[MPB_ST_NSTATUS]; /* counted runs per status */
} progress_t;

static void on_signal(int sig) {
    (void)sig;
    mpb_interrupted = 1;
}

static void install_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* xorshift32; deterministic per (seed, rep). */
static unsigned next_rand(unsigned *s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* order[] = a permutation of 0..n-1 for this rep. */
static void shuffle(size_t *order, size_t n, unsigned seed, int rep) {
    unsigned s = seed * 2654435761u + (unsigned)rep * 40503u + 1u;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = next_rand(&s) % i, tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
}

static int in_shard(const mpb_run_t *r, size_t cell) {
    return cell % (size_t)r->m.shard_n == (size_t)(r->m.shard_i - 1);
}

/* Runs still to do (in this shard, not already in results.csv). */
static size_t count_pending(const mpb_run_t *r) {
    size_t n = 0, R = (size_t)r->m.repeat;
    for (size_t c = 0; c < mpb_run_ncells(r); c++)
        for (size_t k = 0; in_shard(r, c) && k < R; k++)
            n += !r->done[c * R + k];
    return n;
}

static void show_progress(const progress_t *p, const mpb_run_t *r, size_t a, size_t w, size_t t,
                          int rep, const mpb_result_t *res) {
    char el[32], eta[32];
    double elapsed = mpb_now() - p->t0;
    mpb_fmt_duration(elapsed, el, sizeof el);
    mpb_fmt_duration(p->done ? elapsed / (double)p->done * (double)(p->total - p->done) : 0, eta,
                     sizeof eta);
    char note[64] = "";
    if (res->status != MPB_ST_OK)
        mpb_fmt(note, sizeof note, "  (%s)", mpb_status_name(res->status));
    fprintf(stderr, "[%zu/%zu] %s %s t%d rep %d  elapsed %s  ETA %s%s\n", p->done, p->total,
            r->allocs[a].name, r->wls[w].name, r->m.threads[t], rep, el, eta, note);
}

/* A run mpbench itself could not make (status harness): no row, the
 * matrix stops with exit 4. Returns MPB_EXIT_WRITE. */
static int harness_failed(const mpb_run_t *r, size_t a, size_t w, size_t t, int rep,
                          const mpb_result_t *res) {
    fprintf(stderr,
            "mpbench: cannot run %s %s t%d %s%.0d: %s. This is mpbench's own failure, not the "
            "allocator's: no row was written for it; the rows written so far are valid "
            "(continue later with --resume %s)\n",
            r->allocs[a].name, r->wls[w].name, r->m.threads[t], rep ? "rep " : "warm-up", rep,
            res->why, r->dir);
    return MPB_EXIT_WRITE;
}

/* One counted run: run, write the row, show progress. Returns an exit status. */
static int counted_run(mpb_run_t *r, progress_t *p, size_t a, size_t w, size_t t, int rep) {
    mpb_result_t res;
    char ir[32] = "", row[8192];
    mpb_run_one(r, a, w, t, rep, &res, ir, sizeof ir);
    if (res.status == MPB_ST_INTERRUPTED)
        return MPB_EXIT_INTERRUPTED;
    if (res.status == MPB_ST_HARNESS)
        return harness_failed(r, a, w, t, rep, &res);
    mpb_rowkey_t k = {r->wls[w].name,
                      r->m.threads[t],
                      rep,
                      mpb_run_scale(r, w),
                      mpb_matrix_measure_name(r->m.measure),
                      r->m.measure == MPB_MEASURE_INSTRUCTIONS ? ir : NULL};
    mpb_csv_row(row, sizeof row, &r->allocs[a], &k, &res);
    if (mpb_csv_append(r->csv_fd, row) != 0 ||
        (mpb_run_timeline.n && mpb_timeline_append(r->dir, &r->allocs[a], r->wls[w].name,
                                                   r->m.threads[t], rep, &mpb_run_timeline) != 0)) {
        fprintf(stderr,
                "mpbench: cannot write %s/results.csv: %s; the rows written so far "
                "are valid (continue later with --resume)\n",
                r->dir, strerror(errno));
        return MPB_EXIT_WRITE;
    }
    p->done++;
    p->by_status[res.status >= 0 && res.status < MPB_ST_NSTATUS ? res.status : MPB_ST_ERROR]++;
    show_progress(p, r, a, w, t, rep, &res);
    return MPB_EXIT_OK;
}

/* The cell (a, w, t) at rep: warm-up if needed, then the counted run. */
static int visit(mpb_run_t *r, progress_t *p, unsigned char *warm, size_t a, size_t w, size_t t,
                 int rep) {
    size_t cell = mpb_run_cell(r, a, w, t);
    if (!in_shard(r, cell) || r->done[cell * (size_t)r->m.repeat + (size_t)rep - 1])
        return MPB_EXIT_OK;
    if (!warm[cell] && r->m.measure == MPB_MEASURE_TIME && r->m.warmup > 0) {
        mpb_result_t res;
        char ir[8];
        mpb_run_one(r, a, w, t, 0, &res, ir, sizeof ir);
        if (res.status == MPB_ST_INTERRUPTED)
            return MPB_EXIT_INTERRUPTED;
        if (res.status == MPB_ST_HARNESS)
            return harness_failed(r, a, w, t, 0, &res);
        r->warmups++;
    }
    warm[cell] = 1;
    return counted_run(r, p, a, w, t, rep);
}

/* Every pending run, interleaved. */
static int loop(mpb_run_t *r, progress_t *p, unsigned char *warm, size_t *order) {
    for (int rep = 1; rep <= r->m.repeat; rep++) {
        shuffle(order, r->nalloc, r->m.seed, rep);
        for (size_t w = 0; w < r->nwl; w++)
            for (size_t t = 0; t < r->m.nthreads; t++)
                for (size_t i = 0; i < r->nalloc; i++) {
                    int rc = visit(r, p, warm, order[i], w, t, rep);
                    if (rc != MPB_EXIT_OK)
                        return rc;
                }
    }
    return MPB_EXIT_OK;
}

/* meta.json with the end time and how the run stopped. */
static void finish_meta(const mpb_run_t *r, int rc) {
    char end[32];
    mpb_iso_now(end, sizeof end);
    const char *state = rc == MPB_EXIT_OK      ? "complete"
                        : rc == MPB_EXIT_WRITE ? "write-error"
                                               : "interrupted";
    mpb_meta_t meta = {&r->m,
                       r->allocs,
                       r->nalloc,
                       r->wls,
                       r->nwl,
                       r->cmdline,
                       r->resume ? r->resumed_at : NULL,
                       end,
                       state,
                       r->warmups,
                       r->builds,
                       NULL};
    mpb_load_snap_t now;
    mpb_load_snap(&now);
    meta.machine_load = mpb_load_json(&r->load0, &now, (int)sysconf(_SC_NPROCESSORS_ONLN));
    if (mpb_meta_write(r->dir, &meta) != 0)
        fprintf(stderr, "mpbench: warning: cannot update %s/meta.json: %s\n", r->dir,
                strerror(errno));
    json_decref(meta.machine_load);
}

/* One line at the end when some runs were not ok: "3 of 12 runs are not
 * ok (unverified 2, crash 1)", so no one reads the matrix as all good. */
static void report_not_ok(const progress_t *p) {
    size_t bad = p->done - p->by_status[MPB_ST_OK];
    if (!bad)
        return;
    fprintf(stderr, "mpbench: %zu of %zu runs are not ok (", bad, p->done);
    const char *sep = "";
    for (int s = 1; s < MPB_ST_NSTATUS; s++)
        if (p->by_status[s]) {
            fprintf(stderr, "%s%s %zu", sep, mpb_status_name(s), p->by_status[s]);
            sep = ", ";
        }
    fprintf(stderr, "): see the status, signal, exit_code and extra columns of results.csv\n");
}

int mpb_run_loop(mpb_run_t *r) {
    install_handlers();
    progress_t p = {.total = count_pending(r), .t0 = mpb_now()};
    unsigned char *warm = calloc(mpb_run_ncells(r) + 1, 1);
    size_t *order = calloc(r->nalloc + 1, sizeof *order);
    if (p.total == 0)
        fprintf(stderr, "mpbench: nothing left to run in %s\n", r->dir);
    mpb_load_snap(&r->load0);
    int rc = loop(r, &p, warm, order);
    report_not_ok(&p);
    free(warm);
    free(order);
    close(r->csv_fd);
    if (rc == MPB_EXIT_INTERRUPTED)
        fprintf(stderr, "mpbench: interrupted; continue with: mpbench run --resume %s\n", r->dir);
    finish_meta(r, rc);
    return rc;
}
