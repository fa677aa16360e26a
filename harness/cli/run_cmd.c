/* `mpbench run`: the command line into mpb_run_opts_t (the options
 * themselves are declared in run_opts.c, shared with sweep and replay),
 * then the matrix (run/run.h) and the folder's analysis (export/analyse.h):
 * summary, plots, report, the digest on stdout, the exports, and the
 * report's path last. */
#include "cli/commands.h"
#include "cli/run_opts.h"
#include "export/analyse.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define WHO "mpbench run"

static const char run_help[] =
    "usage: mpbench run [options] --out DIR\n"
    "       mpbench run --resume DIR\n"
    "Runs allocators x workloads x thread counts x repetitions, one child process\n"
    "per run (LD_PRELOAD, hwloc pinning, wait4 rusage, perf counters), appending\n"
    "each finished run to DIR/results.csv, then writes summary, plots and report.\n"
    "\n"
    "  -a, --alloc LIST      allocators, comma-separated: glibc jemalloc tcmalloc\n"
    "                        mimalloc tbbmalloc scudo mpalloc mpalloc-<variant>,\n"
    "                        /path/to/lib.so (labelled by its file: libfoo.so.2 ->\n"
    "                        foo-2) or NAME=/path/to/lib.so (labelled NAME); labels\n"
    "                        must differ (default: glibc jemalloc tcmalloc mimalloc\n"
    "                        tbbmalloc scudo mpalloc; rivals not installed are\n"
    "                        skipped)\n"
    "  -w, --workload LIST   workload names (wl-<name> beside mpbench) or paths\n"
    "                        (default: every wl-* beside mpbench); NAME@F runs that\n"
    "                        workload at scale F instead of --scale's\n"
    "  -c, --command CMD     a command line as a workload (repeatable): run as\n"
    "                        written through `sh -c` under each allocator, every\n"
    "                        process it starts checked for the allocator; NAME=CMD\n"
    "                        names it (else its program's name: `sort -n f` is\n"
    "                        sort). {threads} and {scale} in CMD are replaced (and\n"
    "                        in MPB_THREADS, MPB_SCALE); without {threads} it runs\n"
    "                        once per rep, at the first thread count, unpinned.\n"
    "                        Ops: its `mpbench-ops: N` lines, --ops-from, or none\n"
    "                        (time and memory only)\n"
    "      --command-name N  names the --command of the same rank (repeatable)\n"
    "      --prepare CMD     run through `sh -c` before each run, without the\n"
    "                        allocator, untimed (once: before every workload's\n"
    "                        runs; or once per --command, in order); a failure\n"
    "                        makes that run an error row\n"
    "      --ops-from REGEX  the ops count of a --command: the first group (or\n"
    "                        number) of the last stdout line REGEX (POSIX ERE)\n"
    "                        matches; no matching line: status invalid\n"
    "  -t, --threads LIST    thread counts (default: 1,2 and powers of two up to\n"
    "                        the core count hwloc reports)\n"
    "  -r, --repeat N        counted repetitions per cell (default 5)\n"
    "  -o, --out DIR         results folder; refused if it already holds a run\n"
    "  -q, --quick           scale 0.1, 3 repetitions, warm-up 0.25 (unless -s, -r\n"
    "                        or --warmup are given)\n"
    "  -s, --scale F         workload size factor, passed as -s F (default 1)\n"
    "      --resume          continue the run in DIR: the matrix is read back from\n"
    "                        DIR/matrix.txt and runs already in results.csv (any\n"
    "                        status) are skipped\n"
    "      --timeout S       kill a run after S seconds: status timeout (default\n"
    "                        60; 1200 with --measure instructions); a run with more\n"
    "                        threads than PUs gets S x ceil(threads / PUs)\n"
    "      --pin, --no-pin   bind a T-thread run to T cores with hwloc (default on);\n"
    "                        past the core count, to every PU (oversubscribed past\n"
    "                        the PU count: --threads 1,2,4,8,16 runs on 2 cores)\n"
    "      --shard I/N       run only cells whose index mod N is I-1 (join the\n"
    "                        shards with `mpbench merge`)\n"
    "      --measure M       time (default) or instructions: run under callgrind\n"
    "                        and record its instruction count (Ir)\n"
    "      --warmup F        scale of each cell's warm-up run as a fraction of the\n"
    "                        scale (default 1: the same run; 0: no warm-up)\n"
    "      --seed N          seed of the per-rep allocator order (default 42)\n"
    "      --sample-ms MS    sample the run's RSS (its process tree, /proc statm)\n"
    "                        every MS ms into DIR/timeline.csv (default 10; 0: off;\n"
    "                        not under --measure instructions)\n"
    "      --no-report       skip summary, plot and report at the end\n"
    "      --export-json F   also write the folder's cells (every metric's statistics\n"
    "                        and values), rankings, warnings and meta.json to F\n"
    "      --export-markdown F  also write the rankings as Markdown tables to F\n"
    "  -h, --help            this text\n"
    "\n"
    "At the end, a digest on stdout (before the report's path): per workload and\n"
    "threads the allocators ranked by median time, \"X ran N x [lo, hi] faster\n"
    "than Y\" only where the 95% interval excludes 1 from 5 ok runs per cell,\n"
    "noise flags, and warnings (runs under 100 ms with the scale that fixes them,\n"
    "noisy cells), which report.md also shows first.\n"
    "\n"
    "Order: for rep, for workload, for threads, for allocator (allocator order\n"
    "shuffled per rep). Each cell first gets one warm-up run (see --warmup) that\n"
    "is not written to results.csv. Status: ok, crash (signal column), fail (exit_code column),\n"
    "timeout, error (could not start; why in extra), unverified (the allocator\n"
    "named did not provably serve the run's malloc: mpbench preloads its probe,\n"
    "mpbench-probe.so, beside it and checks; why in extra), invalid (a bad\n"
    "mpbench-* value in the workload's output; why in extra). Counters the machine lacks\n"
    "are empty cells, and meta.json says which. Logs: DIR/logs/<cell>-<rep>.err\n"
    "(empty ones removed). The last line on stdout is the path of DIR/report.md\n"
    "(with --no-report, where `mpbench report DIR` will write it; not printed\n"
    "when the report could not be written).\n"
    "Exit: 0 matrix done (crash rows included), 2 bad usage or a folder that\n"
    "already holds a run, 3 the folder is in use by another mpbench (lock),\n"
    "4 results could not be written (rows written so far stay valid),\n"
    "130 interrupted (continue with --resume).\n";

