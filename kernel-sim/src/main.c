/* ks-bench: the kernel-path microbenchmark's command line. One child process
 * per (repetition, allocator) boots a fresh simulated kernel, selects the
 * allocator, starts the CPUs and runs every (cpus, test, size) cell, one
 * results.csv row each (the format of mpbench's runner); repetitions are interleaved across allocators, and a crashed
 * child leaves a row with its status instead of losing the run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/csvio.h"  /* the harness's one CSV writer (RFC 4180 quoting) */
#include "common/schema.h" /* results.csv's columns, shared with mpbench */
#include "ks_bench.h"
#include "ks_cpu.h"
#include "ks_kernel.h"
#include "ks_sys.h"

#define KS_M_MAX 256

typedef struct ks_cell {
    const char *test;
    size_t size;
} ks_cell_t;

typedef struct ks_opts {
    const char *alloc[8];
    int nalloc;
    ks_cell_t cell[KS_M_MAX];
    int ncell;
    int cpus[KS_MAX_CPUS];
    int ncpus;
    int reps;
    size_t nobj;
    int oversub;
    const char *out;
} ks_opts_t;

/* The rows are mpbench's results.csv (DESIGN: "kernel-sim runs use the same
 * format"): the columns are harness/common/schema.h's mpb_schema_kernel, the
 * contract's first (the workload being the test, threads the simulated
 * CPUs; the columns a user-space run fills from rusage stay empty), then
 * the kernel-path measurements. */

static void ks_usage(FILE *f) {
    fputs("usage: ks-bench [--alloc LIST] [--test LIST] [--size LIST] [--cpus LIST]\n"
          "                [--reps R] [--nobj N] [--out CSV] [--matrix quick|full]\n"
          "                [--oversubscribe]\n"
          "  allocators: mpalloc,buddy-slab,magazine,first-fit (default: all)\n"
          "  tests: pair,nthen,bulk,allcpu,remote,one2n,churn (default: all)\n"
          "  sizes: bytes, 8..16384 (default: all powers of two; churn mixes sizes)\n"
          "  cpus: simulated CPU counts (default 1..cores; more needs --oversubscribe)\n"
          "  --matrix quick: 3 reps, every size for pair/nthen, 5 sizes for the rest;\n"
          "  --matrix full: 7 reps, every size for every test.\n"
          "  Rows (CSV, header first when the file is new) go to --out or stdout.\n",
          f);
}

static int ks_split(char *s, const char **v, int max) {
    int n = 0;
    for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ","))
        v[n++] = tok;
    return n;
}

/* Cells for tests x sizes; sizes_small (may be NULL) for all but pair/nthen. */
static void ks_cells(ks_opts_t *o, const char **tests, int nt, const size_t *sizes, int ns,
                     const size_t *small, int nsmall) {
    static const size_t mixed[] = {0}; /* churn mixes sizes itself */
    for (int t = 0; t < nt; t++) {
        bool full = !small || !strcmp(tests[t], "pair") || !strcmp(tests[t], "nthen");
        const size_t *sz = full ? sizes : small;
        int n = full ? ns : nsmall;
        if (!strcmp(tests[t], "churn"))
            n = 1, sz = mixed;
        for (int i = 0; i < n && o->ncell < KS_M_MAX; i++)
            o->cell[o->ncell++] = (ks_cell_t){tests[t], sz[i]};
    }
}

/* One results.csv row; size is empty for churn (it mixes sizes itself). */
static void ks_write_row(FILE *f, const char *alloc, const ks_cell_t *c, int cpus, int rep,
                         const ks_bench_row_t *r, int oversub) {
    char num[KS_NCOLS][32] = {{0}};
    const char *v[KS_NCOLS] = {[MPB_COL_ALLOCATOR] = alloc,
                               [MPB_COL_VARIANT] = "kernel",
                               [MPB_COL_WORKLOAD] = c->test,
                               [MPB_COL_STATUS] = r->status,
                               [KS_COL_MEASURE] = "kernel-sim"};
    snprintf(num[MPB_COL_THREADS], 32, "%d", cpus);
    snprintf(num[MPB_COL_REP], 32, "%d", rep + 1);
    if (c->size)
        snprintf(num[KS_COL_SIZE], 32, "%zu", c->size);
    if (r->bytes_live)
        snprintf(num[KS_COL_HELD_PER_LIVE], 32, "%.4f",
                 (double)r->pages_held * 4096.0 / (double)r->bytes_live);
    snprintf(num[KS_COL_CYCLES_PER_OP], 32, "%.2f", r->cycles_per_op);
    snprintf(num[KS_COL_NS_PER_OP], 32, "%.2f", r->ns_per_op);
    snprintf(num[KS_COL_EMPTY_LOOP_CYCLES], 32, "%.2f", r->empty_cycles);
    snprintf(num[KS_COL_PAGES_HELD], 32, "%llu", (unsigned long long)r->pages_held);
    snprintf(num[KS_COL_BYTES_LIVE], 32, "%llu", (unsigned long long)r->bytes_live);
    snprintf(num[KS_COL_FRAMES_MAPPED], 32, "%llu", (unsigned long long)r->frames_mapped);
    snprintf(num[KS_COL_TSC_GHZ], 32, "%.3f", ks_tsc_hz() / 1e9);
    snprintf(num[KS_COL_CORES], 32, "%d", ks_cpu_cores());
    snprintf(num[KS_COL_OVERSUBSCRIBED], 32, "%d", oversub);
    for (int i = 0; i < KS_NCOLS; i++)
        if (!v[i])
            v[i] = num[i]; /* the rusage columns stay "" */
    mpb_csv_line(f, v, KS_NCOLS);
    fflush(f);
}

