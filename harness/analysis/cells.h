/* results.csv grouped into cells for the analysis commands (summary, plot,
 * report, compare). A cell is (allocator, workload, size, threads): `size`
 * is the optional column of kernel-sim rows (workload = kernel test, threads
 * = simulated CPUs, size = object size), so user-space and kernel runs share
 * one model; a sized cell's workload key is "test/<size>B", e.g. "pair/64B" (mpb_cells_key).
 * A cell holds the values of each known metric from its `ok` rows and counts
 * its other rows (timeouts, crashes, ...) by status. `warmup` rows are
 * ignored. Ratios are to the baseline allocator of the set: glibc for
 * user-space runs, buddy-slab (the Linux-like per-CPU slab) in kernel-sim. */
#ifndef MPB_CELLS_H
#define MPB_CELLS_H

#include <stddef.h>

#include "common/stats.h"

/* Metrics the analysis knows; a results.csv column of the same name feeds it. */
enum {
    MPB_M_WALL,
    MPB_M_RSS,
    MPB_M_OPS,
    MPB_M_INSN,
    MPB_M_TASKCLK,
    MPB_M_USER,
    MPB_M_SYS,
    MPB_M_MINFLT,
    MPB_M_LIVEPEAK,
    MPB_M_RSSAFTER,
    MPB_M_CYCLES,
    MPB_M_NS,
    MPB_M_HELD,   /* kernel-sim's */
    MPB_M_REPLAY, /* a replay's own time (mpb-replay's replay_s, in the extra column) */
    MPB_M_ALLOC,  /* time inside the allocator during a replay (alloc_s, extra column) */
    MPB_NMETRIC
};

typedef struct mpb_metric {
    const char *name;  /* column name in results.csv / summary.csv */
    const char *title; /* human-readable name for plots and the report */
    int higher_better; /* 1 for throughput, 0 for costs (time, memory) */
    int summarised;    /* written to summary.csv and report.md when present */
    int in_extra;      /* read from `name=value` in the extra column when there is no
                          column of that name (what a replay reports about itself) */
} mpb_metric_t;

extern const mpb_metric_t mpb_metrics[MPB_NMETRIC];

#define MPB_CELL_MAXFAIL    6            /* distinct failure statuses kept per cell */
#define MPB_BASELINE        "glibc"      /* user-space runs */
#define MPB_KERNEL_BASELINE "buddy-slab" /* kernel-sim runs */

/* Statistics of one metric in one cell, with the ratio to the same cell of
 * the baseline allocator (has_ratio 0 when the baseline has no such cell). */
typedef struct mpb_cellstat {
    mpb_stat_t st;
    mpb_ratio_t ratio;
    int has_ratio;
    int noisy;
} mpb_cellstat_t;

/* mpb_cells_stat's answer for one metric of one cell, computed on first
 * use and kept: summary, plots, report and digest share one computation. */
typedef struct mpb_cellmemo {
    int state; /* 0 not computed yet, 1 computed, -1 no value */
    mpb_cellstat_t s;
} mpb_cellmemo_t;

typedef struct mpb_fail {
    char status[32];
    size_t count;
} mpb_fail_t;

typedef struct mpb_cell {
    char *alloc, *workload; /* workload: the key, "test/<size>B" when sized */
    char *test;             /* the workload column alone */
    long size;              /* the size column, 0 when empty */
    int threads;
    char scale[32];  /* `scale` column of its first row ("" if none):
                                         the workload's own (NAME@F) or the matrix's */
    int mixed_scale; /* its rows disagree on scale */
    char build[96];  /* `build_id` of its rows ("" when none says) */
    long *reps;      /* rep numbers seen (a repeated one is skipped) */
    size_t nreps, capreps;
    size_t n_ok, n_failed; /* measurements / rows of other statuses */
    mpb_fail_t fails[MPB_CELL_MAXFAIL];
    size_t nfails;
    double *vals[MPB_NMETRIC]; /* values of each metric from ok rows */
    size_t nvals[MPB_NMETRIC], cap;
    mpb_cellmemo_t *memo; /* [MPB_NMETRIC], filled by mpb_cells_stat */
} mpb_cell_t;

