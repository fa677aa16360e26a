/* The kernel-path microbenchmark, modelled on Linux's slab_test and
 * time_bench: each test runs on the first `cpus` simulated CPUs at once and
 * is timed with the TSC per CPU; the empty loop of the same shape is timed
 * too and subtracted. One row per measurement. */
#ifndef KS_BENCH_H
#define KS_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Tests, NULL-terminated: pair, nthen, bulk, allcpu, remote, one2n, churn. */
extern const char *const ks_bench_tests[];

typedef struct ks_bench_spec {
    const char *test;
    size_t size; /* object size (churn: ignored, sizes are mixed) */
    int cpus;    /* CPUs taking part (<= started CPUs) */
    size_t nobj; /* objects per CPU per pass (0: 10000, capped at 8 MiB per CPU) */
} ks_bench_spec_t;

typedef struct ks_bench_row {
    double cycles_per_op; /* TSC cycles per operation, empty loop subtracted */
    double ns_per_op;
    double empty_cycles;    /* empty-loop cycles per operation (subtracted) */
    uint64_t pages_held;    /* arena pages resident at the test's peak */
    uint64_t frames_mapped; /* frames mapped into the arena at that point */
    uint64_t bytes_live;    /* bytes the test held live at that point */
    const char *status;     /* "ok", "skipped" (needs 2 CPUs), "enomem" */
} ks_bench_row_t;

/* 1 when the test needs at least two CPUs. */
int ks_bench_needs_two(const char *test);

/* Runs one measurement. The kernel must be booted, the allocator selected
 * and at least spec->cpus CPUs started. Returns 0, or -1 for an unknown test. */
int ks_bench_run(const ks_bench_spec_t *spec, ks_bench_row_t *row);

/* Arena pages resident now (mincore over the kernel heap arena). */
uint64_t ks_bench_resident_pages(void);

#endif /* KS_BENCH_H */
