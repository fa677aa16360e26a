/* One results.csv row from a run's result, in mpb_csv_header's column
 * order. Missing values are empty cells, never zeros: a counter the machine
 * lacks, ops a workload did not report, numbers of a run that never started. */
#include "run/csvout.h"
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

/* The measured columns: wall_s .. majflt. */
static void put_rusage(char *buf, size_t len, size_t *o, const mpb_result_t *r) {
    int ran = r->status != MPB_ST_ERROR;
    mpb_csv_field(buf, len, o, ran ? num("%.6f", r->wall_s).s : "", 0);
    mpb_csv_field(buf, len, o, ran ? num("%.6f", r->user_s).s : "", 0);
    mpb_csv_field(buf, len, o, ran ? num("%.6f", r->sys_s).s : "", 0);
    mpb_csv_field(buf, len, o, ran ? lnum(r->max_rss_kb).s : "", 0);
    mpb_csv_field(buf, len, o, ran ? lnum(r->minflt).s : "", 0);
    mpb_csv_field(buf, len, o, ran ? lnum(r->majflt).s : "", 0);
}

/* exit_code, signal and the perf counter columns. */
static void put_counters(char *buf, size_t len, size_t *o, const mpb_result_t *r,
                         const char *callgrind_ir) {
    char sig[32] = "";
    if (r->status == MPB_ST_CRASH)
        mpb_signal_name(r->sig, sig, sizeof sig);
    int exited = r->status == MPB_ST_OK || r->status == MPB_ST_FAIL;
    mpb_csv_field(buf, len, o, exited ? lnum(r->exit_code).s : "", 0);
    mpb_csv_field(buf, len, o, sig, 0);
    for (int i = 0; i < MPB_NCOUNTERS; i++) {
        const char *fmt = i == MPB_CNT_TASK_CLOCK ? "%.3f" : "%.0f";
        cell_t c = {""};
        if (r->have_cnt[i] && r->status != MPB_ST_ERROR)
            c = num(fmt, r->cnt[i]);
        if (i == MPB_CNT_INSTRUCTIONS && callgrind_ir)
            mpb_copy(c.s, sizeof c.s, callgrind_ir);
        mpb_csv_field(buf, len, o, c.s, 0);
    }
}

void mpb_csv_row(char *buf, size_t len, const mpb_alloc_t *a, const mpb_rowkey_t *k,
                 const mpb_result_t *r) {
    size_t o = 0;
    mpb_csv_field(buf, len, &o, a->name, 1);
    mpb_csv_field(buf, len, &o, a->variant, 0);
    mpb_csv_field(buf, len, &o, k->workload, 0);
    mpb_csv_field(buf, len, &o, lnum(k->threads).s, 0);
    mpb_csv_field(buf, len, &o, lnum(k->rep).s, 0);
    mpb_csv_field(buf, len, &o, mpb_status_name(r->status), 0);
    put_rusage(buf, len, &o, r);
    mpb_csv_field(buf, len, &o, r->out.ops, 0);
    mpb_csv_field(buf, len, &o, ops_rate(r).s, 0);
    put_counters(buf, len, &o, r, k->instructions);
    mpb_csv_field(buf, len, &o, r->out.live_peak_bytes, 0);
    mpb_csv_field(buf, len, &o, r->out.rss_after_kb, 0);
    mpb_csv_field(buf, len, &o, num("%g", k->scale).s, 0);
    mpb_csv_field(buf, len, &o, k->measure, 0);
    mpb_csv_field(buf, len, &o, a->path, 0);
    mpb_csv_field(buf, len, &o, r->build_id, 0);
    mpb_csv_field(buf, len, &o, r->why[0] ? r->why : r->out.extra, 0);
    if (o + 1 < len) {
        buf[o++] = '\n';
        buf[o] = '\0';
    }
}
