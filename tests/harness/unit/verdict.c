/* harness/verdict.c: the one rule behind faster/slower. Fewer than
 * MPB_VERDICT_MIN_RUNS ok runs on a side give no verdict (and say how many
 * are needed), whatever the ratio; with enough runs a clear shift is
 * faster/slower by the metric's direction, a shift under the threshold or
 * an interval holding 1 is "same". */
#include <criterion/criterion.h>
#include <string.h>

#include "analysis/verdict.h"

static const double base[] = {1.00, 0.98, 1.01, 0.99, 1.02, 1.00};
static const double slow[] = {1.33, 1.30, 1.35, 1.31, 1.34, 1.32}; /* +32% */

Test(verdict, too_few_runs_give_no_verdict) {
    mpb_verdict_t v;
    char buf[200];
    for (size_t n = 1; n < MPB_VERDICT_MIN_RUNS; n++) {
        cr_assert_eq(mpb_verdict_judge(slow, n, base, n, 0, 0.05, &v), 0);
        cr_assert_eq(v.v, MPB_V_UNJUDGED, "%zu runs per side judged", n);
        cr_assert_gt(v.r.ratio, 1.25, "the ratio is still computed");
    }
    /* enough on one side only */
    mpb_verdict_judge(slow, 6, base, 2, 0, 0.05, &v);
    cr_assert_eq(v.v, MPB_V_UNJUDGED);
    mpb_verdict_few_runs(&v, buf, sizeof buf);
    cr_assert(strstr(buf, "A 2, B 6 ok runs; 5 on each side are needed"), "%s", buf);
    cr_assert_str_eq(mpb_verdict_word(v.v, 1), "not judged");
}

Test(verdict, enough_runs_judge_by_direction) {
    mpb_verdict_t v;
    cr_assert_eq(mpb_verdict_judge(slow, 5, base, 5, 0, 0.05, &v), 0);
    cr_assert_eq(v.v, MPB_V_WORSE);
    cr_assert_str_eq(mpb_verdict_word(v.v, 1), "SLOWER");
    mpb_verdict_judge(slow, 6, base, 6, 1, 0.05, &v); /* throughput: higher is better */
    cr_assert_eq(v.v, MPB_V_BETTER);
    cr_assert_str_eq(mpb_verdict_word(v.v, 0), "better");
    mpb_verdict_judge(base, 6, slow, 6, 0, 0.05, &v);
    cr_assert_eq(v.v, MPB_V_BETTER);
    cr_assert_str_eq(mpb_verdict_word(v.v, 1), "faster");
}

Test(verdict, same_under_threshold_or_overlapping) {
    mpb_verdict_t v;
    mpb_verdict_judge(base, 6, base, 6, 0, 0.05, &v);
    cr_assert_eq(v.v, MPB_V_SAME);
    mpb_verdict_judge(slow, 6, base, 6, 0, 0.40, &v); /* +32% under a 40% threshold */
    cr_assert_eq(v.v, MPB_V_SAME);
    static const double wide[] = {0.6, 1.5, 0.9, 1.4, 1.0}; /* interval holds 1 */
    mpb_verdict_judge(wide, 5, base, 5, 0, 0.05, &v);
    cr_assert_eq(v.v, MPB_V_SAME);
    cr_assert_eq(mpb_verdict_judge(base, 0, base, 5, 0, 0.05, &v), -1);
    cr_assert_eq(v.v, MPB_V_UNJUDGED);
}
