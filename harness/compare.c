/* `mpbench compare DIR_A DIR_B`: a regression check between two results
 * folders. For each cell in both, the ratio B/A of the medians of one metric
 * with a 95% bootstrap CI (stats.c: both samples resampled, fixed seed), and
 * a verdict: same when the CI includes 1 or the change is under the
 * threshold, else faster/slower (better/worse for memory metrics). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "commands.h"
#include "outfmt.h"

static const char compare_help[] =
    "usage: mpbench compare DIR_A DIR_B [--threshold PCT] [--metric NAME]\n"
    "Compares the cells (allocator, workload, threads) found in both folders:\n"
    "ratio B/A of the medians of NAME (default wall_s; also max_rss_kb,\n"
    "ops_per_s, instructions, task_clock_ms, user_s, sys_s, minflt, ...) with a\n"
    "95% CI by bootstrap (2000 resamples of both samples, fixed seed).\n"
    "Verdict per cell: 'same' when the CI includes 1.0 or the change is below\n"
    "PCT percent (default 5); otherwise faster/slower (better/worse for memory\n"
    "metrics), taking the metric's direction into account (ops_per_s: higher\n"
    "is better).\n"
    "Exit status: 0 when no cell is slower (worse) beyond the threshold, 1 when\n"
    "one is, 2 on bad input (unreadable folder, unknown metric, no common cell).\n";

typedef struct mpb_cmpopts {
    const char *a, *b;
    double threshold;  /* fraction: 0.05 for 5% */
    int metric;
} mpb_cmpopts_t;

typedef struct mpb_cmptally {
    size_t better, worse, same, only_a, only_b;
} mpb_cmptally_t;

/* Parses the command line with getopt_long. Returns 0, 1 after --help, or
 * -1 on bad usage (message printed). */
static int parse_args(int argc, char **argv, mpb_cmpopts_t *o)
{
    static const struct option opts[] = {
        { "threshold", required_argument, NULL, 'T' }, { "metric", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },            { NULL, 0, NULL, 0 },
    };
    const char *metric = "wall_s";
    char *end;
    int c;
    o->a = o->b = NULL;
    o->threshold = 0.05;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(compare_help, stdout);
            return 1;
        } else if (c == 'T') {
            o->threshold = strtod(optarg, &end) / 100.0;
            if (*end || end == optarg || !(o->threshold >= 0.0))
                return fprintf(stderr, "mpbench compare: bad --threshold %s\n", optarg), -1;
        } else if (c == 'm') {
            metric = optarg;
        } else {
            return fprintf(stderr, "mpbench compare: %s '%s' (see mpbench compare --help)\n",
                           c == ':' ? "option needs a value:" : "unknown option",
                           argv[optind - 1]), -1;
        }
    }
    if (argc - optind != 2)
        return fprintf(stderr, "mpbench compare: two results folders are needed, not %d\n",
                       argc - optind), -1;
    o->a = argv[optind];
    o->b = argv[optind + 1];
    if ((o->metric = mpb_metric_find(metric)) < 0)
        return fprintf(stderr, "mpbench compare: unknown metric '%s'\n", metric), -1;
    return 0;
}

/* 1 for metrics where the verdict words are faster/slower. */
static int is_speed(int m)
{
    return m == MPB_M_WALL || m == MPB_M_OPS || m == MPB_M_INSN || m == MPB_M_TASKCLK
           || m == MPB_M_USER || m == MPB_M_SYS;
}

/* The verdict for ratio r (B/A) of metric m: -1 worse, 0 same, 1 better. */
static int verdict(const mpb_ratio_t *r, int m, double threshold)
{
    if (!isnan(r->lo) && r->lo <= 1.0 && r->hi >= 1.0)
        return 0;
    if (fabs(r->ratio - 1.0) < threshold)
        return 0;
    int up = r->ratio > 1.0;
    return up == mpb_metrics[m].higher_better ? 1 : -1;
}

