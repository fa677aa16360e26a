/* The benchmark matrix (allocators x workloads x thread counts x reps, plus
 * how each run is made) and its file DIR/matrix.txt, written when a run
 * starts so `mpbench run --resume DIR` can continue it with no other
 * arguments. One `key=value` per line; lists are comma-separated, except
 * the --command workloads (`command=NAME<TAB>TEXT`), --prepare and
 * --ops-from texts, one line each, in order. */
#ifndef MPB_MATRIX_H
#define MPB_MATRIX_H

#include "common/util.h"

enum { MPB_MEASURE_TIME, MPB_MEASURE_INSTRUCTIONS };
#define MPB_MAX_THREADS       64   /* thread counts in one matrix */
#define MPB_SAMPLE_MS_DEFAULT 10.0 /* RSS sampling period, ms */

typedef struct mpb_matrix {
    mpb_strlist_t allocs;    /* allocator names (paths made absolute) */
    mpb_strlist_t workloads; /* workload names, or absolute paths */
    mpb_strlist_t commands;  /* --command workloads, "NAME\tTEXT" each */
    mpb_strlist_t prepare;   /* --prepare: one for every workload, or one per command */
    mpb_strlist_t ops_from;  /* --ops-from: one for every command, or one per command */
    int threads[MPB_MAX_THREADS];
    size_t nthreads;
    int repeat;           /* counted repetitions per cell */
    double scale;         /* passed to workloads as -s */
    double timeout_s;     /* per run */
    double warmup;        /* warm-up run's scale as a fraction of scale; 0: none */
    int pin;              /* bind runs to cores with hwloc */
    int shard_i, shard_n; /* run cells with index % n == i - 1 */
    int measure;          /* MPB_MEASURE_* */
    unsigned seed;        /* allocator order shuffle */
    double sample_ms;     /* RSS sampling period for timeline.csv; 0: off */
    char started[32];     /* ISO 8601 UTC start of the first attempt */
} mpb_matrix_t;

/* Parses "1,2,4" into m->threads; returns 0, or -1 on a bad list. */
int mpb_matrix_parse_threads(mpb_matrix_t *m, const char *list);
/* Parses "I/N" (1 <= I <= N) into m->shard_i/shard_n; returns 0 or -1. */
int mpb_matrix_parse_shard(mpb_matrix_t *m, const char *val);
/* "time" / "instructions". */
const char *mpb_matrix_measure_name(int measure);

/* Writes DIR's matrix.txt. Returns 0 or -1 (errno). */
int mpb_matrix_save(const mpb_matrix_t *m, const char *path);
/* Reads matrix.txt into m (zeroed first). Returns 0, or -1 with a message. */
int mpb_matrix_load(mpb_matrix_t *m, const char *path);

void mpb_matrix_free(mpb_matrix_t *m);

#endif /* MPB_MATRIX_H */
