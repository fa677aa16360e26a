#!/usr/bin/env python3
"""Reference values for tests/harness/unit/stats.c, computed independently of
harness/common/stats.c with the Python standard library only (exact integer
arithmetic through math.comb and fractions; no sampling).

1. Median CI by order statistics: for n values the number below the true
   median is Binomial(n, 1/2); [x_(k), x_(n+1-k)] covers the median with
   probability 1 - 2 P(B <= k-1). k is the largest rank with coverage >= 0.95
   (k = 1, min..max, when none reaches it).
2. Bootstrap ratio interval: for samples of odd size n with distinct values,
   the median of a resample (n draws with replacement) is its ((n+1)/2)-th
   order statistic, so P(median <= s_j) = P(Binomial(n, j/n) >= (n+1)/2)
   exactly. The two resample medians are independent, which gives the exact
   distribution of their ratio. A 2000-resample percentile estimate must lie
   between the exact quantiles at 1% and 4% (lower end) and 96% and 99%
   (upper end): its sampling error is about 0.35% in probability.
Run: python3 tests/harness/unit/stats_ref.py
"""
from fractions import Fraction
from math import comb


def median_ci_rank(n):
    k, level = 1, 1 - Fraction(2, 2 ** n)
    for c in range(2, n // 2 + 1):
        cov = 1 - 2 * Fraction(sum(comb(n, i) for i in range(c)), 2 ** n)
        if cov < Fraction(95, 100):
            break
        k, level = c, cov
    return k, level


def resample_median_dist(xs):
    s, n = sorted(xs), len(xs)
    assert n % 2 == 1 and len(set(s)) == n
    need = (n + 1) // 2
    cdf = [sum(comb(n, i) * Fraction(j, n) ** i * Fraction(n - j, n) ** (n - i)
               for i in range(need, n + 1)) for j in range(1, n + 1)]
    return [(s[j], cdf[j] - (cdf[j - 1] if j else 0)) for j in range(n)]


def ratio_quantile(dist, p):
    acc = Fraction(0)
    for r, pr in dist:
        acc += pr
        if acc >= p:
            return r
    return dist[-1][0]


print("median CI ranks (n, k, coverage):")
for n in (2, 5, 6, 8, 10, 20, 50):
    k, level = median_ci_rank(n)
    print("  n=%d k=%d coverage=%.6f" % (n, k, float(level)))

num = [10.2, 9.8, 11.5, 10.9, 10.1, 12.3, 9.6]
den = [8.1, 7.9, 8.6, 9.4, 8.0, 8.3, 7.7]
pairs = {}
for a, pa in resample_median_dist(num):
    for b, pb in resample_median_dist(den):
        pairs[a / b] = pairs.get(a / b, 0) + pa * pb
dist = sorted(pairs.items())
print("ratio of medians: %.17g" % (sorted(num)[3] / sorted(den)[3]))
for p in ("1/100", "4/100", "96/100", "99/100"):
    print("  exact quantile %s: %.17g" % (p, ratio_quantile(dist, Fraction(p))))
