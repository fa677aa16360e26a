/* `mpbench summary DIR`, `mpbench plot DIR`, `mpbench report DIR`: one
 * file of a finished folder each, written by export/analyse.h from one load
 * of it (the same writers run, merge, kernel and sweep end with). summary
 * also prints the digest; report prints the report's path. */
#include "analysis/digest.h"
#include "cli/commands.h"
#include "common/outfmt.h"
#include "export/analyse.h"

#include <stdio.h>

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

static const char plot_help[] =
    "usage: mpbench plot DIR\n"
    "Draws gnuplot PNGs from DIR/results.csv into DIR/plots/:\n"
    "  time_t<N>.png     time per workload / glibc's, N threads: wall time; for a\n"
    "                    replay its own time (replay_s); under --measure\n"
    "                    instructions the instruction count\n"
    "  alloc_t<N>.png    replays: time inside the allocator (alloc_s) / glibc's\n"
    "  rss_t<N>.png      peak RSS per workload / glibc's, N threads\n"
    "  scaling_<W>.png   ops/s vs threads for workload W (when >1 thread count)\n"
    "  efficiency_<W>.png  per-thread efficiency vs threads for workload W:\n"
    "                    (ops/s at N / N) / ops/s at the fewest threads, with the\n"
    "                    ceiling min(N, PUs)/N of the machine in meta.json\n"
    "  timeline_<W>.png  RSS over time for workload W, a line per allocator\n"
    "                    (from DIR/timeline.csv; each allocator's first rep at\n"
    "                    the lowest thread count)\n"
    "Bars are ratios of medians; error bars are their 95% bootstrap CI. Without\n"
    "glibc runs the bars are the medians themselves (CI of the median). The y\n"
    "axis is logarithmic when values span more than 10x. Each plot's data\n"
    "(.dat) and script (.gp) are written beside it for re-plotting.\n"
    "Exit: 0 plots written, 1 no plot could be drawn (no ok run with a value)\n"
    "or gnuplot failed on one, 2 bad input or no gnuplot, 3 the folder is in\n"
    "use by another mpbench.\n";

static const char report_help[] =
    "usage: mpbench report DIR\n"
    "Writes DIR/report.md from DIR/results.csv, DIR/meta.json and the PNGs in\n"
    "DIR/plots/ (run `mpbench plot DIR` first to include plots): machine,\n"
    "matrix, geomean ranking, plots, a table per metric (median [95% CI] and\n"
    "ratio to glibc [95% CI]), per-thread efficiency when several thread counts\n"
    "ran, failed runs and noisy cells. Prints the path.\n"
    "Exit: 0 written, 1 results.csv holds no runs (nothing written), 2 bad\n"
    "input, 3 the folder is in use by another mpbench.\n";

/* The command's one folder argument into *dir; returns -1 to go on, else
 * the exit status (0 after --help). */
static int one_dir(int argc, char **argv, const char *help, const char **dir) {
    int prc = mpb_parse_dir(argc, argv, help, dir);
    return prc == 0 ? -1 : prc == 1 ? 0 : 2;
}

int mpb_cmd_summary(int argc, char **argv) {
    const char *dir;
    int rc = one_dir(argc, argv, summary_help, &dir);
    if (rc >= 0)
        return rc;
    mpb_analysis_opts_t o = {.who = "mpbench summary", .summary = 1};
    mpb_analysis_t an;
    if (mpb_analysis_load(dir, &an) != 0)
        return 2;
    rc = mpb_analyse_loaded(&an, &o, NULL);
    if (rc == 0) /* the digest only beside a summary.csv written */
        mpb_digest_print(stdout, &an);
    mpb_analysis_free(&an);
    return rc;
}

int mpb_cmd_plot(int argc, char **argv) {
    const char *dir;
    int rc = one_dir(argc, argv, plot_help, &dir);
    if (rc >= 0)
        return rc;
    mpb_analysis_opts_t o = {.who = "mpbench plot", .plots = 1};
    return mpb_analyse(dir, &o, NULL);
}

int mpb_cmd_report(int argc, char **argv) {
    const char *dir;
    char path[4200];
    int rc = one_dir(argc, argv, report_help, &dir);
    if (rc >= 0)
        return rc;
    mpb_analysis_opts_t o = {.who = "mpbench report", .report = 1};
    rc = mpb_analyse(dir, &o, NULL);
    if (rc == 0)
        printf("%s\n", mpb_path(path, sizeof path, dir, "report.md"));
    return rc;
}