static const struct option run_opts[] = {{"alloc", required_argument, 0, 'a'},
                                         {"workload", required_argument, 0, 'w'},
                                         {"threads", required_argument, 0, 't'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"out", required_argument, 0, 'o'},
                                         {"quick", no_argument, 0, 'q'},
                                         {"scale", required_argument, 0, 's'},
                                         {"resume", no_argument, 0, MPB_OPT_RESUME},
                                         {"timeout", required_argument, 0, MPB_OPT_TIMEOUT},
                                         {"pin", no_argument, 0, MPB_OPT_PIN},
                                         {"no-pin", no_argument, 0, MPB_OPT_NOPIN},
                                         {"shard", required_argument, 0, MPB_OPT_SHARD},
                                         {"measure", required_argument, 0, MPB_OPT_MEASURE},
                                         {"seed", required_argument, 0, MPB_OPT_SEED},
                                         {"no-report", no_argument, 0, MPB_OPT_NOREPORT},
                                         {"warmup", required_argument, 0, MPB_OPT_WARMUP},
                                         {"sample-ms", required_argument, 0, MPB_OPT_SAMPLE},
                                         {"command", required_argument, 0, 'c'},
                                         {"command-name", required_argument, 0, MPB_OPT_CMDNAME},
                                         {"prepare", required_argument, 0, MPB_OPT_PREPARE},
                                         {"ops-from", required_argument, 0, MPB_OPT_OPSFROM},
                                         {"export-json", required_argument, 0, MPB_OPT_EXPJSON},
                                         {"export-markdown", required_argument, 0, MPB_OPT_EXPMD},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};

