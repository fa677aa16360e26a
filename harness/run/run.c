/* `mpbench run`: options and --help, then setup, the matrix, and the
 * analysis commands (summary, plot, report) on the finished folder. The
 * matrix defaults are every allocator this machine has, every wl-* built
 * beside mpbench, 1..cores threads in powers of two, 5 repetitions. */
#include "cli/commands.h"
#include "common/lock.h"
#include "measure/pin.h"
#include "run/run.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mpb_nested;

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

enum {
    OPT_RESUME = 256,
    OPT_TIMEOUT,
    OPT_PIN,
    OPT_NOPIN,
    OPT_SHARD,
    OPT_MEASURE,
    OPT_SEED,
    OPT_NOREPORT,
    OPT_WARMUP,
    OPT_SAMPLE,
    OPT_CMDNAME,
    OPT_PREPARE,
    OPT_OPSFROM,
    OPT_EXPJSON,
    OPT_EXPMD
};

static const struct option run_opts[] = {{"alloc", required_argument, 0, 'a'},
                                         {"workload", required_argument, 0, 'w'},
                                         {"threads", required_argument, 0, 't'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"out", required_argument, 0, 'o'},
                                         {"quick", no_argument, 0, 'q'},
                                         {"scale", required_argument, 0, 's'},
                                         {"resume", no_argument, 0, OPT_RESUME},
                                         {"timeout", required_argument, 0, OPT_TIMEOUT},
                                         {"pin", no_argument, 0, OPT_PIN},
                                         {"no-pin", no_argument, 0, OPT_NOPIN},
                                         {"shard", required_argument, 0, OPT_SHARD},
                                         {"measure", required_argument, 0, OPT_MEASURE},
                                         {"seed", required_argument, 0, OPT_SEED},
                                         {"no-report", no_argument, 0, OPT_NOREPORT},
                                         {"warmup", required_argument, 0, OPT_WARMUP},
                                         {"sample-ms", required_argument, 0, OPT_SAMPLE},
                                         {"command", required_argument, 0, 'c'},
                                         {"command-name", required_argument, 0, OPT_CMDNAME},
                                         {"prepare", required_argument, 0, OPT_PREPARE},
                                         {"ops-from", required_argument, 0, OPT_OPSFROM},
                                         {"export-json", required_argument, 0, OPT_EXPJSON},
                                         {"export-markdown", required_argument, 0, OPT_EXPMD},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};

/* What the command line said, before defaults are applied. */
typedef struct run_args {
    const char *alloc, *workload, *threads, *shard, *measure, *out;
    int repeat, quick, pin; /* repeat 0 / pin -1: not given */
    double scale, timeout;  /* < 0: not given */
    double warmup;          /* < 0: not given */
    double sample_ms;       /* < 0: not given */
    long seed;              /* < 0: not given */
    int matrix_given;       /* any option that shapes the matrix */
    mpb_run_cmdargs_t cmd;  /* --command, --command-name, --prepare, --ops-from */
} run_args_t;

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "mpbench run: %s%s%s\n(see mpbench run --help)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return MPB_EXIT_USAGE;
}

/* A finite number in [lo, hi] from option opt, or a usage error. */
static int real_opt(const char *opt, double lo, double hi, double *v) {
    char what[96];
    if (mpb_parse_double(optarg, lo, hi, v) == 0)
        return 0;
    mpb_fmt(what, sizeof what, "bad %s (want a number, %g..%g)", opt, lo, hi);
    return usage_error(what, optarg);
}

/* An integer in [lo, hi] from option opt, or a usage error. */
static int int_opt(const char *opt, long lo, long hi, long *v) {
    char what[96];
    if (mpb_parse_long(optarg, lo, hi, v) == 0)
        return 0;
    mpb_fmt(what, sizeof what, "bad %s (want a whole number, %ld..%ld)", opt, lo, hi);
    return usage_error(what, optarg);
}

