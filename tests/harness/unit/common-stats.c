/* harness/common/stats.c against values computed independently, by
 * tests/harness/unit/stats_ref.py (Python standard library only, exact
 * integer and rational arithmetic, no sampling; run it to see every figure
 * below). Median CI: the rank k and exact coverage of the order-statistic
 * interval [x_(k), x_(n+1-k)] from Binomial(n, 1/2) (n = 20: k = 6,
 * 95.86%; n = 50: k = 18, 96.72%, as in Hollander & Wolfe's tables).
 * Bootstrap ratio: the exact distribution of the ratio of two resample
 * medians (odd n: P(median <= s_j) = P(Binomial(n, j/n) >= (n+1)/2)); the
 * 2000-resample percentile ends must fall between its 1% and 4% (lower)
 * and 96% and 99% (upper) quantiles. */
#include <criterion/criterion.h>
#include <math.h>

#include "common/stats.h"

/* n, k and coverage printed by stats_ref.py. */
static const struct {
    size_t n, k;
    double coverage;
} ranks[] = {
    {2, 1, 0.500000},  {5, 1, 0.937500},  {6, 1, 0.968750},   {8, 1, 0.992188},
    {10, 2, 0.978516}, {20, 6, 0.958611}, {50, 18, 0.967161},
};

Test(stats, median_ci_by_order_statistics) {
    double x[50];
    for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++) {
        size_t n = ranks[i].n;
        for (size_t j = 0; j < n; j++) /* 1..n in a scrambled order */
            x[j] = (double)((j * 7) % n + 1);
        mpb_stat_t s;
        cr_assert_eq(mpb_stats_describe(x, n, &s), 0);
        cr_assert_float_eq(s.ci_lo, (double)ranks[i].k, 1e-12, "n=%zu lower end", n);
        cr_assert_float_eq(s.ci_hi, (double)(n + 1 - ranks[i].k), 1e-12, "n=%zu upper end", n);
        cr_assert_float_eq(s.ci_level, ranks[i].coverage, 1e-6, "n=%zu coverage", n);
        cr_assert_float_eq(s.median, (n + 1) / 2.0, 1e-12, "n=%zu median", n);
        cr_assert_float_eq(s.min, 1.0, 0.0);
        cr_assert_float_eq(s.max, (double)n, 0.0);
    }
    mpb_stat_t one;
    cr_assert_eq(mpb_stats_describe(x, 1, &one), 0);
    cr_assert(isnan(one.ci_lo) && isnan(one.ci_hi), "no interval from one value");
    cr_assert_eq(mpb_stats_describe(x, 0, &one), -1);
}

Test(stats, bootstrap_ratio_interval) {
    static const double num[] = {10.2, 9.8, 11.5, 10.9, 10.1, 12.3, 9.6};
    static const double den[] = {8.1, 7.9, 8.6, 9.4, 8.0, 8.3, 7.7};
    mpb_ratio_t r;
    cr_assert_eq(mpb_stats_ratio(num, 7, den, 7, &r), 0);
    cr_assert_float_eq(r.ratio, 1.2592592592592593, 1e-12);
    cr_assert(r.lo >= 1.1395348837209303 - 1e-12 && r.lo <= 1.1744186046511629 + 1e-12,
              "lower end %.6f outside the exact 1%%..4%% quantiles [1.1395, 1.1744]", r.lo);
    cr_assert(r.hi >= 1.4375 - 1e-12 && r.hi <= 1.4819277108433735 + 1e-12,
              "upper end %.6f outside the exact 96%%..99%% quantiles [1.4375, 1.4819]", r.hi);
    mpb_ratio_t again;
    mpb_stats_ratio(num, 7, den, 7, &again);
    cr_assert(again.lo == r.lo && again.hi == r.hi, "fixed seed: the same interval every time");
}

Test(stats, ratio_edge_cases) {
    static const double zero[] = {0.0, 0.0, 0.0}, x[] = {1.0, 2.0, 3.0};
    mpb_ratio_t r;
    cr_assert_eq(mpb_stats_ratio(x, 3, zero, 3, &r), -1, "a zero median cannot divide");
    cr_assert_eq(mpb_stats_ratio(x, 0, x, 3, &r), -1);
    cr_assert_eq(mpb_stats_ratio(x, 1, x + 1, 1, &r), 0);
    cr_assert_float_eq(r.ratio, 0.5, 1e-12);
    cr_assert(isnan(r.lo) && isnan(r.hi), "no interval from single values");
}

Test(stats, geomean_and_noise) {
    static const double g[] = {1.0, 4.0, 16.0, -3.0, 0.0};
    cr_assert_float_eq(mpb_stats_geomean(g, 5), 4.0, 1e-12, "non-positive values skipped");
    static const double tight[] = {100, 101, 99, 100, 100, 101}, wide[] = {100, 130, 90};
    mpb_stat_t s;
    mpb_stats_describe(tight, 6, &s);
    cr_assert_eq(mpb_stats_noisy(&s), 0);
    mpb_stats_describe(wide, 3, &s);
    cr_assert_eq(mpb_stats_noisy(&s), 1, "(max-min)/median = 40%% > 10%%");
}
