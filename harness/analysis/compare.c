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

#include "analysis/cells.h"
#include "cli/commands.h"
#include "common/lock.h"
#include "common/outfmt.h"
#include "common/util.h"

static const char compare_help[] =
    "usage: mpbench compare DIR_A DIR_B [--threshold PCT] [--metric NAME] [--force]\n"
    "A regression check of B (candidate) against A (base), cell by cell\n"
    "(allocator, workload, threads). For the cells found in both folders:\n"
    "ratio B/A of the medians of NAME (default wall_s, or cycles_per_op for\n"
    "kernel-sim folders (`mpbench kernel`); also max_rss_kb, ops_per_s,\n"
    "instructions, task_clock_ms, user_s, sys_s, minflt, held_per_live, ...) with a\n"
    "95% CI by bootstrap (2000 resamples of both samples, fixed seed).\n"
    "Verdict per cell: 'same' when the CI includes 1.0 or the change is below\n"
    "PCT percent (default 5); otherwise faster/slower (better/worse for memory\n"
    "metrics), taking the metric's direction into account (ops_per_s: higher\n"
    "is better).\n"
    "Failed runs (crash, timeout, fail, error, unverified, invalid) count: a\n"
    "cell whose runs fail more often in B than in A (some failing where none\n"
    "did, or all) is FAILED in B; a cell of A that B lacks is MISSING in B;\n"
    "a cell only in B is new (not compared; FAILED in B if its runs failed).\n"
    "Folders run at another scale or measure mode are refused (--force:\n"
    "compared with a warning).\n"
    "Exit status: 0 no regression; 1 a regression: a cell slower (worse)\n"
    "beyond the threshold, FAILED in B or MISSING in B; 2 bad input\n"
    "(unreadable folder, unknown metric, not comparable, no common cell).\n";

typedef struct mpb_cmpopts {
    const char *a, *b;
    double threshold; /* fraction: 0.05 for 5% */
    int metric;
    int force; /* --force: compare other scales / measure modes (warning) */
} mpb_cmpopts_t;

/* Cells by verdict. */
typedef struct mpb_cmptally {
    size_t better, worse, same; /* compared by the metric */
    size_t failed_b;            /* failing more often in B than in A (or only in B) */
    size_t fixed;               /* failing less often in B */
    size_t only_a, only_b;      /* missing in B / new in B */
    size_t uncompared;          /* in both, but without values in one */
} mpb_cmptally_t;

/* Parses the command line with getopt_long. Returns 0, 1 after --help, or
 * -1 on bad usage (message printed). */
static int parse_args(int argc, char **argv, mpb_cmpopts_t *o) {
    static const struct option opts[] = {
        {"threshold", required_argument, NULL, 'T'},
        {"metric", required_argument, NULL, 'm'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *metric = NULL; /* chosen from the folders' columns */
    int c;
    o->a = o->b = NULL;
    o->force = 0;
    o->threshold = 0.05;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(compare_help, stdout);
            return 1;
        } else if (c == 'T') {
            if (mpb_parse_double(optarg, 0.0, 1000.0, &o->threshold) != 0)
                return fprintf(stderr,
                               "mpbench compare: bad --threshold '%s' (want a "
                               "percentage, 0..1000)\n",
                               optarg),
                       -1;
            o->threshold /= 100.0;
        } else if (c == 'f') {
            o->force = 1;
        } else if (c == 'm') {
            metric = optarg;
        } else {
            return fprintf(stderr, "mpbench compare: %s '%s' (see mpbench compare --help)\n",
                           c == ':' ? "option needs a value:" : "unknown option", argv[optind - 1]),
                   -1;
        }
    }
    if (argc - optind != 2)
        return fprintf(stderr, "mpbench compare: two results folders are needed, not %d\n",
                       argc - optind),
               -1;
    o->a = argv[optind];
    o->b = argv[optind + 1];
    o->metric = -1;
    if (metric && (o->metric = mpb_metric_find(metric)) < 0)
        return fprintf(stderr, "mpbench compare: unknown metric '%s'\n", metric), -1;
    return 0;
}

/* 1 for metrics where the verdict words are faster/slower. */
static int is_speed(int m) {
    return m == MPB_M_WALL || m == MPB_M_OPS || m == MPB_M_INSN || m == MPB_M_TASKCLK ||
           m == MPB_M_USER || m == MPB_M_SYS || m == MPB_M_CYCLES || m == MPB_M_NS;
}

/* The verdict for ratio r (B/A) of metric m: -1 worse, 0 same, 1 better. */
static int verdict(const mpb_ratio_t *r, int m, double threshold) {
    if (!isnan(r->lo) && r->lo <= 1.0 && r->hi >= 1.0)
        return 0;
    if (fabs(r->ratio - 1.0) < threshold)
        return 0;
    int up = r->ratio > 1.0;
    return up == mpb_metrics[m].higher_better ? 1 : -1;
}

