/* Verdicts (verdict.h): enough runs, an interval that excludes 1, a change
 * beyond the threshold, the metric's direction. */
#include "analysis/verdict.h"
#include "common/util.h"

#include <math.h>
#include <string.h>

int mpb_verdict_judge(const double *b, size_t nb, const double *a, size_t na, int higher_better,
                      double threshold, mpb_verdict_t *out) {
    memset(out, 0, sizeof *out);
    out->v = MPB_V_UNJUDGED;
    out->na = na, out->nb = nb;
    if (mpb_stats_ratio(b, nb, a, na, &out->r) < 0)
        return -1;
    if (na < MPB_VERDICT_MIN_RUNS || nb < MPB_VERDICT_MIN_RUNS || isnan(out->r.lo))
        return 0;
    if ((out->r.lo <= 1.0 && out->r.hi >= 1.0) || fabs(out->r.ratio - 1.0) < threshold)
        out->v = MPB_V_SAME;
    else
        out->v = (out->r.ratio > 1.0) == (higher_better != 0) ? MPB_V_BETTER : MPB_V_WORSE;
    return 0;
}

const char *mpb_verdict_word(int v, int speed) {
    switch (v) {
    case MPB_V_SAME:
        return "same";
    case MPB_V_BETTER:
        return speed ? "faster" : "better";
    case MPB_V_WORSE:
        return speed ? "SLOWER" : "WORSE";
    default:
        return "not judged";
    }
}

const char *mpb_verdict_few_runs(const mpb_verdict_t *v, char *buf, size_t len) {
    mpb_fmt(buf, len,
            "too few runs for a verdict (A %zu, B %zu ok runs; %d on each side are needed)", v->na,
            v->nb, MPB_VERDICT_MIN_RUNS);
    return buf;
}
