/* `mpbench compare DIR_A DIR_B [options]`: the command line into
 * mpb_cmpopts_t, then the comparison (analysis/compare.h). */
#include "analysis/compare.h"
#include "cli/commands.h"
#include "common/util.h"

#include <getopt.h>
#include <stdio.h>

static const char compare_help[] =
    "usage: mpbench compare DIR_A DIR_B [--threshold PCT] [--metric NAME] [--force]\n"
    "                       [--export-json FILE] [--export-markdown FILE]\n"
    "A regression check of B (candidate) against A (base), cell by cell\n"
    "(allocator, workload, threads). For the cells found in both folders:\n"
    "ratio B/A of the medians of NAME (default wall_s, or cycles_per_op for\n"
    "kernel-sim folders (`mpbench kernel`); also max_rss_kb, ops_per_s,\n"
    "instructions, task_clock_ms, user_s, sys_s, minflt, held_per_live, ...) with a\n"
    "95% CI by bootstrap (2000 resamples of both samples, fixed seed).\n"
    "Verdict per cell: none ('not judged') unless both sides have at least 5 ok\n"
    "runs (fewer give no usable interval: with 2 runs per side, identical setups\n"
    "differ 'significantly' in a third of the cells); 'same' when the CI\n"
    "includes 1.0 or the change is below PCT percent (default 5); otherwise\n"
    "faster/slower (better/worse for memory metrics), taking the metric's\n"
    "direction into account (ops_per_s: higher is better).\n"
    "Control: the baseline allocator (glibc; buddy-slab for kernel-sim) runs the\n"
    "same code in A and B, so when its cell moved by a verdict of its own, the\n"
    "machine drifted between the two runs: that cell says 'control MOVED' and\n"
    "the other allocators' cells of the same workload and threads are not\n"
    "judged ('drift'), their change relative to the control is shown instead.\n"
    "When the baseline did not run in both or its own build differs (then it is\n"
    "compared as any other allocator), the control is the first other allocator\n"
    "whose build is the same in A and B (meta.json build ids: a rival, or an\n"
    "mpalloc build that did not change); with none, there is no control.\n"
    "Failed runs (crash, timeout, fail, error, unverified, invalid) count: a\n"
    "cell whose runs fail more often in B than in A (some failing where none\n"
    "did, or all) is FAILED in B; a cell of A that B lacks is MISSING in B;\n"
    "a cell only in B is new (not compared; FAILED in B if its runs failed).\n"
    "Folders run at another scale or measure mode are refused (--force:\n"
    "compared with a warning). Folders from other machines (host, CPU model,\n"
    "cores, kernel), with another allocator environment (MALLOC_*, ...) or\n"
    "measured with other settings (pinning, warm-up, RSS sampling, timeout) are\n"
    "compared with a WARNING on stderr and above the table; an allocator whose\n"
    "build differs between A and B is listed with both builds (a before/after\n"
    "comparison of two builds is what compare is for).\n"
    "Exit status: 0 every cell judged and no regression; 1 a regression: a\n"
    "cell slower (worse) beyond the threshold, FAILED in B or MISSING in B;\n"
    "3 inconclusive: no regression, but some cells were not judged (too few\n"
    "runs, or the control moved); 2 bad input (unreadable folder, unknown\n"
    "metric, not comparable, no common cell, an export not written).\n"
    "After the table: a summary per workload (faster / slower / same / not judged,\n"
    "the largest changes with their intervals, noisy cells). --export-json FILE\n"
    "and --export-markdown FILE write the compared cells (medians, ratio, interval,\n"
    "runs, noise, verdict), the cells only in A or B, and the verdict.\n";

/* Parses the command line with getopt_long. Returns 0, 1 after --help, or
 * -1 on bad usage (message printed). */
static int parse_args(int argc, char **argv, mpb_cmpopts_t *o) {
    static const struct option opts[] = {
        {"threshold", required_argument, NULL, 'T'},
        {"metric", required_argument, NULL, 'm'},
        {"force", no_argument, NULL, 'f'},
        {"export-json", required_argument, NULL, 'J'},
        {"export-markdown", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *metric = NULL; /* chosen from the folders' columns */
    int c;
    o->a = o->b = NULL;
    o->export_json = o->export_md = NULL;
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
        } else if (c == 'J') {
            o->export_json = optarg;
        } else if (c == 'M') {
            o->export_md = optarg;
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

int mpb_cmd_compare(int argc, char **argv) {
    mpb_cmpopts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    return mpb_compare(&o);
}
