/* One results.csv row from a run's result: its cells by column
 * (common/schema.h), written in the schema's order. Missing values are empty cells, never zeros: a counter the machine
 * lacks, ops a workload did not report, numbers of a run that never started. */
#include "run/csvout.h"

#include "common/schema.h"
#include "common/util.h"

#include <stdio.h>
#include <string.h>

/* Small formatting buffer for one cell. */
typedef struct cell {
    char s[64];
} cell_t;

static cell_t num(const char *fmt, double v) {
    cell_t c;
    mpb_fmt(c.s, sizeof c.s, fmt, v);
    return c;
}

static cell_t lnum(long v) {
    cell_t c;
    mpb_fmt(c.s, sizeof c.s, "%ld", v);
    return c;
}

/* ops / seconds as a cell: the workload's own ops_s when it gave one, else
 * the run's wall time ("" without ops or for a run that did not end ok). */
static cell_t ops_rate(const mpb_result_t *r) {
    cell_t c = {""};
    double ops, secs = r->wall_s;
    if (r->out.ops_s[0] && sscanf(r->out.ops_s, "%lf", &secs) != 1)
        secs = 0;
    if (r->status == MPB_ST_OK && r->out.ops[0] && secs > 0 && sscanf(r->out.ops, "%lf", &ops) == 1)
        mpb_fmt(c.s, sizeof c.s, "%.1f", ops / secs);
    return c;
}

/* The measured columns: wall_s .. majflt (c holds their text). */
static void put_rusage(const char **v, cell_t *c, const mpb_result_t *r) {
    if (r->status == MPB_ST_ERROR)
        return; /* never started: empty */
    c[0] = num("%.6f", r->wall_s), c[1] = num("%.6f", r->user_s), c[2] = num("%.6f", r->sys_s);
    c[3] = lnum(r->max_rss_kb), c[4] = lnum(r->minflt), c[5] = lnum(r->majflt);
    for (int i = 0; i < 6; i++)
        v[MPB_COL_WALL_S + i] = c[i].s;
}

/* exit_code, signal and the perf counter columns (c holds their text). */
static void put_counters(const char **v, cell_t *c, const mpb_result_t *r,
                         const char *callgrind_ir) {
    c[0].s[0] = c[1].s[0] = '\0';
    if (r->status == MPB_ST_CRASH)
        mpb_signal_name(r->sig, c[1].s, sizeof c[1].s);
    if (r->status == MPB_ST_OK || r->status == MPB_ST_FAIL)
        c[0] = lnum(r->exit_code);
    v[MPB_COL_EXIT_CODE] = c[0].s, v[MPB_COL_SIGNAL] = c[1].s;
    for (int i = 0; i < MPB_NCOUNTERS; i++) {
        const char *fmt = i == MPB_CNT_TASK_CLOCK ? "%.3f" : "%.0f";
        cell_t *k = &c[2 + i];
        k->s[0] = '\0';
        if (r->have_cnt[i] && r->status != MPB_ST_ERROR)
            *k = num(fmt, r->cnt[i]);
        if (i == MPB_CNT_INSTRUCTIONS && callgrind_ir)
            mpb_copy(k->s, sizeof k->s, callgrind_ir);
        v[MPB_COL_TASK_CLOCK_MS + i] = k->s;
    }
}

_Static_assert(MPB_COL_CACHE_MISSES - MPB_COL_TASK_CLOCK_MS ==
                   MPB_CNT_CACHE_MISSES - MPB_CNT_TASK_CLOCK,
               "the counter columns follow measure/counters.h's order");

void mpb_csv_row(char *buf, size_t len, const mpb_alloc_t *a, const mpb_rowkey_t *k,
                 const mpb_result_t *r) {
    const char *v[MPB_NCOLS] = {NULL};
    cell_t nums[4], rus[6], cnt[2 + MPB_NCOUNTERS], rate = ops_rate(r);
    nums[0] = lnum(k->threads), nums[1] = lnum(k->rep), nums[2] = num("%g", k->scale);
    v[MPB_COL_ALLOCATOR] = a->name;
    v[MPB_COL_VARIANT] = a->variant;
    v[MPB_COL_WORKLOAD] = k->workload;
    v[MPB_COL_THREADS] = nums[0].s;
    v[MPB_COL_REP] = nums[1].s;
    v[MPB_COL_STATUS] = mpb_status_name(r->status);
    put_rusage(v, rus, r);
    v[MPB_COL_OPS] = r->out.ops;
    v[MPB_COL_OPS_PER_S] = rate.s;
    put_counters(v, cnt, r, k->instructions);
    v[MPB_COL_LIVE_PEAK_BYTES] = r->out.live_peak_bytes;
    v[MPB_COL_RSS_AFTER_KB] = r->out.rss_after_kb;
    v[MPB_COL_SCALE] = nums[2].s;
    v[MPB_COL_MEASURE] = k->measure;
    v[MPB_COL_LIB] = a->path;
    v[MPB_COL_BUILD_ID] = r->build_id;
    v[MPB_COL_EXTRA] = r->why[0] ? r->why : r->out.extra;
    mpb_schema_row(&mpb_schema_run, v, buf, len);
}
