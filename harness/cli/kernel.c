/* `mpbench kernel`: the kernel-sim matrix as a results folder like any other.
 * Runs build/bin/ks-bench as a child (the harness never includes kernel-sim
 * internals), which appends results.csv rows in the runner's format
 * (workload = test, threads = simulated CPUs, a size column, cycles per
 * operation and memory held as extra columns); writes meta.json with the
 * machine, the matrix and notes on reading the numbers; then the same
 * summary, plots and report as `mpbench run` (export/analyse.h; cells.c's
 * key covers the size, the baseline is buddy-slab), so `mpbench compare`
 * reads two kernel folders like two user-space ones. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "catalog/build.h"
#include "cli/commands.h"
#include "common/elfinfo.h"
#include "common/json.h"
#include "common/lock.h"
#include "run/meta.h"
#include "common/outfmt.h"
#include "common/util.h"
#include "export/analyse.h"

static const char kb_help[] =
    "usage: mpbench kernel [--quick] [--out DIR] [--alloc LIST] [--cpus LIST]\n"
    "                      [--test LIST] [--size LIST] [--reps R] [--oversubscribe]\n"
    "Runs the kernel-path microbenchmark (build/bin/ks-bench) for the allocators\n"
    "of the simulated kernel (mpalloc, buddy-slab, magazine, first-fit): alloc+free\n"
    "pairs, N allocs then N frees, bulk, all CPUs at once, remote free, 1 allocates\n"
    "N free, mixed-size churn; sizes 8 B..16 KiB; CPU counts 1..cores.\n"
    "DIR (default results/kernel-<time>) is a results folder like `mpbench run`'s:\n"
    "results.csv (one row per measurement: workload = test, threads = simulated\n"
    "CPUs, size, cycles_per_op, ns_per_op, pages_held, bytes_live, held_per_live),\n"
    "meta.json, summary.csv, plots/*.png and report.md; ratios are to buddy-slab.\n"
    "`mpbench compare A B` compares two such folders (cycles_per_op by default).\n"
    "--quick: 3 reps, fewer sizes for the multi-CPU tests; --test and --size\n"
    "narrow the matrix. --oversubscribe allows more simulated CPUs than cores.\n"
    "Exit: 0 done, 1 ks-bench failed or a run crashed (rows kept), 2 bad usage,\n"
    "4 DIR could not be written.\n";

/* What meta.json's "notes" tell the report's reader first. */
static const char *const kb_notes[] = {
    "Kernel-path microbenchmark (kernel-sim). Allocators inside the simulated kernel: "
    "mpalloc (the same core as libmpalloc, through the kernel PAL), buddy-slab (buddy "
    "pages + per-CPU slabs, CAS-stack remote free; the baseline of every ratio), magazine "
    "(Bonwick magazines and depot over slabs), first-fit (one lock, sorted free list, "
    "size classes in front). A workload is a test at an object size (`pair/64B`: "
    "alloc+free pairs of 64-byte objects); threads are simulated CPUs, one thread "
    "pinned per CPU.",
    "How to read: every figure is the median over repetitions of TSC cycles per "
    "operation, the timed empty loop of the same shape already subtracted (as "
    "time_bench does). TSC cycles tick at the nominal rate (`tsc_ghz` in results.csv). "
    "An operation is an alloc+free pair, except in the remote and 1-allocates-N-free "
    "tests, where it is one free. held_per_live is resident arena bytes per live byte "
    "(after mixed-size churn: `churn`).",
    "What the model does not capture: there are no real interrupts, so irq-off "
    "sections cost a counter increment here (about 7 cycles on hardware); the "
    "baselines' page descriptors live outside the arena and are not counted, "
    "mpalloc's pagemap and metadata are; touching memory again after an unmap costs "
    "a real page fault of the host, so cells of thousands of cycles are dominated by "
    "it. Linux SLUB reference (published): 42-47 cycles per kmalloc/kfree pair on "
    "its per-CPU fast path, 17-18 cycles per object in bulk.",
};

/* The command line, parsed. */
typedef struct kb_opts {
    const char *dir;
    int quick, oversub;
    char *pass[16]; /* options handed to ks-bench */
    int npass;
} kb_opts_t;

/* Parses the command line with getopt_long. Returns 0, 1 after --help, or
 * 2 on bad usage. */
