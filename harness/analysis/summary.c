/* `mpbench summary DIR`: reads DIR/results.csv and writes DIR/summary.csv,
 * one row per cell (allocator, workload, threads) and metric: counts, median,
 * min, max, 95% CI of the median, ratio of medians to the baseline's cell
 * (glibc; buddy-slab for kernel-sim runs) with its bootstrap CI, and the
 * noise flag (rules in stats.h). Ratio columns are empty without a baseline. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis/cells.h"
#include "analysis/digest.h"
#include "cli/commands.h"
#include "common/csvio.h"
#include "common/lock.h"
#include "common/outfmt.h"
#include "common/util.h"

static const char summary_help[] =
    "usage: mpbench summary DIR\n"
    "Reads DIR/results.csv, writes DIR/summary.csv: one row per cell\n"
    "(allocator, workload, threads) and metric (wall_s, max_rss_kb, ops_per_s;\n"
    "instructions, task_clock_ms, live_peak_bytes, rss_after_kb when present;\n"
    "cycles_per_op, held_per_live for kernel-sim runs, whose workload is\n"
    "test/<size>B) with columns\n"
    "  n_ok n_failed median min max ci_lo ci_hi ratio_to_glibc ratio_ci_lo\n"
    "  ratio_ci_hi noisy\n"
    "ci_lo..ci_hi: 95% CI of the median by order statistics (binomial); with\n"
    "  fewer than 6 runs no such interval exists and it is min..max (93.75%\n"
    "  coverage at 5 runs). Empty with fewer than 2 runs.\n"
    "ratio_to_glibc: median / median of glibc in the same workload and threads\n"
    "  (empty when glibc did not run; kernel-sim runs have ratio_to_buddy-slab\n"
    "  instead); its CI is a percentile bootstrap, 2000\n"
    "  resamples of both samples, fixed seed.\n"
    "noisy: 1 when (max-min)/median > 10% or the CI reaches more than 5% of\n"
    "  the median away from it on either side.\n"
    "Rows with a status other than ok count in n_failed; warmup rows are ignored.\n"
    "Then prints the digest mpbench run ends with: per workload and threads the\n"
    "allocators ranked by time (a replay's own; instructions under --measure\n"
    "instructions), \"X ran N x [lo, hi] faster than Y\" where the interval allows,\n"
    "noise flags, and warnings (runs too short to time, noisy cells).\n"
    "Exit: 0 written, 1 results.csv holds no runs (nothing written), 2 bad\n"
    "input (unreadable, or rows of several scales or measure modes), 3 the\n"
    "folder is in use by another mpbench.\n";

static const char *const summary_cols[] = {
    "allocator",   "workload",    "threads", "metric", "n_ok",  "n_failed",
    "median",      "min",         "max",     "ci_lo",  "ci_hi", NULL /* ratio_to_<baseline> */,
    "ratio_ci_lo", "ratio_ci_hi", "noisy",
};

static int is_core(int m) { return m == MPB_M_WALL || m == MPB_M_RSS || m == MPB_M_OPS; }

/* 1 when metric m belongs in the summary: the three core metrics whenever
 * their column exists (so failed cells show) unless only kernel-sim's
 * metrics have values, the others when some run gave them a value. */
static int metric_wanted(const mpb_cellset_t *cs, int m) {
    int kernel_only =
        (cs->present[MPB_M_CYCLES] || cs->present[MPB_M_HELD]) && !cs->present[MPB_M_WALL];
    if (is_core(m))
        return cs->has_col[m] && (!kernel_only || cs->present[m]);
    return mpb_metrics[m].summarised && cs->present[m];
}

