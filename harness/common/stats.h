/* Small-sample statistics for benchmark results: median, min, max, a 95%
 * confidence interval of the median by order statistics (binomial), the
 * ratio of two medians with a bootstrap interval (fixed seed, so every run of
 * the tools prints the same numbers), the geometric mean and a noise flag.
 * Pure functions over arrays of doubles: kernel-sim's tools reuse them. */
#ifndef MPB_STATS_H
#define MPB_STATS_H

#include <stddef.h>

#define MPB_STATS_BOOT_ITERS   2000        /* bootstrap resamples per interval */
#define MPB_STATS_BOOT_SEED    0x6d706231u /* fixed seed: results reproducible */
#define MPB_STATS_NOISE_SPREAD 0.10        /* (max-min)/median above this: noisy */
#define MPB_STATS_NOISE_CI     0.05        /* CI reaching beyond median*(1±this): noisy */

/* Description of one sample. ci_lo/ci_hi are NAN when n < 2. */
typedef struct mpb_stat {
    size_t n; /* values described */
    double median;
    double min, max;
    double ci_lo, ci_hi; /* interval of the median: [x_(k), x_(n+1-k)] */
    double ci_level;     /* its exact coverage (0.9375 for n = 5, >= 0.95 for n >= 6) */
} mpb_stat_t;

/* A ratio of medians num/den with its bootstrap 95% percentile interval;
 * lo/hi are NAN when either sample has fewer than 2 values. */
typedef struct mpb_ratio {
    double ratio, lo, hi;
} mpb_ratio_t;

/* Median of x[0..n) (x is not modified); NAN when n == 0. */
double mpb_stats_median(const double *x, size_t n);

/* Fills *s from x[0..n); returns 0, or -1 when n == 0. */
int mpb_stats_describe(const double *x, size_t n, mpb_stat_t *s);

/* Ratio median(num)/median(den) with its interval: both samples are
 * resampled with replacement MPB_STATS_BOOT_ITERS times from a generator
 * seeded with MPB_STATS_BOOT_SEED. Returns 0, or -1 when a sample is empty
 * or median(den) is 0. */
int mpb_stats_ratio(const double *num, size_t nnum, const double *den, size_t nden, mpb_ratio_t *r);

/* Geometric mean of the positive finite values of x; NAN when none. */
double mpb_stats_geomean(const double *x, size_t n);

/* 1 when the sample is noisy: (max-min)/median > MPB_STATS_NOISE_SPREAD, or
 * the CI reaches more than MPB_STATS_NOISE_CI of the median away from it on
 * either side. 0 otherwise (a single value is never flagged). */
int mpb_stats_noisy(const mpb_stat_t *s);

#endif /* MPB_STATS_H */
