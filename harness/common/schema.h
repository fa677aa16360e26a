/* results.csv's columns, declared once for every program that writes rows
 * (mpbench's runs, kernel-sim's ks-bench): the contract's fourteen columns
 * first (DESIGN.md, "results.csv"), then each writer's extras. A row is an
 * array of cells indexed by these enums, written in this order by
 * mpb_schema_row; a value that is missing is an empty cell, never 0.
 * Readers find columns by name, so a writer may only append columns. */
#ifndef MPB_SCHEMA_H
#define MPB_SCHEMA_H

#include <stddef.h>

/* The contract's columns: every writer's first fourteen. */
enum {
    MPB_COL_ALLOCATOR,
    MPB_COL_VARIANT,
    MPB_COL_WORKLOAD,
    MPB_COL_THREADS,
    MPB_COL_REP,
    MPB_COL_STATUS,
    MPB_COL_WALL_S,
    MPB_COL_USER_S,
    MPB_COL_SYS_S,
    MPB_COL_MAX_RSS_KB,
    MPB_COL_MINFLT,
    MPB_COL_MAJFLT,
    MPB_COL_OPS,
    MPB_COL_OPS_PER_S,
    MPB_COL_CONTRACT /* their number */
};

/* mpbench's extras: the exit, the counters (in measure/counters.h's
 * order), what the workload printed, how the run was set, the library. */
enum {
    MPB_COL_EXIT_CODE = MPB_COL_CONTRACT,
    MPB_COL_SIGNAL,
    MPB_COL_TASK_CLOCK_MS, /* the first counter */
    MPB_COL_PAGE_FAULTS,
    MPB_COL_CTX_SWITCHES,
    MPB_COL_CYCLES,
    MPB_COL_INSTRUCTIONS,
    MPB_COL_CACHE_MISSES,
    MPB_COL_LIVE_PEAK_BYTES,
    MPB_COL_RSS_AFTER_KB,
    MPB_COL_SCALE,
    MPB_COL_MEASURE,
    MPB_COL_LIB,
    MPB_COL_BUILD_ID,
    MPB_COL_EXTRA,
    MPB_NCOLS
};

/* kernel-sim's extras: the kernel-path measurements of one cell (threads
 * are simulated CPUs; the rusage columns stay empty). */
enum {
    KS_COL_SIZE = MPB_COL_CONTRACT,
    KS_COL_CYCLES_PER_OP,
    KS_COL_NS_PER_OP,
    KS_COL_EMPTY_LOOP_CYCLES,
    KS_COL_PAGES_HELD,
    KS_COL_BYTES_LIVE,
    KS_COL_HELD_PER_LIVE,
    KS_COL_FRAMES_MAPPED,
    KS_COL_TSC_GHZ,
    KS_COL_CORES,
    KS_COL_OVERSUBSCRIBED,
    KS_COL_MEASURE,
    KS_NCOLS
};

/* One writer's columns: their names, in order. */
typedef struct mpb_schema {
    const char *const *names;
    size_t n;
} mpb_schema_t;

extern const mpb_schema_t mpb_schema_run;    /* mpbench: MPB_NCOLS */
extern const mpb_schema_t mpb_schema_kernel; /* ks-bench: KS_NCOLS */

/* The header line of s, without the newline: built on first use, then the
 * same string for the process's life. */
const char *mpb_schema_header(const mpb_schema_t *s);

/* One CSV line (quoted as csvio.h quotes, ending in '\n') of s->n cells
 * into buf of len bytes; a NULL cell is empty. Returns 0, or -1 when the
 * line was cut to fit. */
int mpb_schema_row(const mpb_schema_t *s, const char *const *cells, char *buf, size_t len);

#endif /* MPB_SCHEMA_H */