static void write_row(FILE *f, const mpb_cellset_t *cs, const mpb_cell_t *c, int m) {
    mpb_cellstat_t s;
    int have = mpb_cells_stat(cs, c, m, &s) == 0;
    char th[16], ok[24], failed[24];
    mpb_fmt(th, sizeof th, "%d", c->threads);
    mpb_fmt(ok, sizeof ok, "%zu", c->n_ok);
    mpb_fmt(failed, sizeof failed, "%zu", c->n_failed);
    mpb_num_t num[] = {mpb_fmt_num(s.st.median), mpb_fmt_num(s.st.min),
                       mpb_fmt_num(s.st.max),    mpb_fmt_num(s.st.ci_lo),
                       mpb_fmt_num(s.st.ci_hi),  mpb_fmt_num(s.ratio.ratio),
                       mpb_fmt_num(s.ratio.lo),  mpb_fmt_num(s.ratio.hi)};
    const char *fields[] = {c->alloc,
                            c->workload,
                            th,
                            mpb_metrics[m].name,
                            ok,
                            failed,
                            num[0].s,
                            num[1].s,
                            num[2].s,
                            num[3].s,
                            num[4].s,
                            num[5].s,
                            num[6].s,
                            num[7].s,
                            have ? (s.noisy ? "1" : "0") : ""};
    mpb_csv_line(f, fields, sizeof fields / sizeof fields[0]);
}

/* Rows in reading order: workload, threads, allocator, metric. A cell with
 * no value of an optional metric (live_peak_bytes from one workload only,
 * say) gets no row for it. */
static size_t write_rows(FILE *f, const mpb_cellset_t *cs) {
    size_t n = 0;
    for (size_t w = 0; w < cs->nworkloads; w++)
        for (size_t t = 0; t < cs->nthreads; t++)
            for (size_t a = 0; a < cs->nallocs; a++) {
                const mpb_cell_t *c =
                    mpb_cells_find(cs, cs->allocs[a], cs->workloads[w], cs->threads[t]);
                for (int m = 0; c && m < MPB_NMETRIC; m++) {
                    if (metric_wanted(cs, m) && (c->nvals[m] || is_core(m))) {
                        write_row(f, cs, c, m);
                        n++;
                    }
                }
            }
    return n;
}

static int write_summary(const char *dir, const mpb_cellset_t *cs) {
    char path[4096], tmp[4200];
    mpb_path(path, sizeof path, dir, "summary.csv");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        return 2;
    }
    char ratio[64];
    const char *cols[sizeof summary_cols / sizeof summary_cols[0]];
    mpb_fmt(ratio, sizeof ratio, "ratio_to_%s", cs->baseline[0] ? cs->baseline : MPB_BASELINE);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        cols[i] = summary_cols[i] ? summary_cols[i] : ratio;
    mpb_csv_line(f, cols, sizeof cols / sizeof cols[0]);
    size_t n = write_rows(f, cs);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        perror(path);
        unlink(tmp); /* no half-written .tmp left in the folder */
        return 2;
    }
    printf("wrote %s (%zu rows, %zu cells%s)\n", path, n, cs->ncells,
           mpb_cells_has_baseline(cs) ? "" : "; no baseline runs: ratio columns empty");
    if (!mpb_nested) /* mpbench run prints it at its end */
        mpb_digest_print(stdout, cs, dir);
    return 0;
}

int mpb_cmd_summary(int argc, char **argv) {
    const char *dir;
    int prc = mpb_parse_dir(argc, argv, summary_help, &dir);
    if (prc != 0)
        return prc == 1 ? 0 : 2;
    mpb_cellset_t cs;
    if (mpb_cells_load(dir, &cs) < 0)
        return 2;
    if (!cs.ncells) {
        fprintf(stderr, "mpbench summary: %s/results.csv holds no runs: nothing written\n", dir);
        mpb_cells_free(&cs);
        return 1;
    }
    int rc = mpb_lock_take(dir, "mpbench summary");
    if (rc == 0) {
        rc = write_summary(dir, &cs);
        mpb_lock_release(dir);
    }
    mpb_cells_free(&cs);
    return rc < 0 ? 2 : rc;
}
