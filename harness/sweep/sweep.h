/* State shared by the files of `mpbench sweep` (its options are parsed by
 * cli/sweep_cmd.c): sweep.c (builds, the runs, the analysis), sweep_grid.c (grid points and their variant names),
 * sweep_build.c (building variants), sweep_record.c (sweep.csv and the
 * build-failed rows), sweep_data.c (ratios to the default build),
 * sweep_plot.c and sweep_report.c (the analysis of a finished folder). */
#ifndef MPB_SWEEP_H
#define MPB_SWEEP_H

#include <limits.h>
#include <stddef.h>

#include "analysis/analysis.h"
#include "catalog/tunable.h"
#include "common/csvio.h"
#include "common/util.h"
#include "run/run.h"

#define MPB_SWEEP_MAXTUN 4         /* tunables in one grid */
#define MPB_SWEEP_MAXPTS 512       /* grid points */
#define MPB_SWEEP_REF    "mpalloc" /* the reference: the default build */

/* One grid point: a variant of libmpalloc. */
typedef struct mpb_sweep_point {
    char vals[MPB_SWEEP_MAXTUN][32]; /* value of each swept tunable */
    char flags[512];                 /* -DMPA_X=v ... */
    char name[128];                  /* variant name (build/variants/<name>) */
    char status[16];                 /* "built", "reused", "build-failed" */
    char message[512];               /* the compiler's #error line, on failure */
} mpb_sweep_point_t;

typedef struct mpb_sweep {
    mpb_tunables_t tun;
    char names[MPB_SWEEP_MAXTUN][64]; /* swept tunables, command-line order */
    char defs[MPB_SWEEP_MAXTUN][64];  /* their defaults from the header */
    mpb_strlist_t values[MPB_SWEEP_MAXTUN];
    size_t ntun;
    mpb_sweep_point_t *pts;
    size_t npts;
    char dir[PATH_MAX];   /* results folder */
    char src[PATH_MAX];   /* source tree (make -C) */
    char build[PATH_MAX]; /* build folder mpbench lives in */
    int jobs;             /* make -j */
    mpb_run_opts_t run;   /* the runs' options (workloads, threads, repeat, ...) */
    const char *others;   /* --alloc: allocators run beside the variants, or NULL */
} mpb_sweep_t;

/* The sweep into s->dir (refused when it holds a run): the grid, its
 * variants built, the runs (the default build, s->others and every variant
 * built, as one interleaved matrix), sweep.csv and the build failures
 * recorded, then mpb_sweep_analyse. Prints the report's path. Returns 0; 1
 * no variant built or the analysis failed; 2 bad usage; 4 not written; or
 * the run's exit status. */
int mpb_sweep_run(mpb_sweep_t *s);

/* The analysis of a sweep folder: summary, plots and report as a run's,
 * then the sweep's plots and report section, from one load. Returns 0, or
 * 1 (message printed). */
int mpb_sweep_analyse(const char *dir);

/* Adds `MPA_X=v1,v2` to the grid; returns 0 or -1 with a message. */
int mpb_sweep_add_tunable(mpb_sweep_t *s, const char *spec);
/* FNV-1a hash of s (32 bits): short names for long flag sets. */
unsigned long mpb_sweep_hash(const char *s);
/* Expands the tunables into s->pts with names and flags; 0 or -1. */
int mpb_sweep_grid(mpb_sweep_t *s);

/* Builds (or reuses) every point's variant; fills status and message.
 * Returns the number of usable variants. */
size_t mpb_sweep_build_all(mpb_sweep_t *s);

/* Writes DIR/sweep.csv (the default build's row first). 0 or -1. */
int mpb_sweep_write_csv(const mpb_sweep_t *s);
/* Appends a build-failed row to DIR/results.csv for every failed point and
 * every workload and thread count of DIR/matrix.txt. 0 or -1. */
int mpb_sweep_fail_rows(const mpb_sweep_t *s);

/* Adds "sweep": {tunables, build_failures} to DIR/meta.json. 0 or -1. */
int mpb_sweep_meta(const mpb_sweep_t *s);

/* A finished sweep folder read back: sweep.csv and results.csv's cells. */
typedef struct mpb_sweepdata {
    mpb_table_t tab;         /* sweep.csv */
    const mpb_cellset_t *cs; /* the folder's cells (its analysis' load) */
    char tun[MPB_SWEEP_MAXTUN][64];
    size_t ntun;
    char dir[PATH_MAX];
} mpb_sweepdata_t;

/* Ratio of metric m of the variant in row `row` of sweep.csv to the default
 * build, for one workload and thread count, with its bootstrap CI. */
typedef struct mpb_sweepratio {
    mpb_ratio_t r;
    int ok;         /* 0: no values (failed build, crashed runs) */
    size_t n, nref; /* ok runs of the variant and of the default build */
} mpb_sweepratio_t;

/* Reads the sweep.csv of the folder an was loaded from; its cells are an's
 * (an must outlive d). Returns 0, or -1 with a message. */
int mpb_sweepdata_load(const mpb_analysis_t *an, mpb_sweepdata_t *d);
void mpb_sweepdata_free(mpb_sweepdata_t *d);
/* Allocator name of a sweep.csv row ("mpalloc" or "mpalloc-<variant>"). */
const char *mpb_sweepdata_alloc(const mpb_sweepdata_t *d, size_t row, char *buf, size_t len);
/* 1 when the row's variant built (it has runs to show). */
int mpb_sweepdata_usable(const mpb_sweepdata_t *d, size_t row);
mpb_sweepratio_t mpb_sweepdata_ratio(const mpb_sweepdata_t *d, size_t row, const char *wl,
                                     int threads, int m);
/* Value of swept tunable k in a row, as a number (NAN when not numeric). */
double mpb_sweepdata_value(const mpb_sweepdata_t *d, size_t row, size_t k);
/* 1 when the row is on the time-vs-RSS Pareto front (geometric mean over
 * workloads when wl is NULL); the default build takes part. */
int mpb_sweepdata_pareto(const mpb_sweepdata_t *d, size_t row, const char *wl, int threads);
/* Time and RSS ratios of a row (geomean over workloads when wl is NULL);
 * returns 0, or -1 when either is missing. */
int mpb_sweepdata_point(const mpb_sweepdata_t *d, size_t row, const char *wl, int threads,
                        double *time, double *rss);

/* `mpbench sweep --analyse DIR` pieces: plots into DIR/plots, section
 * appended to DIR/report.md (also written as DIR/sweep.md). 0 or -1. */
int mpb_sweep_plot(const mpb_sweepdata_t *d);
int mpb_sweep_report(const mpb_sweepdata_t *d);

#endif /* MPB_SWEEP_H */
