/* `mpbench merge [--allow-mixed] [--allow-incomplete] OUT DIR...`: the
 * shards joined by run/merge.h, then OUT's summary, plots and report from
 * one load of it (export/analyse.h); prints OUT/report.md. */
#include "cli/commands.h"
#include "common/outfmt.h"
#include "common/util.h"
#include "export/analyse.h"
#include "run/merge.h"

#include <stdio.h>
#include <string.h>

static const char merge_help[] =
    "usage: mpbench merge [--allow-mixed] [--allow-incomplete] OUT DIR...\n"
    "Joins results folders (shards of one matrix, see `mpbench run --shard I/N`)\n"
    "into the new folder OUT: results.csv rows concatenated (headers must match),\n"
    "timeline.csv rows likewise (from the folders that have one),\n"
    "meta.json of the first DIR with a \"merged_from\" list, matrix.txt unsharded.\n"
    "Then runs summary, plot and report on OUT and prints OUT/report.md.\n"
    "The folders must be distinct shards of one run: the same matrix.txt (but\n"
    "for the shard number), no run (allocator, workload, threads, rep) in two\n"
    "of them, none being written by a running mpbench, every allocator the\n"
    "same build in each (refused otherwise: two builds under one name), run on\n"
    "the same machine (host, CPU model, cores, kernel) with the same allocator\n"
    "environment, and complete (refused otherwise, unless:)\n"
    "  --allow-mixed       join shards of other machines or environments: each\n"
    "                      shard is recorded in meta.json (\"shards\") and the\n"
    "                      result marked (\"mixed\"; the report says so first)\n"
    "  --allow-incomplete  join interrupted or unfinished shards: the result's\n"
    "                      state is \"incomplete\"\n"
    "OUT must not exist. Exit: 0 done, 2 bad usage, mismatched headers or\n"
    "folders that are not shards of one run, 3 a folder is in use by another\n"
    "mpbench, 4 OUT could not be written.\n";

/* Takes --allow-mixed and --allow-incomplete out of argv (kept in o). */
static int take_options(int *argc, char **argv, mpb_merge_opts_t *o) {
    int k = 1;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--allow-mixed"))
            o->allow_mixed = 1;
        else if (!strcmp(argv[i], "--allow-incomplete"))
            o->allow_incomplete = 1;
        else
            argv[k++] = argv[i];
    }
    *argc = k;
    argv[k] = NULL;
    return 0;
}

int mpb_cmd_merge(int argc, char **argv) {
    mpb_merge_opts_t mo;
    take_options(&argc, argv, &mo);
    int first, rc = mpb_parse_help_only(argc, argv, merge_help, &first);
    if (rc >= 0)
        return rc;
    argc -= first - 1, argv += first - 1; /* argv[1] is OUT from here on */
    if (argc < 3) {
        fputs("mpbench merge: want OUT and at least one DIR (see mpbench merge --help)\n", stderr);
        return 2;
    }
    const char *out = argv[1];
    rc = mpb_merge(out, argv + 2, argc - 2, &mo);
    if (rc != 0)
        return rc;
    mpb_analysis_opts_t o = {
        .who = "mpbench merge", .warn = 1, .summary = 1, .plots = 1, .report = 1};
    mpb_analysis_status_t st;
    mpb_analyse(out, &o, &st);
    if (st.report == 0)
        printf("%s/report.md\n", out);
    return 0;
}