/* One option into o or after; returns 0, 1 for --help, or an exit status.
 * *matrix_given: an option that shapes the matrix came. */
static int parse_opt(int c, mpb_run_opts_t *o, mpb_cli_after_t *after, int *matrix_given) {
    switch (c) {
    case 'o':
        o->out = optarg;
        return 0;
    case MPB_OPT_RESUME:
        o->resume = 1;
        return 0;
    case MPB_OPT_NOREPORT:
        after->report = 0;
        return 0;
    case MPB_OPT_EXPJSON:
        after->export_json = optarg;
        return 0;
    case MPB_OPT_EXPMD:
        after->export_md = optarg;
        return 0;
    case 'h':
        return 1;
    }
    int rc = mpb_cli_run_option(WHO, c, optarg, o);
    *matrix_given = 1;
    return rc < 0 ? 2 : rc;
}

/* Parses argv into o and after; returns 0, -1 after --help, or an exit
 * status. */
static int parse_args(int argc, char **argv, mpb_run_opts_t *o, mpb_cli_after_t *after) {
    int c, rc = 0, matrix_given = 0;
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, "a:w:c:t:r:o:qs:h", run_opts, NULL)) != -1)
        if ((rc = parse_opt(c, o, after, &matrix_given)) != 0)
            rc = rc == 1 ? -1 : rc;
    if (rc == 0 && !o->out && optind < argc)
        o->out = argv[optind++];
    if (rc == 0 && optind < argc)
        rc = mpb_cli_usage(WHO, "unexpected argument", argv[optind]);
    if (rc == 0 && !o->out)
        rc = mpb_cli_usage(WHO, "--out DIR is required", NULL);
    if (rc == 0 && o->resume && matrix_given)
        fprintf(stderr,
                "mpbench run: --resume: matrix options ignored; the matrix "
                "comes from %s/matrix.txt\n",
                o->out);
    return rc;
}

int mpb_cli_run(const mpb_run_opts_t *o, const mpb_cli_after_t *after) {
    mpb_run_t r;
    int rc = mpb_run_matrix(&r, o);
    int reported = rc == MPB_EXIT_OK && !after->report;
    if (rc == MPB_EXIT_OK) {
        mpb_analysis_opts_t a = {.who = WHO,
                                 .warn = 1,
                                 .summary = after->report,
                                 .plots = after->report,
                                 .report = after->report,
                                 .digest = 1,
                                 .export_json = after->export_json,
                                 .export_md = after->export_md};
        mpb_analysis_status_t st;
        mpb_analyse(r.dir, &a, &st);
        reported = reported || st.report == 0;
        if (st.exports != 0)
            rc = MPB_EXIT_WRITE;
    }
    if (reported)
        printf("%s/report.md\n", r.dir);
    mpb_run_end(&r);
    return rc;
}

/* Frees what parsing the options added to o. */
static void opts_free(mpb_run_opts_t *o) {
    mpb_strlist_free(&o->cmd.commands), mpb_strlist_free(&o->cmd.names);
    mpb_strlist_free(&o->cmd.prepare), mpb_strlist_free(&o->cmd.ops_from);
}

int mpb_cmd_run(int argc, char **argv) {
    mpb_run_opts_t o = MPB_RUN_OPTS_INIT;
    mpb_cli_after_t after = {.report = 1};
    char cmdline[4096];
    int rc = parse_args(argc, argv, &o, &after);
    if (rc == -1) {
        fputs(run_help, stdout);
        opts_free(&o);
        return MPB_EXIT_OK;
    }
    mpb_cli_cmdline(argc, argv, cmdline, sizeof cmdline);
    o.cmdline = cmdline;
    if (rc == 0)
        rc = mpb_cli_run(&o, &after);
    opts_free(&o);
    return rc;
}