/* The row of a child that crashed or failed: status only, at its widest CPU count. */
static void ks_write_failed(FILE *f, const char *alloc, int cpus, int rep, const char *status) {
    char num[3][16];
    const char *v[KS_NCOLS] = {[MPB_COL_ALLOCATOR] = alloc,    [MPB_COL_VARIANT] = "kernel",
                               [MPB_COL_WORKLOAD] = "all",     [MPB_COL_THREADS] = num[0],
                               [MPB_COL_REP] = num[1],         [MPB_COL_STATUS] = status,
                               [KS_COL_CORES] = num[2],        [KS_COL_OVERSUBSCRIBED] = "0",
                               [KS_COL_MEASURE] = "kernel-sim"};
    snprintf(num[0], sizeof num[0], "%d", cpus);
    snprintf(num[1], sizeof num[1], "%d", rep + 1);
    snprintf(num[2], sizeof num[2], "%d", ks_cpu_cores());
    mpb_csv_line(f, v, KS_NCOLS);
    fflush(f);
}

/* The child: one allocator, one repetition, every cell. */
static int ks_child(const ks_opts_t *o, const char *alloc, int rep) {
    FILE *f = o->out ? fopen(o->out, "a") : stdout;
    int maxc = 1;
    for (int i = 0; i < o->ncpus; i++)
        maxc = o->cpus[i] > maxc ? o->cpus[i] : maxc;
    if (!f || kernel_alloc_init(alloc) != 0 || ks_cpus_start(maxc, o->oversub) != 0) {
        fprintf(stderr, "ks-bench: cannot start %s on %d CPUs\n", alloc, maxc);
        return 1;
    }
    kernel_track_live(0);
    ks_tsc_hz();
    for (int i = 0; i < o->ncell; i++) { /* warm-up: fault the arena in, not recorded */
        ks_bench_row_t r;
        ks_bench_run(
            &(ks_bench_spec_t){"nthen", o->cell[i].size ? o->cell[i].size : 64, maxc, o->nobj}, &r);
    }
    for (int ci = 0; ci < o->ncpus; ci++)
        for (int i = 0; i < o->ncell; i++) {
            ks_bench_row_t r;
            ks_bench_spec_t s = {o->cell[i].test, o->cell[i].size, o->cpus[ci], o->nobj};
            if (ks_bench_needs_two(s.test) && s.cpus < 2)
                continue;
            if (ks_bench_run(&s, &r) == 0)
                ks_write_row(f, alloc, &o->cell[i], s.cpus, rep, &r, o->cpus[ci] > ks_cpu_cores());
        }
    fflush(f);
    _exit(0); /* CPUs stay up: the kernel build of mpalloc keeps per-CPU state */
}