/* One option into a; returns 0, 1 for --help, or an exit status. */
static int parse_opt(int c, run_args_t *a, mpb_run_t *r) {
    long v = 0;
    int rc = 0;
    switch (c) {
    case 'a':
        a->alloc = optarg;
        break;
    case 'w':
        a->workload = optarg;
        break;
    case 't':
        a->threads = optarg;
        break;
    case 'r':
        rc = int_opt("--repeat", 1, 100000, &v);
        a->repeat = (int)v;
        break;
    case 'o':
        a->out = optarg;
        return 0;
    case 'q':
        a->quick = 1;
        break;
    case 's':
        rc = real_opt("--scale", 1e-6, 1e6, &a->scale);
        break;
    case OPT_RESUME:
        r->resume = 1;
        return 0;
    case OPT_TIMEOUT:
        rc = real_opt("--timeout", 0.001, 1e7, &a->timeout);
        break;
    case OPT_PIN:
        a->pin = 1;
        break;
    case OPT_NOPIN:
        a->pin = 0;
        break;
    case OPT_SHARD:
        a->shard = optarg;
        break;
    case OPT_MEASURE:
        a->measure = optarg;
        break;
    case OPT_SEED:
        rc = int_opt("--seed", 0, 4294967295L, &a->seed);
        break;
    case OPT_NOREPORT:
        r->report = 0;
        return 0;
    case OPT_EXPJSON:
        r->export_json = optarg;
        return 0;
    case OPT_EXPMD:
        r->export_md = optarg;
        return 0;
    case OPT_WARMUP:
        rc = real_opt("--warmup", 0, 1000, &a->warmup);
        break;
    case OPT_SAMPLE:
        rc = real_opt("--sample-ms", 0, 1e7, &a->sample_ms);
        break;
    case 'c':
        mpb_strlist_add(&a->cmd.commands, optarg);
        break;
    case OPT_CMDNAME:
        mpb_strlist_add(&a->cmd.names, optarg);
        break;
    case OPT_PREPARE:
        mpb_strlist_add(&a->cmd.prepare, optarg);
        break;
    case OPT_OPSFROM:
        mpb_strlist_add(&a->cmd.ops_from, optarg);
        break;
    case 'h':
        return 1;
    default:
        return MPB_EXIT_USAGE;
    }
    a->matrix_given = 1;
    return rc;
}

/* Default thread counts: 1, 2, 4, ... up to the cores, and the core count. */
static void default_threads(mpb_matrix_t *m) {
    int cores = mpb_pin_cores();
    m->nthreads = 0;
    for (int t = 1; (t <= cores || t <= 2) && m->nthreads < MPB_MAX_THREADS - 1; t *= 2)
        m->threads[m->nthreads++] = t;
    if (cores > 2 && m->threads[m->nthreads - 1] != cores)
        m->threads[m->nthreads++] = cores;
}

/* The matrix from the options and the defaults (not for --resume). */
static int build_matrix(const run_args_t *a, mpb_run_t *r) {
    mpb_matrix_t *m = &r->m;
    r->alloc_explicit = a->alloc != NULL;
    if (a->alloc)
        mpb_strlist_split(&m->allocs, a->alloc);
    else
        for (int i = 0; mpb_alloc_defaults[i]; i++)
            mpb_strlist_add(&m->allocs, mpb_alloc_defaults[i]);
    if (a->workload)
        mpb_strlist_split(&m->workloads, a->workload);
    if (a->threads ? mpb_matrix_parse_threads(m, a->threads) != 0 : (default_threads(m), 0))
        return usage_error("bad --threads list", a->threads);
    m->repeat = a->repeat ? a->repeat : a->quick ? 3 : 5;
    m->scale = a->scale > 0 ? a->scale : a->quick ? 0.1 : 1.0;
    m->pin = a->pin != 0;
    m->warmup = a->warmup >= 0 ? a->warmup : a->quick ? 0.25 : 1.0;
    m->seed = a->seed >= 0 ? (unsigned)a->seed : 42u;
    m->sample_ms = a->sample_ms >= 0 ? a->sample_ms : MPB_SAMPLE_MS_DEFAULT;
    m->shard_i = m->shard_n = 1;
    if (a->shard && mpb_matrix_parse_shard(m, a->shard) != 0)
        return usage_error("bad --shard (want I/N with 1 <= I <= N)", a->shard);
    if (a->measure && strcmp(a->measure, "time") && strcmp(a->measure, "instructions"))
        return usage_error("bad --measure (time or instructions)", a->measure);
    m->measure = a->measure && !strcmp(a->measure, "instructions");
    m->timeout_s = a->timeout > 0 ? a->timeout : m->measure ? 1200 : 60;
    return mpb_run_command_matrix(m, &a->cmd);
}

