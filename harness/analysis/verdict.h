/* The one rule behind every "faster", "slower", "better" or "worse" that
 * mpbench prints (compare, the report's ranking, the sweep's best variants,
 * summaries): a verdict needs MPB_VERDICT_MIN_RUNS ok runs on each side,
 * a bootstrap interval of the ratio that excludes 1, and a change beyond
 * the threshold. With fewer runs the cell is "not judged" and the text says
 * how many runs are missing. Why 5: between two identical setups with 10%
 * run-to-run noise, the bootstrap interval of the ratio of medians
 * excludes 1 (and the change exceeds 5%) in about 31% of cells with 2 runs
 * per side, 10% with 3, 7% with 4 and 4% with 5 (simulated, 300 trials
 * each); 5 is also the default --repeat. */
#ifndef MPB_VERDICT_H
#define MPB_VERDICT_H

#include <stddef.h>

#include "common/stats.h"

#define MPB_VERDICT_MIN_RUNS 5 /* ok runs per side before any verdict */
#define MPB_VERDICT_THRESHOLD \
    0.05 /* the smallest change called a gain or a loss (compare's
                                      default --threshold) */

enum {
    MPB_V_SAME = 0,     /* interval includes 1, or the change is under the threshold */
    MPB_V_BETTER = 1,   /* faster / smaller / higher throughput */
    MPB_V_WORSE = -1,   /* slower / larger */
    MPB_V_UNJUDGED = 2, /* too few runs on a side: no verdict */
};

typedef struct mpb_verdict {
    int v;         /* MPB_V_* */
    mpb_ratio_t r; /* B/A: ratio of medians with its bootstrap interval */
    size_t na, nb; /* ok runs on each side */
} mpb_verdict_t;

/* Judges b against a (ratio median(b)/median(a)). higher_better: 1 for
 * throughput, 0 for costs. threshold: the smallest change that counts, as a
 * fraction (0.05). Returns 0, or -1 when there is no ratio at all (a side
 * empty, or median(a) is 0): out->v is then MPB_V_UNJUDGED. */
int mpb_verdict_judge(const double *b, size_t nb, const double *a, size_t na, int higher_better,
                      double threshold, mpb_verdict_t *out);

/* "faster"/"SLOWER" (speed metrics) or "better"/"WORSE", "same", or "not
 * judged" for v. speed: 1 for time and throughput metrics. */
const char *mpb_verdict_word(int v, int speed);

/* Why a verdict is missing, into buf: "too few runs for a verdict (A 2, B 1
 * ok runs; 5 on each side are needed)". Returns buf. */
const char *mpb_verdict_few_runs(const mpb_verdict_t *v, char *buf, size_t len);

#endif /* MPB_VERDICT_H */