typedef struct mpb_cellset {
    mpb_cell_t *cells;
    size_t ncells, capcells;
    int has_col[MPB_NMETRIC]; /* results.csv has the metric's column */
    int present[MPB_NMETRIC]; /* ... and an ok row with a value > 0 in it */
    char **allocs;            /* known rivals first (glibc, jemalloc, ...) */
    size_t nallocs;
    char **workloads; /* in order of first appearance */
    size_t nworkloads;
    int *threads; /* ascending */
    size_t nthreads;
    char **tests; /* workload column values, first appearance */
    size_t ntests;
    long *sizes; /* size column values, ascending (none: 0) */
    size_t nsizes;
    char **truncated; /* workloads with a row saying trace=truncated (a replay of a
                         trace cut short), first appearance */
    size_t ntruncated;
    char baseline[32];       /* allocator ratios are to, "" when absent */
    size_t nrows, nwarmup;   /* rows read, warm-up rows among them */
    size_t max_rep;          /* most runs (any status) in one cell */
    char measure[32];        /* `measure` column of the first row ("" if none) */
    int mixed_measure;       /* rows disagree on `measure` (mpb_cells_load refuses) */
    const char *mixed_scale; /* a cell whose rows disagree on `scale` (load refuses) */
    char mixed_build[512];   /* rows of one allocator name from two builds (load refuses) */
    size_t nbad;             /* ok rows with a malformed metric value (warned, skipped) */
    size_t ndup;             /* rows repeating a (cell, rep) already read (warned, skipped) */
} mpb_cellset_t;

/* Reads DIR/results.csv. Returns 0, or -1 with a message on stderr (also
 * when its rows mix measure modes, or one cell's rows mix scales: a cell
 * must never pool different experiments). An ok row whose metric value is not a finite
 * number >= 0 is warned about and does not count as ok. */
int mpb_cells_load(const char *dir, mpb_cellset_t *cs);
void mpb_cells_free(mpb_cellset_t *cs);

/* The metric that times cell c: cycles per operation for kernel-sim cells,
 * instructions in a folder run with --measure instructions (the valgrind
 * runs' wall time says nothing of the allocator), a replay's own time for
 * replays (their wall time is mostly loading the plan), else wall time. */
int mpb_cells_time_metric(const mpb_cellset_t *cs, const mpb_cell_t *c);

/* Index of a metric by column name, or -1. */
int mpb_metric_find(const char *name);

/* The cell, or NULL when the matrix has none. */
const mpb_cell_t *mpb_cells_find(const mpb_cellset_t *cs, const char *alloc, const char *workload,
                                 int threads);

/* Fills *out for metric m of cell c; returns -1 when c has no value of m.
 * The first call per (cell, metric) computes it (the bootstrap included),
 * later ones return the kept answer. */
int mpb_cells_stat(const mpb_cellset_t *cs, const mpb_cell_t *c, int m, mpb_cellstat_t *out);

/* 1 when the cellset holds a baseline allocator (cs->baseline). */
int mpb_cells_has_baseline(const mpb_cellset_t *cs);

/* The workload key of a cell: test itself, or "test/<size>B" when size > 0. */
const char *mpb_cells_key(const char *test, long size, char *buf, size_t len);

/* Sorts allocator names into table and plot order (stable): glibc, the
 * known rivals, kernel-sim's, other allocators, mpalloc, its variants. */
void mpb_cells_order(char **names, size_t n);

/* A short label for an allocator: the file name without lib/.so for a path. */
const char *mpb_cells_label(const char *alloc, char *buf, size_t len);

#endif /* MPB_CELLS_H */
