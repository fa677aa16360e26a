/* `mpbench sweep` (options: cli/sweep_cmd.c): builds one libmpalloc variant
 * per point of a grid of tunables, runs the workloads on every variant and
 * on the default build (the reference) as one matrix run (run/run.h: same
 * folder format, interleaved repetitions), then adds sweep.csv, the sweep
 * plots and a report section to the folder's analysis. */
#include "common/lock.h"
#include "common/outfmt.h"
#include "export/analyse.h"
#include "sweep/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mpb_sweep_analyse(const char *dir) {
    mpb_analysis_opts_t o = {
        .who = "mpbench sweep", .warn = 1, .summary = 1, .plots = 1, .report = 1};
    mpb_analysis_t an;
    mpb_sweepdata_t d;
    if (mpb_analysis_load(dir, &an) != 0) {
        mpb_analyse(dir, &o, NULL); /* each file's warning, as when they fail */
        fprintf(stderr, "mpbench sweep: %s is not a sweep folder\n", dir);
        return 1;
    }
    mpb_analyse_loaded(&an, &o, NULL);
    int rc = mpb_sweepdata_load(&an, &d) != 0;
    if (!rc) {
        rc = mpb_sweep_plot(&d) | mpb_sweep_report(&d);
        mpb_sweepdata_free(&d);
    }
    mpb_analysis_free(&an);
    return rc ? 1 : 0;
}

/* A usage error that only the folder shows. */
static int refuse(const char *msg, const char *arg) {
    fprintf(stderr, "mpbench sweep: %s: %s\n(see mpbench sweep --help)\n", msg, arg);
    return 2;
}

static int check_fresh(const mpb_sweep_t *s) {
    char p[PATH_MAX];
    if (mpb_is_file(mpb_path(p, sizeof p, s->dir, "results.csv")) ||
        mpb_is_file(mpb_path(p, sizeof p, s->dir, "matrix.txt")))
        return refuse("the --out folder already holds a run", s->dir);
    return 0;
}

/* The matrix over the default build, the other allocators and every
 * variant that built (mpb_run_matrix, the sweep's folder locked already). */
static int run_matrix(const mpb_sweep_t *s) {
    char allocs[MPB_SWEEP_MAXPTS * 140 + 4096] = MPB_SWEEP_REF;
    size_t off = strlen(allocs);
    if (s->others)
        off += (size_t)mpb_fmt(allocs + off, sizeof allocs - off, ",%s", s->others);
    for (size_t i = 0; i < s->npts; i++)
        if (strcmp(s->pts[i].status, "build-failed") != 0 && strcmp(s->pts[i].status, "default"))
            off +=
                (size_t)mpb_fmt(allocs + off, sizeof allocs - off, ",mpalloc-%s", s->pts[i].name);
    mpb_run_opts_t o = s->run;
    mpb_run_t r;
    o.alloc = allocs;
    o.out = s->dir;
    fflush(stdout);
    int rc = mpb_run_matrix(&r, &o);
    mpb_run_end(&r);
    return rc;
}

static int sweep_locked(mpb_sweep_t *s);

int mpb_sweep_run(mpb_sweep_t *s) {
    if (check_fresh(s) != 0 || mpb_sweep_grid(s) != 0)
        return 2;
    if (mpb_make_dirs(s->dir) != 0) {
        fprintf(stderr, "mpbench sweep: cannot create %s: %s\n", s->dir, strerror(errno));
        return 4;
    }
    int rc = mpb_lock_take(s->dir, "mpbench sweep");
    if (rc != 0)
        return rc < 0 ? 4 : rc;
    rc = sweep_locked(s);
    mpb_lock_release(s->dir);
    return rc;
}

/* The sweep proper, with s->dir locked. */
static int sweep_locked(mpb_sweep_t *s) {
    mpb_src_dir(s->src, sizeof s->src);
    mpb_fmt(s->build, sizeof s->build, "%s/..", mpb_self_dir());
    char real[PATH_MAX];
    if (realpath(s->build, real))
        mpb_copy(s->build, sizeof s->build, real);
    size_t ok = mpb_sweep_build_all(s);
    printf("sweep: %zu of %zu variants built\n", ok, s->npts);
    if (mpb_sweep_write_csv(s) != 0)
        return 4;
    if (ok == 0) {
        fprintf(stderr, "mpbench sweep: no variant built; nothing to run\n");
        return 1;
    }
    int rc = run_matrix(s);
    if (rc != 0)
        return rc;
    if (mpb_sweep_fail_rows(s) != 0 || mpb_sweep_meta(s) != 0)
        fprintf(stderr, "mpbench sweep: warning: could not record the build failures\n");
    rc = mpb_sweep_analyse(s->dir);
    if (rc == 0)
        printf("%s/report.md\n", s->dir);
    return rc;
}