/* Parses argv into r; returns MPB_EXIT_OK, -1 after --help, or an error. */
static int parse_args(int argc, char **argv, mpb_run_t *r) {
    run_args_t a = {
        .pin = -1, .scale = -1, .timeout = -1, .seed = -1, .warmup = -1, .sample_ms = -1};
    int c, rc = MPB_EXIT_OK;
    optind = 1;
    while (rc == MPB_EXIT_OK &&
           (c = getopt_long(argc, argv, "a:w:c:t:r:o:qs:h", run_opts, NULL)) != -1)
        if ((rc = parse_opt(c, &a, r)) != 0)
            rc = rc == 1 ? -1 : rc;
    if (rc == MPB_EXIT_OK && !a.out && optind < argc)
        a.out = argv[optind++];
    if (rc == MPB_EXIT_OK && optind < argc)
        rc = usage_error("unexpected argument", argv[optind]);
    if (rc == MPB_EXIT_OK && !a.out)
        rc = usage_error("--out DIR is required", NULL);
    if (rc == MPB_EXIT_OK)
        mpb_copy(r->dir, sizeof r->dir, a.out);
    if (rc == MPB_EXIT_OK && r->resume && a.matrix_given)
        fprintf(stderr,
                "mpbench run: --resume: matrix options ignored; the matrix "
                "comes from %s/matrix.txt\n",
                r->dir);
    if (rc == MPB_EXIT_OK && !r->resume)
        rc = build_matrix(&a, r);
    mpb_strlist_free(&a.cmd.commands), mpb_strlist_free(&a.cmd.names);
    mpb_strlist_free(&a.cmd.prepare), mpb_strlist_free(&a.cmd.ops_from);
    return rc;
}

/* The command line, for meta.json. */
static void join_cmdline(int argc, char **argv, char *buf, size_t len) {
    size_t off = (size_t)mpb_fmt(buf, len, "mpbench");
    for (int i = 0; i < argc && off < len; i++)
        off += (size_t)mpb_fmt(buf + off, len - off, " %s", argv[i]);
}

/* summary, plot and report on the folder; their failures are warnings.
 * Returns 1 when the report was written. */
static int analyse(const char *dir) {
    int rc = 0;
    static const char *const names[] = {"summary", "plot", "report"};
    int (*const cmds[])(int, char **) = {mpb_cmd_summary, mpb_cmd_plot, mpb_cmd_report};
    for (int i = 0; i < 3; i++) {
        char *args[] = {(char *)names[i], (char *)dir, NULL};
        fflush(stdout);
        mpb_nested++;
        rc = cmds[i](2, args);
        mpb_nested--;
        if (rc != 0)
            fprintf(stderr, "mpbench run: warning: `mpbench %s %s` failed (exit %d)\n", names[i],
                    dir, rc);
    }
    return rc == 0;
}

int mpb_cmd_run(int argc, char **argv) {
    mpb_run_t r;
    memset(&r, 0, sizeof r);
    r.report = 1;
    r.csv_fd = -1;
    int rc = parse_args(argc, argv, &r);
    if (rc == -1) {
        fputs(run_help, stdout);
        return MPB_EXIT_OK;
    }
    join_cmdline(argc, argv, r.cmdline, sizeof r.cmdline);
    if (rc == MPB_EXIT_OK)
        rc = mpb_run_setup(&r);
    if (rc == MPB_EXIT_OK)
        rc = mpb_run_loop(&r);
    int reported = rc == MPB_EXIT_OK && (!r.report || analyse(r.dir));
    if (rc == MPB_EXIT_OK &&
        mpb_digest_after_run(r.dir, !mpb_nested, r.export_json, r.export_md) != 0)
        rc = MPB_EXIT_WRITE;
    if (reported && !mpb_nested)
        printf("%s/report.md\n", r.dir);
    mpb_matrix_free(&r.m);
    mpb_timeline_free(&mpb_run_timeline);
    mpb_prov_cleanup(&r.prov);
    if (r.locked)
        mpb_lock_release(r.dir);
    for (size_t i = 0; r.preload && i < r.nalloc; i++)
        free(r.preload[i]);
    mpb_run_command_free(&r);
    free(r.preload), free(r.allocs), free(r.wls), free(r.done);
    json_decref(r.prev_meta);
    for (size_t i = 0; r.builds && i < r.nalloc; i++)
        mpb_build_free(&r.builds[i]);
    free(r.builds);
    return rc;
}
