/* `mpbench sweep`: builds one libmpalloc variant per point of a grid of
 * tunables, runs the workloads on every variant and on the default build
 * (the reference) through `mpbench run` (same folder format, interleaved
 * repetitions), then adds sweep.csv, the sweep plots and a report section.
 * `--list` prints the tunables as allocator/src/tunables.h documents them. */
#include "cli/commands.h"
#include "common/lock.h"
#include "common/outfmt.h"
#include "sweep/sweep.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    "      --timeout S, --warmup F, --seed N, --no-pin   passed to mpbench run\n"
    "  -j, --jobs N              make -j for the builds (default 2)\n"
    "      --list                every tunable: default, range, unit, meaning\n"
    "      --markdown            with --list: a Markdown table (for the README)\n"
    "      --analyse DIR         redo summary, plots and report of a sweep folder\n"
    "  -h, --help                this text\n"
    "Variant names come from the flags (mantissa_bits3-page_bits14), or\n"
    "v<hash> when long. The source tree is <mpbench>/../.. or $MPB_SRC_DIR.\n"
    "Exit: 0 done, 1 no variant built or the run failed, 2 bad usage.\n";

enum { OPT_LIST = 256, OPT_MD, OPT_ANALYSE, OPT_TIMEOUT, OPT_WARMUP, OPT_SEED, OPT_NOPIN };

static const struct option sweep_opts[] = {{"tunable", required_argument, 0, 'T'},
                                           {"alloc", required_argument, 0, 'a'},
                                           {"workload", required_argument, 0, 'w'},
                                           {"threads", required_argument, 0, 't'},
                                           {"repeat", required_argument, 0, 'r'},
                                           {"scale", required_argument, 0, 's'},
                                           {"quick", no_argument, 0, 'q'},
                                           {"out", required_argument, 0, 'o'},
                                           {"jobs", required_argument, 0, 'j'},
                                           {"timeout", required_argument, 0, OPT_TIMEOUT},
                                           {"warmup", required_argument, 0, OPT_WARMUP},
                                           {"seed", required_argument, 0, OPT_SEED},
                                           {"no-pin", no_argument, 0, OPT_NOPIN},
                                           {"list", no_argument, 0, OPT_LIST},
                                           {"markdown", no_argument, 0, OPT_MD},
                                           {"analyse", required_argument, 0, OPT_ANALYSE},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};

/* What the command line asked for besides the grid. */
typedef struct sweep_args {
    int list, md, help, workload;
    const char *alloc; /* --alloc: other allocators run beside the variants */
    const char *analyse;
    mpb_strlist_t run; /* options handed to mpbench run */
} sweep_args_t;

static int usage(const char *msg, const char *arg) {
    fprintf(stderr, "mpbench sweep: %s%s%s\n(see mpbench sweep --help)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return 2;
}

/* Options mpbench run understands are passed on as they came. */
static void pass_on(sweep_args_t *a, const char *opt, const char *val) {
    mpb_strlist_add(&a->run, opt);
    if (val)
        mpb_strlist_add(&a->run, val);
}

static int parse_opt(int c, mpb_sweep_t *s, sweep_args_t *a) {
    switch (c) {
    case 'T':
        return mpb_sweep_add_tunable(s, optarg) == 0 ? 0 : 2;
    case 'a':
        a->alloc = optarg;
        break;
    case 'w':
        a->workload = 1;
        pass_on(a, "--workload", optarg);
        break;
    case 't':
        pass_on(a, "--threads", optarg);
        break;
    case 'r':
        pass_on(a, "--repeat", optarg);
        break;
    case 's':
        pass_on(a, "--scale", optarg);
        break;
    case 'q':
        pass_on(a, "--quick", NULL);
        break;
    case 'o':
        mpb_copy(s->dir, sizeof s->dir, optarg);
        break;
    case 'j':
        s->jobs = atoi(optarg);
        if (s->jobs < 1)
            return usage("bad --jobs", optarg);
        break;
    case OPT_TIMEOUT:
        pass_on(a, "--timeout", optarg);
        break;
    case OPT_WARMUP:
        pass_on(a, "--warmup", optarg);
        break;
    case OPT_SEED:
        pass_on(a, "--seed", optarg);
        break;
    case OPT_NOPIN:
        pass_on(a, "--no-pin", NULL);
        break;
    case OPT_LIST:
        a->list = 1;
        break;
    case OPT_MD:
        a->md = 1;
        break;
    case OPT_ANALYSE:
        a->analyse = optarg;
        break;
    case 'h':
        a->help = 1;
        break;
    default:
        return 2;
    }
    return 0;
}

static int parse_args(int argc, char **argv, mpb_sweep_t *s, sweep_args_t *a) {
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "T:a:w:t:r:s:qo:j:h", sweep_opts, NULL)) != -1)
        if ((rc = parse_opt(c, s, a)) != 0)
            return rc;
    if (optind < argc)
        return usage("unexpected argument", argv[optind]);
    if (a->help || a->list || a->analyse)
        return 0;
    if (s->ntun == 0)
        return usage("give at least one --tunable MPA_X=v1,v2,...", NULL);
    if (!a->workload)
        return usage("--workload LIST is required", NULL);
    if (!s->dir[0])
        return usage("--out DIR is required", NULL);
    return 0;
}

