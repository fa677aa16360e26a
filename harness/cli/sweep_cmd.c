/* `mpbench sweep`: the command line into mpb_sweep_t (sweep/sweep.h), the
 * options it passes on to its runs into its mpb_run_opts_t through the
 * parser `mpbench run` uses (run_opts.h), every value checked before
 * anything is built; then the sweep, --list or --analyse. */
#include "cli/commands.h"
#include "cli/run_opts.h"
#include "sweep/sweep.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHO "mpbench sweep"

static const char sweep_help[] =
    "usage: mpbench sweep --tunable MPA_X=v1,v2,... [--tunable MPA_Y=...]\n"
    "                     --workload LIST [run options] --out DIR\n"
    "       mpbench sweep --list [--markdown]\n"
    "       mpbench sweep --analyse DIR\n"
    "Builds a libmpalloc variant per grid point (`make variant` into\n"
    "<build>/variants/<name>, reusing one already built with the same flags),\n"
    "runs the workloads on each and on the default build `mpalloc` (the\n"
    "reference), interleaved, like `mpbench run`, and writes the usual folder\n"
    "plus DIR/sweep.csv (variant -> status, flags, values), DIR/builds/*.log,\n"
    "plots/sweep_*.png and a `Sweep` section in report.md (also sweep.md).\n"
    "A value that does not build (an #error) is reported, recorded as\n"
    "build-failed rows, and skipped.\n"
    "\n"
    "  -T, --tunable MPA_X=LIST  a tunable and its values (up to 4 tunables;\n"
    "                            the grid is every combination)\n"
    "  -w, --workload LIST       workloads (required)\n"
    "  -a, --alloc LIST          other allocators to run beside the variants and\n"
    "                            the default build (names, paths or NAME=PATH, as\n"
    "                            mpbench run takes them), e.g. mimalloc,mi3=/x.so\n"
    "  -t, --threads LIST        thread counts (default: as mpbench run)\n"
    "  -r, --repeat N            repetitions per cell (default 5)\n"
    "  -s, --scale F             workload size factor\n"
    "  -q, --quick               scale 0.1, 3 repetitions (as mpbench run)\n"
    "  -o, --out DIR             results folder (must not hold a run)\n"
    "      --timeout S, --warmup F, --seed N, --no-pin   as mpbench run takes them\n"
    "  -j, --jobs N              make -j for the builds (default 2)\n"
    "      --list                every tunable: default, range, unit, meaning\n"
    "      --markdown            with --list: a Markdown table (for the README)\n"
    "      --analyse DIR         redo summary, plots and report of a sweep folder\n"
    "  -h, --help                this text\n"
    "Variant names come from the flags (mantissa_bits3-page_bits14), or\n"
    "v<hash> when long. The source tree is <mpbench>/../.. or $MPB_SRC_DIR.\n"
    "Exit: 0 done, 1 no variant built or the run failed, 2 bad usage.\n";

enum { OPT_LIST = MPB_OPT_NEXT, OPT_MD, OPT_ANALYSE };

static const struct option sweep_opts[] = {{"tunable", required_argument, 0, 'T'},
                                           {"alloc", required_argument, 0, 'a'},
                                           {"workload", required_argument, 0, 'w'},
                                           {"threads", required_argument, 0, 't'},
                                           {"repeat", required_argument, 0, 'r'},
                                           {"scale", required_argument, 0, 's'},
                                           {"quick", no_argument, 0, 'q'},
                                           {"out", required_argument, 0, 'o'},
                                           {"jobs", required_argument, 0, 'j'},
                                           {"timeout", required_argument, 0, MPB_OPT_TIMEOUT},
                                           {"warmup", required_argument, 0, MPB_OPT_WARMUP},
                                           {"seed", required_argument, 0, MPB_OPT_SEED},
                                           {"no-pin", no_argument, 0, MPB_OPT_NOPIN},
                                           {"list", no_argument, 0, OPT_LIST},
                                           {"markdown", no_argument, 0, OPT_MD},
                                           {"analyse", required_argument, 0, OPT_ANALYSE},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};

/* What the command line asked for besides the sweep itself. */
typedef struct sweep_args {
    int list, md, help;
    const char *analyse; /* --analyse DIR */
} sweep_args_t;

/* One option into s or a; returns 0 or 2. */
static int parse_opt(int c, mpb_sweep_t *s, sweep_args_t *a) {
    long v;
    switch (c) {
    case 'T':
        return mpb_sweep_add_tunable(s, optarg) == 0 ? 0 : 2;
    case 'a':
        s->others = optarg;
        return 0;
    case 'o':
        mpb_copy(s->dir, sizeof s->dir, optarg);
        return 0;
    case 'j':
        if (mpb_cli_long(WHO, "--jobs", optarg, 1, 1024, &v) != 0)
            return 2;
        s->jobs = (int)v;
        return 0;
    case OPT_LIST:
        a->list = 1;
        return 0;
    case OPT_MD:
        a->md = 1;
        return 0;
    case OPT_ANALYSE:
        a->analyse = optarg;
        return 0;
    case 'h':
        a->help = 1;
        return 0;
    }
    int rc = mpb_cli_run_option(WHO, c, optarg, &s->run);
    return rc < 0 ? 2 : rc;
}

/* The runs' options checked now, before any variant is built. */
static int check_run_options(const mpb_sweep_t *s) {
    mpb_matrix_t m;
    int rc = mpb_run_opts_matrix(&s->run, &m, WHO);
    mpb_matrix_free(&m);
    return rc;
}

static int parse_args(int argc, char **argv, mpb_sweep_t *s, sweep_args_t *a) {
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "T:a:w:t:r:s:qo:j:h", sweep_opts, NULL)) != -1)
        if ((rc = parse_opt(c, s, a)) != 0)
            return rc;
    if (optind < argc)
        return mpb_cli_usage(WHO, "unexpected argument", argv[optind]);
    if (a->help || a->list || a->analyse)
        return 0;
    if (s->ntun == 0)
        return mpb_cli_usage(WHO, "give at least one --tunable MPA_X=v1,v2,...", NULL);
    if (!s->run.workload)
        return mpb_cli_usage(WHO, "--workload LIST is required", NULL);
    if (!s->dir[0])
        return mpb_cli_usage(WHO, "--out DIR is required", NULL);
    return check_run_options(s);
}

int mpb_cmd_sweep(int argc, char **argv) {
    mpb_sweep_t s;
    sweep_args_t a;
    char cmdline[4096];
    memset(&s, 0, sizeof s);
    memset(&a, 0, sizeof a);
    s.run = (mpb_run_opts_t)MPB_RUN_OPTS_INIT;
    s.jobs = 2;
    mpb_cli_cmdline(argc, argv, cmdline, sizeof cmdline);
    s.run.cmdline = cmdline;
    int rc = mpb_tunables_load(&s.tun) != 0 ? 1 : parse_args(argc, argv, &s, &a);
    if (rc == 0 && a.help)
        fputs(sweep_help, stdout);
    else if (rc == 0 && a.list)
        mpb_tunables_print(&s.tun, stdout, a.md);
    else if (rc == 0 && a.analyse)
        rc = mpb_sweep_analyse(a.analyse);
    else if (rc == 0)
        rc = mpb_sweep_run(&s);
    for (size_t k = 0; k < MPB_SWEEP_MAXTUN; k++)
        mpb_strlist_free(&s.values[k]);
    mpb_tunables_free(&s.tun);
    free(s.pts);
    return rc;
}