static int ks_run_all(const ks_opts_t *o) {
    FILE *f = o->out ? fopen(o->out, "a") : stdout;
    if (!f) {
        fprintf(stderr, "ks-bench: %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    if (ftell(f) == 0)
        fprintf(f, "%s\n", mpb_schema_header(&mpb_schema_kernel));
    fflush(f);
    int bad = 0;
    for (int rep = 0; rep < o->reps; rep++)
        for (int a = 0; a < o->nalloc; a++) {
            pid_t pid = fork();
            if (pid == 0)
                exit(ks_child(o, o->alloc[a], rep));
            int st = 0;
            waitpid(pid, &st, 0);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                bad = 1;
                ks_write_failed(f, o->alloc[a], o->cpus[o->ncpus - 1], rep,
                                WIFSIGNALED(st) ? "crash" : "error");
            }
        }
    if (f != stdout)
        fclose(f);
    return bad;
}

static const size_t ks_all_sizes[] = {8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};
static const size_t ks_small_sizes[] = {8, 64, 512, 4096, 16384};

static int ks_parse(int argc, char **argv, ks_opts_t *o, const char **tests, int *nt, size_t *sizes,
                    int *ns, const char **matrix) {
    static const struct option lo[] = {
        {"alloc", 1, 0, 'a'}, {"test", 1, 0, 't'},   {"size", 1, 0, 's'},
        {"cpus", 1, 0, 'c'},  {"reps", 1, 0, 'r'},   {"nobj", 1, 0, 'n'},
        {"out", 1, 0, 'o'},   {"matrix", 1, 0, 'm'}, {"oversubscribe", 0, 0, 'O'},
        {"help", 0, 0, 'h'},  {0, 0, 0, 0}};
    const char *v[KS_MAX_CPUS];
    int opt, k;
    while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (opt) {
        case 'a':
            o->nalloc = ks_split(optarg, o->alloc, 8);
            break;
        case 't':
            *nt = ks_split(optarg, tests, 16);
            break;
        case 's':
            k = ks_split(optarg, v, 32);
            for (*ns = 0; *ns < k; (*ns)++)
                sizes[*ns] = strtoull(v[*ns], NULL, 0);
            break;
        case 'c':
            k = ks_split(optarg, v, KS_MAX_CPUS);
            for (o->ncpus = 0; o->ncpus < k; o->ncpus++)
                o->cpus[o->ncpus] = atoi(v[o->ncpus]);
            break;
        case 'r':
            o->reps = atoi(optarg);
            break;
        case 'n':
            o->nobj = strtoull(optarg, NULL, 0);
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'm':
            *matrix = optarg;
            break;
        case 'O':
            o->oversub = 1;
            break;
        case 'h':
            ks_usage(stdout);
            exit(0);
        default:
            ks_usage(stderr);
            return -1;
        }
    }
    return 0;
}

/* Checks names and counts before any child starts. */
static int ks_validate(const ks_opts_t *o) {
    for (int a = 0; a < o->nalloc; a++) {
        int ok = 0;
        for (int i = 0; ks_alloc_names[i]; i++)
            ok |= !strcmp(o->alloc[a], ks_alloc_names[i]);
        if (!ok)
            return fprintf(stderr, "ks-bench: unknown allocator '%s'\n", o->alloc[a]), -1;
    }
    for (int i = 0; i < o->ncell; i++) {
        int ok = 0;
        for (int t = 0; ks_bench_tests[t]; t++)
            ok |= !strcmp(o->cell[i].test, ks_bench_tests[t]);
        if (!ok)
            return fprintf(stderr, "ks-bench: unknown test '%s'\n", o->cell[i].test), -1;
        if (o->cell[i].size > 16384 || (o->cell[i].size == 0 && strcmp(o->cell[i].test, "churn")))
            return fprintf(stderr, "ks-bench: size must be 1..16384\n"), -1;
    }
    for (int i = 0; i < o->ncpus; i++)
        if (o->cpus[i] < 1 || o->cpus[i] > KS_MAX_CPUS ||
            (o->cpus[i] > ks_cpu_cores() && !o->oversub))
            return fprintf(stderr,
                           "ks-bench: %d CPUs: this machine has %d cores "
                           "(--oversubscribe allows more)\n",
                           o->cpus[i], ks_cpu_cores()),
                   -1;
    return o->reps >= 1 ? 0 : (fprintf(stderr, "ks-bench: --reps must be >= 1\n"), -1);
}

int main(int argc, char **argv) {
    static ks_opts_t o = {.reps = 0};
    const char *tests[16], *matrix = NULL;
    size_t sizes[32];
    int nt = 0, ns = 0;
    if (ks_parse(argc, argv, &o, tests, &nt, sizes, &ns, &matrix) != 0)
        return 2;
    bool full = matrix && !strcmp(matrix, "full");
    if (matrix && !full && strcmp(matrix, "quick"))
        return fprintf(stderr, "ks-bench: --matrix quick|full\n"), 2;
    for (; o.nalloc < 4 && o.nalloc == 0;)
        for (int i = 0; ks_alloc_names[i]; i++)
            o.alloc[o.nalloc++] = ks_alloc_names[i];
    for (int i = 0; nt == 0 && ks_bench_tests[i]; i++)
        tests[i] = ks_bench_tests[i], nt = ks_bench_tests[i + 1] ? 0 : i + 1;
    if (ns == 0)
        ks_cells(&o, tests, nt, ks_all_sizes, 12, full || !matrix ? NULL : ks_small_sizes, 5);
    else
        ks_cells(&o, tests, nt, sizes, ns, NULL, 0);
    for (; o.ncpus == 0;)
        for (int i = 1; i <= ks_cpu_cores(); i++)
            o.cpus[o.ncpus++] = i;
    if (o.reps == 0)
        o.reps = full ? 7 : 3;
    if (ks_validate(&o) != 0)
        return 2;
    return ks_run_all(&o);
}
