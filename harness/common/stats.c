/* Statistics behind stats.h. The CI of a median uses order statistics: the
 * number of values below the true median is Binomial(n, 1/2), so
 * [x_(k), x_(n+1-k)] covers it with probability 1 - 2 P(B <= k-1); k is the
 * largest giving >= 95%, or 1 (min..max) when n < 6 and none does. The ratio
 * interval is a percentile bootstrap over both samples with a fixed seed. */
#include "common/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of an already sorted array. */
static double sorted_median(const double *s, size_t n) {
    if (n == 0)
        return NAN;
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static double *sorted_copy(const double *x, size_t n) {
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s)
        return NULL;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    return s;
}

double mpb_stats_median(const double *x, size_t n) {
    double *s = sorted_copy(x, n);
    if (!s)
        return NAN;
    double m = sorted_median(s, n);
    free(s);
    return m;
}

/* P(B <= k) for B ~ Binomial(n, 1/2), summed in logs to stay finite. */
static double binom_half_cdf(size_t n, size_t k) {
    double sum = 0.0;
    for (size_t i = 0; i <= k && i <= n; i++)
        sum += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - (double)n * log(2.0));
    return sum;
}

/* Chooses k (1-based) for the order-statistic interval; sets its coverage. */
static size_t median_ci_rank(size_t n, double *level) {
    size_t k = 1;
    *level = 1.0 - 2.0 * binom_half_cdf(n, 0);
    for (size_t c = 2; 2 * c <= n; c++) {
        double cov = 1.0 - 2.0 * binom_half_cdf(n, c - 1);
        if (cov < 0.95)
            break;
        k = c;
        *level = cov;
    }
    return k;
}

int mpb_stats_describe(const double *x, size_t n, mpb_stat_t *st) {
    memset(st, 0, sizeof *st);
    st->median = st->min = st->max = st->ci_lo = st->ci_hi = NAN;
    st->ci_level = NAN;
    if (n == 0)
        return -1;
    double *s = sorted_copy(x, n);
    if (!s)
        return -1;
    st->n = n;
    st->median = sorted_median(s, n);
    st->min = s[0];
    st->max = s[n - 1];
    if (n >= 2) {
        size_t k = median_ci_rank(n, &st->ci_level);
        st->ci_lo = s[k - 1];
        st->ci_hi = s[n - k];
    }
    free(s);
    return 0;
}

/* xorshift64*: small, fast, and the same sequence on every machine. */
static uint64_t rng_next(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Median of a resample (with replacement) of x, using buf[n] as scratch. */
static double resample_median(const double *x, size_t n, double *buf, uint64_t *rng) {
    for (size_t i = 0; i < n; i++)
        buf[i] = x[rng_next(rng) % n];
    qsort(buf, n, sizeof *buf, cmp_double);
    return sorted_median(buf, n);
}

/* Fills r->lo/hi with the 2.5% and 97.5% bootstrap percentiles. */
static int boot_interval(const double *num, size_t nnum, const double *den, size_t nden,
                         mpb_ratio_t *r) {
    size_t iters = MPB_STATS_BOOT_ITERS, nbuf = nnum > nden ? nnum : nden;
    double *ratios = malloc(iters * sizeof *ratios);
    double *buf = malloc(nbuf * sizeof *buf);
    if (!ratios || !buf) {
        free(ratios);
        free(buf);
        return -1;
    }
    uint64_t rng = MPB_STATS_BOOT_SEED;
    size_t m = 0;
    for (size_t i = 0; i < iters; i++) {
        double a = resample_median(num, nnum, buf, &rng);
        double b = resample_median(den, nden, buf, &rng);
        if (b != 0.0)
            ratios[m++] = a / b;
    }
    qsort(ratios, m, sizeof *ratios, cmp_double);
    if (m > 0) {
        r->lo = ratios[(size_t)floor(0.025 * (double)(m - 1))];
        r->hi = ratios[(size_t)ceil(0.975 * (double)(m - 1))];
    }
    free(ratios);
    free(buf);
    return 0;
}

int mpb_stats_ratio(const double *num, size_t nnum, const double *den, size_t nden,
                    mpb_ratio_t *r) {
    r->ratio = r->lo = r->hi = NAN;
    if (nnum == 0 || nden == 0)
        return -1;
    double mden = mpb_stats_median(den, nden);
    if (mden == 0.0 || isnan(mden))
        return -1;
    r->ratio = mpb_stats_median(num, nnum) / mden;
    if (nnum >= 2 && nden >= 2)
        return boot_interval(num, nnum, den, nden, r);
    return 0;
}

double mpb_stats_geomean(const double *x, size_t n) {
    double sum = 0.0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] > 0.0 && isfinite(x[i])) {
            sum += log(x[i]);
            m++;
        }
    }
    return m ? exp(sum / (double)m) : NAN;
}

int mpb_stats_noisy(const mpb_stat_t *s) {
    if (s->n < 2 || !(s->median > 0.0))
        return 0;
    if ((s->max - s->min) / s->median > MPB_STATS_NOISE_SPREAD)
        return 1;
    double below = (s->median - s->ci_lo) / s->median;
    double above = (s->ci_hi - s->median) / s->median;
    return below > MPB_STATS_NOISE_CI || above > MPB_STATS_NOISE_CI;
}
