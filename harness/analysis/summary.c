/* DIR/summary.csv from a folder's cells (`mpbench summary DIR`, and the end
 * of run, merge, sweep and kernel): one row per cell (allocator, workload,
 * threads) and metric: counts, median,
 * min, max, 95% CI of the median, ratio of medians to the baseline's cell
 * (glibc; buddy-slab for kernel-sim runs) with its bootstrap CI, and the
 * noise flag (rules in stats.h). Ratio columns are empty without a baseline. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "common/csvio.h"
#include "common/outfmt.h"
#include "common/util.h"

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

int mpb_summary_write(const mpb_analysis_t *an) {
    const mpb_cellset_t *cs = &an->cs;
    char path[4096], tmp[4200];
    if (!cs->ncells) {
        fprintf(stderr, "mpbench summary: %s/results.csv holds no runs: nothing written\n",
                an->dir);
        return 1;
    }
    mpb_path(path, sizeof path, an->dir, "summary.csv");
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
    return 0;
}