static int kb_parse(int argc, char **argv, kb_opts_t *o) {
    static const struct option opts[] = {
        {"quick", no_argument, NULL, 'q'},      {"oversubscribe", no_argument, NULL, 'O'},
        {"out", required_argument, NULL, 'o'},  {"alloc", required_argument, NULL, 'a'},
        {"cpus", required_argument, NULL, 'c'}, {"reps", required_argument, NULL, 'r'},
        {"test", required_argument, NULL, 't'}, {"size", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        if (c == 'q') {
            o->quick = 1;
        } else if (c == 'O') {
            o->oversub = 1;
            o->pass[o->npass++] = "--oversubscribe";
        } else if (c == 'o') {
            o->dir = optarg;
        } else if (c == 'h') {
            fputs(kb_help, stdout);
            return 1;
        } else if (c == ':' || c == '?') {
            fprintf(stderr, "mpbench kernel: %s '%s' (see mpbench kernel --help)\n",
                    c == ':' ? "option needs a value:" : "unknown option", argv[optind - 1]);
            return 2;
        } else { /* --alloc --cpus --reps --test --size */
            o->pass[o->npass++] = c == 'a'   ? "--alloc"
                                  : c == 'c' ? "--cpus"
                                  : c == 'r' ? "--reps"
                                  : c == 't' ? "--test"
                                             : "--size";
            o->pass[o->npass++] = optarg;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mpbench kernel: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* Progress while ks-bench runs (it prints nothing for tens of seconds):
 * once a second, when results.csv grew, the rows so far and the last cell
 * measured, on stderr. */
static void show_progress(const char *csv, size_t *shown, double t0) {
    FILE *f = fopen(csv, "r");
    char line[1024], last[1024] = "";
    size_t rows = 0;
    while (f && fgets(line, sizeof line, f))
        if (strchr(line, '\n') && rows++)
            mpb_copy(last, sizeof last, line);
    if (f)
        fclose(f);
    if (rows <= 1 || rows == *shown)
        return;
    *shown = rows;
    char *fld[16] = {0}; /* allocator,variant,workload,threads,...,size (the 15th) */
    int n = 0;
    last[strcspn(last, "\n")] = '\0';
    for (char *p = last; p && n < 16; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        fld[n++] = p;
    for (char *p = last; (p = strchr(p, ',')) != NULL;)
        *p++ = '\0';
    if (n < 4)
        return;
    fprintf(stderr, "mpbench kernel: %zu rows in %.0f s; last: %s %s%s%s%s on %s CPU%s\n", rows - 1,
            mpb_now() - t0, fld[0], fld[2], n >= 15 && *fld[14] ? " " : "", n >= 15 ? fld[14] : "",
            n >= 15 && *fld[14] ? " B" : "", fld[3], strcmp(fld[3], "1") ? "s" : "");
}

/* waitpid for ks-bench, showing progress; returns waitpid's result. */
static pid_t wait_showing(pid_t pid, const char *csv, int *st) {
    size_t shown = 0;
    double t0 = mpb_now();
    for (;;) {
        pid_t r = waitpid(pid, st, WNOHANG);
        if (r != 0)
            return r;
        show_progress(csv, &shown, t0);
        usleep(1000000);
    }
}

/* The allocator build inside ks-bench: its record (its .mpa_build
 * section: tunables as compiled, sources, flags), or null. */
static json_t *ks_build(void) {
    char bench[PATH_MAX];
    mpb_elf_build_t e;
    json_t *r = NULL;
    mpb_fmt(bench, sizeof bench, "%s/ks-bench", mpb_self_dir());
    if (mpb_elf_build(bench, &e) == 0) {
        r = e.record ? json_loads(e.record, 0, NULL) : NULL;
        free(e.record);
    }
    return r ? r : json_null();
}

/* Refuses (2) a ks-bench built from other allocator sources than the tree
 * holds now (its results would be credited to the tunables there). */
static int ks_stale(void) {
    char bench[PATH_MAX], why[2048];
    json_t *rec = ks_build();
    mpb_fmt(bench, sizeof bench, "%s/ks-bench", mpb_self_dir());
    int stale = json_is_object(rec) && mpb_build_sources_changed(rec, bench, why, sizeof why);
    if (stale)
        fprintf(stderr,
                "mpbench kernel: refused: ks-bench is stale: %s; rebuild it with: make -C %s/../.. "
                "kernel-sim\n",
                why, mpb_self_dir());
    json_decref(rec);
    return stale ? 2 : 0;
}

/* Runs ks-bench into DIR/results.csv. Returns 0, 1 when runs crashed (their
 * rows are kept), -1 when ks-bench could not run or was killed, -2 when it
 * refused its options (exit 2: an unknown allocator, test or size). */
static int kb_run_bench(const kb_opts_t *o, const char *csv) {
    char bench[PATH_MAX];
    mpb_fmt(bench, sizeof bench, "%s/ks-bench", mpb_self_dir());
    if (!mpb_is_file(bench)) {
        fprintf(stderr, "mpbench kernel: %s not found (make kernel-sim)\n", bench);
        return -1;
    }
    char *argv[32] = {bench, "--matrix", o->quick ? "quick" : "full", "--out", (char *)csv};
    int n = 5;
    for (int i = 0; i < o->npass && n < 30; i++)
        argv[n++] = o->pass[i];
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execv(bench, argv);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || wait_showing(pid, csv, &st) != pid || !WIFEXITED(st) || WEXITSTATUS(st) == 127) {
        if (pid > 0 && WIFSIGNALED(st))
            fprintf(stderr, "mpbench kernel: ks-bench killed by signal %d\n", WTERMSIG(st));
        else
            fprintf(stderr, "mpbench kernel: ks-bench could not run\n");
        return -1;
    }
    if (WEXITSTATUS(st) == 2) { /* its message says which option */
        fprintf(stderr,
                "mpbench kernel: ks-bench refused the options (see mpbench kernel --help)\n");
        return -2;
    }
    if (WEXITSTATUS(st) != 0) {
        fprintf(stderr, "mpbench kernel: some runs crashed; see their rows in %s\n", csv);
        return 1;
    }
    return 0;
}

/* DIR/meta.json: machine, matrix, notes; end and state once the run stops. */
static int kb_write_meta(const kb_opts_t *o, const char *cmdline, const char *start,
                         const char *end, const char *state) {
    char path[PATH_MAX], commit[128];
    json_t *m = json_object(), *mx = json_object(), *pass = json_array(), *notes = json_array();
    mpb_meta_git(commit, sizeof commit);
    mpb_json_set_text(m, "kind", "kernel");
    mpb_meta_machine(m);
    mpb_json_set_text(mx, "matrix", o->quick ? "quick" : "full");
    json_object_set_new(mx, "oversubscribe", json_boolean(o->oversub));
    for (int i = 0; i < o->npass; i++)
        json_array_append_new(pass, mpb_json_text(o->pass[i]));
    json_object_set_new(mx, "ks_bench_options", pass);
    json_object_set_new(m, "matrix", mx);
    json_object_set_new(m, "build", ks_build());
    mpb_json_set_text(m, "git_commit", commit);
    mpb_json_set_text(m, "command_line", cmdline);
    mpb_json_set_text(m, "start", start);
    mpb_json_set_text(m, "end", end);
    mpb_json_set_text(m, "state", state);
    for (size_t i = 0; i < sizeof kb_notes / sizeof kb_notes[0]; i++)
        json_array_append_new(notes, mpb_json_text(kb_notes[i]));
    json_object_set_new(m, "notes", notes);
    mpb_fmt(path, sizeof path, "%s/meta.json", o->dir);
    int rc = mpb_json_save(path, m);
    json_decref(m);
    return rc;
}

/* DIR: the one given, or results/kernel-<UTC time>; must hold no run yet. */
static int kb_folder(kb_opts_t *o, char *buf, size_t len) {
    char csv[PATH_MAX];
    if (!o->dir) {
        char stamp[32];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", gmtime(&now));
        mkdir("results", 0755);
        mpb_fmt(buf, len, "results/kernel-%s", stamp);
        o->dir = buf;
    }
    if (mkdir(o->dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "mpbench kernel: cannot create %s: %s\n", o->dir, strerror(errno));
        return 4;
    }
    if (mpb_is_file(mpb_path(csv, sizeof csv, o->dir, "results.csv"))) {
        fprintf(stderr, "mpbench kernel: %s already holds a run; choose another --out\n", o->dir);
        return 2;
    }
    return 0;
}

/* The kernel matrix into o->dir (locked): meta.json, ks-bench, then the
 * common summary, plot and report. */
static int kb_main(kb_opts_t *o, int argc, char **argv) {
    char csv[PATH_MAX], cmdline[4096] = "mpbench", start[32], end[32];
    for (int i = 0, n = 7; i < argc && n < (int)sizeof cmdline; i++)
        n += mpb_fmt(cmdline + n, sizeof cmdline - (size_t)n, " %s", argv[i]);
    mpb_iso_now(start, sizeof start);
    if (kb_write_meta(o, cmdline, start, NULL, "running") != 0) {
        fprintf(stderr, "mpbench kernel: cannot write %s/meta.json: %s\n", o->dir, strerror(errno));
        return 4;
    }
    fprintf(stderr, "mpbench kernel: running ks-bench into %s\n",
            mpb_path(csv, sizeof csv, o->dir, "results.csv"));
    int bench = kb_run_bench(o, csv);
    mpb_iso_now(end, sizeof end);
    if (kb_write_meta(o, cmdline, start, end,
                      bench < 0 ? "failed"
                      : bench   ? "crashes"
                                : "complete") != 0)
        return 4;
    if (bench == -2)
        return 2;
    if (bench < 0 || !mpb_is_file(csv))
        return 1;
    mpb_analysis_opts_t an = {
        .who = "mpbench kernel", .warn = 1, .summary = 1, .plots = 1, .report = 1, .digest = 1};
    mpb_analysis_status_t st;
    mpb_analyse(o->dir, &an, &st);
    if (st.report == 0)
        printf("%s\n", mpb_path(csv, sizeof csv, o->dir, "report.md"));
    return bench ? 1 : 0;
}

int mpb_cmd_kernel(int argc, char **argv) {
    kb_opts_t o = {0};
    char dir[PATH_MAX];
    int rc = kb_parse(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if ((rc = ks_stale()) != 0 || (rc = kb_folder(&o, dir, sizeof dir)) != 0)
        return rc;
    if ((rc = mpb_lock_take(o.dir, "mpbench kernel")) != 0)
        return rc < 0 ? 4 : rc;
    rc = kb_main(&o, argc, argv);
    mpb_lock_release(o.dir);
    return rc;
}