/* The runner's files plus the sweep's own plots and report section. */
static int analyse(const char *dir) {
    static const char *const names[] = {"summary", "plot", "report"};
    int (*const cmds[])(int, char **) = {mpb_cmd_summary, mpb_cmd_plot, mpb_cmd_report};
    for (int i = 0; i < 3; i++) {
        char *args[] = {(char *)names[i], (char *)dir, NULL};
        fflush(stdout);
        mpb_nested++;
        int rc = cmds[i](2, args);
        mpb_nested--;
        if (rc != 0)
            fprintf(stderr, "mpbench sweep: warning: `mpbench %s %s` failed\n", names[i], dir);
    }
    mpb_sweepdata_t d;
    if (mpb_sweepdata_load(dir, &d) != 0)
        return 1;
    int rc = mpb_sweep_plot(&d) | mpb_sweep_report(&d);
    mpb_sweepdata_free(&d);
    return rc ? 1 : 0;
}

/* A fresh sweep must not land on a finished run. */
static int check_fresh(const mpb_sweep_t *s) {
    char p[PATH_MAX];
    if (mpb_is_file(mpb_path(p, sizeof p, s->dir, "results.csv")) ||
        mpb_is_file(mpb_path(p, sizeof p, s->dir, "matrix.txt")))
        return usage("the --out folder already holds a run", s->dir);
    return 0;
}

/* mpbench run over the default build and every variant that built. */
static int run_matrix(const mpb_sweep_t *s, const sweep_args_t *a) {
    char allocs[MPB_SWEEP_MAXPTS * 140 + 4096] = MPB_SWEEP_REF;
    size_t off = strlen(allocs);
    if (a->alloc)
        off += (size_t)mpb_fmt(allocs + off, sizeof allocs - off, ",%s", a->alloc);
    for (size_t i = 0; i < s->npts; i++)
        if (strcmp(s->pts[i].status, "build-failed") != 0 && strcmp(s->pts[i].status, "default"))
            off +=
                (size_t)mpb_fmt(allocs + off, sizeof allocs - off, ",mpalloc-%s", s->pts[i].name);
    mpb_strlist_t args = {0};
    mpb_strlist_add(&args, "run");
    mpb_strlist_add(&args, "--alloc");
    mpb_strlist_add(&args, allocs);
    for (size_t i = 0; i < a->run.n; i++)
        mpb_strlist_add(&args, a->run.v[i]);
    mpb_strlist_add(&args, "--no-report");
    mpb_strlist_add(&args, "--out");
    mpb_strlist_add(&args, s->dir);
    mpb_strlist_add(&args, "");
    free(args.v[--args.n]);
    args.v[args.n] = NULL; /* argv ends with NULL */
    fflush(stdout);
    mpb_nested++;
    int rc = mpb_cmd_run((int)args.n, args.v);
    mpb_nested--;
    mpb_strlist_free(&args);
    return rc;
}

static int sweep_locked(mpb_sweep_t *s, const sweep_args_t *a);

/* Builds, runs, records and analyses a sweep (its folder locked throughout). */
static int sweep(mpb_sweep_t *s, const sweep_args_t *a) {
    if (check_fresh(s) != 0 || mpb_sweep_grid(s) != 0)
        return 2;
    if (mpb_make_dirs(s->dir) != 0) {
        fprintf(stderr, "mpbench sweep: cannot create %s: %s\n", s->dir, strerror(errno));
        return 4;
    }
    int rc = mpb_lock_take(s->dir, "mpbench sweep");
    if (rc != 0)
        return rc < 0 ? 4 : rc;
    rc = sweep_locked(s, a);
    mpb_lock_release(s->dir);
    return rc;
}

/* The sweep proper, with s->dir locked. */
static int sweep_locked(mpb_sweep_t *s, const sweep_args_t *a) {
    mpb_src_dir(s->src, sizeof s->src);
    mpb_fmt(s->build, sizeof s->build, "%s/..", mpb_self_dir());
    char real[PATH_MAX];
    if (realpath(s->build, real))
        mpb_copy(s->build, sizeof s->build, real);
    size_t ok = mpb_sweep_build_all(s);
    printf("sweep: %zu of %zu variants built\n", ok, s->npts);
    if (mpb_sweep_write_csv(s) != 0)
        return 4;
    if (ok == 0) {
        fprintf(stderr, "mpbench sweep: no variant built; nothing to run\n");
        return 1;
    }
    int rc = run_matrix(s, a);
    if (rc != 0)
        return rc;
    if (mpb_sweep_fail_rows(s) != 0 || mpb_sweep_meta(s) != 0)
        fprintf(stderr, "mpbench sweep: warning: could not record the build failures\n");
    rc = analyse(s->dir);
    if (rc == 0)
        printf("%s/report.md\n", s->dir);
    return rc;
}

int mpb_cmd_sweep(int argc, char **argv) {
    mpb_sweep_t s;
    sweep_args_t a;
    memset(&s, 0, sizeof s);
    memset(&a, 0, sizeof a);
    s.jobs = 2;
    int rc = mpb_tunables_load(&s.tun) != 0 ? 1 : parse_args(argc, argv, &s, &a);
    if (rc == 0 && a.help)
        fputs(sweep_help, stdout);
    else if (rc == 0 && a.list)
        mpb_tunables_print(&s.tun, stdout, a.md);
    else if (rc == 0 && a.analyse)
        rc = analyse(a.analyse);
    else if (rc == 0)
        rc = sweep(&s, &a);
    for (size_t k = 0; k < MPB_SWEEP_MAXTUN; k++)
        mpb_strlist_free(&s.values[k]);
    mpb_strlist_free(&a.run);
    mpb_tunables_free(&s.tun);
    free(s.pts);
    return rc;
}