static const char *verdict_word(int v, int m)
{
    if (v == 0)
        return "same";
    if (is_speed(m))
        return v > 0 ? "faster" : "SLOWER";
    return v > 0 ? "better" : "WORSE";
}

/* Compares one cell of A with B's; prints its line and counts its verdict. */
static void compare_cell(const mpb_cellset_t *b, const mpb_cell_t *ca,
                         const mpb_cmpopts_t *o, mpb_cmptally_t *tally)
{
    int m = o->metric;
    const mpb_cell_t *cb = mpb_cells_find(b, ca->alloc, ca->workload, ca->threads);
    mpb_ratio_t r;
    if (!cb || !ca->nvals[m] || !cb->nvals[m]
        || mpb_stats_ratio(cb->vals[m], cb->nvals[m], ca->vals[m], ca->nvals[m], &r) < 0)
        return; /* counted by only_in() */
    int v = verdict(&r, m, o->threshold);
    tally->better += v > 0, tally->worse += v < 0, tally->same += v == 0;
    printf("%-16s %-16s %3d %10s %10s %7s [%s, %s] %+7.1f%%  %s\n", ca->workload, ca->alloc,
           ca->threads, mpb_fmt_human(mpb_stats_median(ca->vals[m], ca->nvals[m])).s,
           mpb_fmt_human(mpb_stats_median(cb->vals[m], cb->nvals[m])).s,
           mpb_fmt_ratio(r.ratio).s, mpb_fmt_ratio(r.lo).s, mpb_fmt_ratio(r.hi).s,
           100.0 * (r.ratio - 1.0), verdict_word(v, m));
}

/* Cells of B with no counterpart in A. */
static size_t only_in(const mpb_cellset_t *x, const mpb_cellset_t *y, int m)
{
    size_t n = 0;
    for (size_t i = 0; i < x->ncells; i++) {
        const mpb_cell_t *c = &x->cells[i];
        const mpb_cell_t *d = mpb_cells_find(y, c->alloc, c->workload, c->threads);
        n += c->nvals[m] && (!d || !d->nvals[m]);
    }
    return n;
}

static int compare_sets(const mpb_cellset_t *a, const mpb_cellset_t *b, const mpb_cmpopts_t *o)
{
    mpb_cmptally_t t = {0};
    printf("metric %s: B/A of medians, 95%% bootstrap CI; threshold %.1f%%\n"
           "A = %s\nB = %s\n\n", mpb_metrics[o->metric].name, 100.0 * o->threshold, o->a, o->b);
    printf("%-16s %-16s %3s %10s %10s %18s %8s  %s\n", "workload", "allocator", "thr",
           "median A", "median B", "B/A [95% CI]", "change", "verdict");
    for (size_t i = 0; i < a->ncells; i++)
        compare_cell(b, &a->cells[i], o, &t);
    t.only_b = only_in(b, a, o->metric);
    t.only_a = only_in(a, b, o->metric);
    size_t n = t.better + t.worse + t.same;
    printf("\n%zu cells compared: %zu %s, %zu %s, %zu same", n, t.better,
           verdict_word(1, o->metric), t.worse, verdict_word(-1, o->metric), t.same);
    printf("; %zu only in A, %zu only in B (not compared)\n", t.only_a, t.only_b);
    if (n == 0) {
        fprintf(stderr, "mpbench compare: no cell has %s values in both folders\n",
                mpb_metrics[o->metric].name);
        return 2;
    }
    return t.worse ? 1 : 0;
}

int mpb_cmd_compare(int argc, char **argv)
{
    mpb_cmpopts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    mpb_cellset_t a, b;
    if (mpb_cells_load(o.a, &a) < 0)
        return 2;
    if (mpb_cells_load(o.b, &b) < 0) {
        mpb_cells_free(&a);
        return 2;
    }
    rc = compare_sets(&a, &b, &o);
    mpb_cells_free(&a);
    mpb_cells_free(&b);
    return rc;
}