static const char *verdict_word(int v, int m) {
    if (v == 0)
        return "same";
    if (is_speed(m))
        return v > 0 ? "faster" : "SLOWER";
    return v > 0 ? "better" : "WORSE";
}

/* Failures of a cell in words ("2 of 5 runs: crash 2"), into buf. */
static const char *fail_words(const mpb_cell_t *c, char *buf, size_t len) {
    size_t o =
        (size_t)snprintf(buf, len, "%zu of %zu runs failed:", c->n_failed, c->n_ok + c->n_failed);
    for (size_t i = 0; i < c->nfails && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, " %s %zu", c->fails[i].status, c->fails[i].count);
    return buf;
}

/* Share of a cell's runs that failed (0 for no cell). */
static double fail_rate(const mpb_cell_t *c) {
    return c && c->n_failed ? (double)c->n_failed / (double)(c->n_ok + c->n_failed) : 0.0;
}

/* Prints one line for a cell that is not compared by its metric. */
static void note_line(const mpb_cell_t *c, const char *what) {
    printf("%-16s %-16s %3d  %s\n", c->workload, c->alloc, c->threads, what);
}

/* The failure verdict of a cell: a regression when B fails more often than
 * A (a cell that failed only in B, or a cell only in B that failed). */
static void compare_failures(const mpb_cell_t *ca, const mpb_cell_t *cb, mpb_cmptally_t *t) {
    char buf[256], line[400];
    if (cb && cb->n_failed && fail_rate(cb) > fail_rate(ca)) {
        t->failed_b++;
        snprintf(line, sizeof line, "FAILED in B: %s%s", fail_words(cb, buf, sizeof buf),
                 ca && ca->n_failed ? " (fewer in A)"
                 : ca               ? " (none in A)"
                                    : " (not in A)");
        note_line(cb, line);
    } else if (ca && ca->n_failed && fail_rate(ca) > fail_rate(cb) && cb) {
        t->fixed++;
        snprintf(line, sizeof line, "fewer failures in B than in A (A: %s)",
                 fail_words(ca, buf, sizeof buf));
        note_line(ca, line);
    } else if (ca && cb && ca->n_failed && cb->n_failed) {
        snprintf(line, sizeof line, "failing in both (B: %s)", fail_words(cb, buf, sizeof buf));
        note_line(cb, line);
    }
}

/* Compares one cell of A with B's; prints its line and counts its verdict. */
static void compare_cell(const mpb_cellset_t *b, const mpb_cell_t *ca, const mpb_cmpopts_t *o,
                         mpb_cmptally_t *tally) {
    int m = o->metric;
    const mpb_cell_t *cb = mpb_cells_find(b, ca->alloc, ca->workload, ca->threads);
    mpb_ratio_t r;
    if (!cb) {
        tally->only_a++;
        note_line(ca, "MISSING in B: B has no run of this cell");
        return;
    }
    compare_failures(ca, cb, tally);
    if (!ca->nvals[m] || !cb->nvals[m] ||
        mpb_stats_ratio(cb->vals[m], cb->nvals[m], ca->vals[m], ca->nvals[m], &r) < 0) {
        tally->uncompared++;
        if (!ca->n_failed && !cb->n_failed)
            note_line(ca, "no values of the metric in one folder: not compared");
        return;
    }
    int v = verdict(&r, m, o->threshold);
    tally->better += v > 0, tally->worse += v < 0, tally->same += v == 0;
    printf("%-16s %-16s %3d %10s %10s %7s [%s, %s] %+7.1f%%  %s\n", ca->workload, ca->alloc,
           ca->threads, mpb_fmt_human(mpb_stats_median(ca->vals[m], ca->nvals[m])).s,
           mpb_fmt_human(mpb_stats_median(cb->vals[m], cb->nvals[m])).s, mpb_fmt_ratio(r.ratio).s,
           mpb_fmt_ratio(r.lo).s, mpb_fmt_ratio(r.hi).s, 100.0 * (r.ratio - 1.0),
           verdict_word(v, m));
}

/* Cells of B that A never ran: new, so not compared; a failing one is a
 * regression all the same. */
static void only_in_b(const mpb_cellset_t *a, const mpb_cellset_t *b, mpb_cmptally_t *t) {
    for (size_t i = 0; i < b->ncells; i++) {
        const mpb_cell_t *c = &b->cells[i];
        if (mpb_cells_find(a, c->alloc, c->workload, c->threads))
            continue;
        t->only_b++;
        if (c->n_failed)
            compare_failures(NULL, c, t);
        else
            note_line(c, "new in B: A has no run of this cell (not compared)");
    }
}

/* The first cell of A whose B counterpart ran at another scale, or NULL. */
static const mpb_cell_t *scale_mismatch(const mpb_cellset_t *a, const mpb_cellset_t *b,
                                        const mpb_cell_t **other) {
    for (size_t i = 0; i < a->ncells; i++) {
        const mpb_cell_t *ca = &a->cells[i];
        *other = mpb_cells_find(b, ca->alloc, ca->workload, ca->threads);
        if (*other && ca->scale[0] && (*other)->scale[0] &&
            strtod(ca->scale, NULL) != strtod((*other)->scale, NULL))
            return ca;
    }
    return NULL;
}

/* Refuses (2) folders whose runs are not comparable: another measure mode,
 * or a cell run at another scale; with --force only warns. Returns 0 or 2. */
static int check_comparable(const mpb_cellset_t *a, const mpb_cellset_t *b,
                            const mpb_cmpopts_t *o) {
    const char *what = NULL, *va = NULL, *vb = NULL;
    const mpb_cell_t *cb = NULL, *ca = scale_mismatch(a, b, &cb);
    char scale_of[300];
    if (a->measure[0] && b->measure[0] && strcmp(a->measure, b->measure))
        what = "measure mode", va = a->measure, vb = b->measure;
    else if (ca) {
        snprintf(scale_of, sizeof scale_of, "scale (workload %s)", ca->workload);
        what = scale_of, va = ca->scale, vb = cb->scale;
    }
    if (!what)
        return 0;
    fprintf(stderr,
            "mpbench compare: %s: A was run with %s %s, B with %s %s: their numbers "
            "are not comparable%s\n",
            o->force ? "warning" : "refused", what, va, what, vb,
            o->force ? " (--force: compared anyway)" : " (--force compares them anyway)");
    return o->force ? 0 : 2;
}

/* The summary line and the exit status (see compare_help). */
static int verdict_of(const mpb_cmptally_t *t, const mpb_cmpopts_t *o) {
    size_t n = t->better + t->worse + t->same;
    printf("\n%zu cells compared: %zu %s, %zu %s, %zu same", n, t->better,
           verdict_word(1, o->metric), t->worse, verdict_word(-1, o->metric), t->same);
    printf("; %zu failed in B (more than in A), %zu missing in B, %zu new in B\n", t->failed_b,
           t->only_a, t->only_b);
    if (t->worse || t->failed_b || t->only_a) {
        printf("verdict: REGRESSION (%zu %s, %zu failed in B, %zu missing in B)\n", t->worse,
               verdict_word(-1, o->metric), t->failed_b, t->only_a);
        return 1;
    }
    if (n == 0) {
        fprintf(stderr, "mpbench compare: no cell has %s values in both folders\n",
                mpb_metrics[o->metric].name);
        return 2;
    }
    printf("verdict: ok%s\n", t->only_b ? " (B has cells A lacks: they were not compared)" : "");
    return 0;
}

static int compare_sets(const mpb_cellset_t *a, const mpb_cellset_t *b, const mpb_cmpopts_t *o) {
    mpb_cmptally_t t = {0};
    int rc = check_comparable(a, b, o);
    if (rc)
        return rc;
    printf("metric %s: B/A of medians, 95%% bootstrap CI; threshold %.1f%%\n"
           "A = %s\nB = %s\n\n",
           mpb_metrics[o->metric].name, 100.0 * o->threshold, o->a, o->b);
    printf("%-16s %-16s %3s %10s %10s %18s %8s  %s\n", "workload", "allocator", "thr", "median A",
           "median B", "B/A [95% CI]", "change", "verdict");
    for (size_t i = 0; i < a->ncells; i++)
        compare_cell(b, &a->cells[i], o, &t);
    only_in_b(a, b, &t);
    return verdict_of(&t, o);
}

int mpb_cmd_compare(int argc, char **argv) {
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
    if (mpb_lock_busy(o.a, "mpbench compare: warning") |
        mpb_lock_busy(o.b, "mpbench compare: warning"))
        fprintf(stderr, "mpbench compare: warning: a folder still being written may lack "
                        "runs: cells can show as missing\n");
    if (o.metric < 0) /* kernel-sim folders have cycles, not wall time */
        o.metric = !a.present[MPB_M_WALL] && a.present[MPB_M_CYCLES] ? MPB_M_CYCLES : MPB_M_WALL;
    rc = compare_sets(&a, &b, &o);
    mpb_cells_free(&a);
    mpb_cells_free(&b);
    return rc;
}
