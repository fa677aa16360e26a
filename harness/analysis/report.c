/* DIR/report.md (`mpbench report DIR`) for a person to read top to bottom:
 * the machine (read from meta.json), the matrix, how to read the numbers,
 * a geomean ranking of allocators by time and peak RSS, the plots, a table
 * per metric (median with CI, ratio to glibc with CI), per-thread efficiency
 * when several thread counts ran (scaling.c), failed runs and noisy cells.
 * Numbers come from results.csv through cells.c, as in summary.csv. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "analysis/digest.h"
#include "analysis/scaling.h"
#include "analysis/verdict.h"
#include "common/json.h"
#include "common/outfmt.h"
#include "common/util.h"

/* o[key] as text in out: strings as they are, numbers and booleans as JSON
 * writes them, anything else (absent, null, object, array) as "". */
static const char *json_scalar(const json_t *o, const char *key, char *out, size_t len) {
    const json_t *v = json_object_get(o, key);
    out[0] = '\0';
    if (json_is_string(v))
        mpb_copy(out, len, json_string_value(v));
    else if (json_is_integer(v))
        mpb_fmt(out, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        mpb_fmt(out, len, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        mpb_copy(out, len, json_is_true(v) ? "true" : "false");
    return out;
}

/* The first of several candidate keys ("a|b") set in meta, or "". */
static const char *meta_get(const json_t *meta, const char *keys, char *out, size_t len) {
    char k[64];
    out[0] = '\0';
    for (const char *p = keys; *p; p += strcspn(p, "|") + (p[strcspn(p, "|")] != 0)) {
        mpb_fmt(k, sizeof k, "%.*s", (int)strcspn(p, "|"), p);
        if (json_scalar(meta, k, out, len)[0])
            return out;
    }
    return out;
}

/* The strings of the array o[key] as "a, b, c" in out. */
static const char *meta_list(const json_t *o, const char *key, char *out, size_t len) {
    size_t i, off = 0;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(json_object_get(o, key), i, v) if (json_is_string(v) && off < len) off +=
        (size_t)snprintf(out + off, len - off, "%s%s", i ? ", " : "", json_string_value(v));
    return out;
}

/* Prints one "| label | value |" line when the value is known. */
static void machine_row(FILE *f, const char *label, const char *value) {
    if (value && *value)
        fprintf(f, "| %s | %s |\n", label, value);
}

static void section_machine(FILE *f, const json_t *meta) {
    static const char *rows[][2] = {
        {"host", "host|hostname"},
        {"CPU", "cpu_model|cpu|model"},
        {"topology", "topology"},
        {"kernel", "kernel"},
        {"compiler", "compiler"},
        {"git commit", "git_commit|commit"},
        {"command", "command_line|command"},
        {"started", "start|started"},
        {"ended", "end|ended"},
        {"state", "state"},
    };
    char v[1024];
    fputs("## Machine\n\n", f);
    if (!meta) {
        fputs("meta.json is missing from this folder: the machine is unknown.\n\n", f);
        return;
    }
    const json_t *counters = json_object_get(meta, "counters");
    fputs("| | |\n|---|---|\n", f);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        machine_row(f, rows[i][0], meta_get(meta, rows[i][1], v, sizeof v));
    machine_row(f, "counters recorded", meta_list(counters, "available", v, sizeof v));
    machine_row(f, "counters missing", meta_list(counters, "missing", v, sizeof v));
    json_scalar(counters, "note", v, sizeof v);
    fprintf(f, "\nHardware counters: %s\n\n", *v ? v : "meta.json does not say.");
}

/* The CPU frequency policy in one line: each governor with its CPUs and
 * the frequencies seen, or meta.json's note when /sys had none. */
static void cpu_policy(FILE *f, const json_t *freq) {
    const char *k, *note = mpb_json_get_text(freq, "note");
    json_t *v;
    if (note) {
        fprintf(f, "- CPU frequency policy: %s\n", note);
        return;
    }
    fputs("- CPU frequency policy:", f);
    json_object_foreach((json_t *)freq, k, v) {
        if (json_is_object(v))
            fprintf(f, " %s %s (%s..%s kHz, now %s);", k,
                    mpb_json_get_text(v, "governor") ? mpb_json_get_text(v, "governor") : "?",
                    mpb_json_get_text(v, "min_khz") ? mpb_json_get_text(v, "min_khz") : "?",
                    mpb_json_get_text(v, "max_khz") ? mpb_json_get_text(v, "max_khz") : "?",
                    mpb_json_get_text(v, "cur_khz") ? mpb_json_get_text(v, "cur_khz") : "?");
        else if (json_is_string(v))
            fprintf(f, " %s %s;", k, json_string_value(v));
    }
    fputc('\n', f);
}

/* meta.json's "environment": the variables that change allocators, what
 * was stripped from the runs, and the CPU frequency policy. */
static void section_environment(FILE *f, const json_t *meta) {
    const json_t *env = json_object_get(meta, "environment");
    const json_t *vars = json_object_get(env, "variables");
    const char *k;
    json_t *v;
    fputs("## Environment\n\n", f);
    if (!json_is_object(env)) {
        fputs("meta.json does not record the environment (an older mpbench made this "
              "folder): settings such as MALLOC_ARENA_MAX or MIMALLOC_* are unknown.\n\n",
              f);
        return;
    }
    if (json_object_size(vars) == 0)
        fputs("- No allocator or loader variable was set (GLIBC_TUNABLES, MALLOC_*, "
              "MALLOC_CONF, MIMALLOC_*, TCMALLOC_*, MPALLOC_*, SNMALLOC_*, LD_*, ...).\n",
              f);
    else
        fputs("- Variables set (each run inherited them, but LD_PRELOAD):", f);
    json_object_foreach((json_t *)vars, k, v) fprintf(f, " `%s=%s`", k, json_string_value(v));
    if (json_object_size(vars))
        fputc('\n', f);
    const char *pre = mpb_json_get_text(json_object_get(env, "stripped"), "LD_PRELOAD");
    if (pre)
        fprintf(f,
                "- `LD_PRELOAD=%s` was in mpbench's environment and was **not** passed to the "
                "runs: each run preloaded only the allocator under test and mpbench's probe.\n",
                pre);
    const char *sys = mpb_json_get_text(env, "system_preload");
    if (sys)
        fprintf(f,
                "- `/etc/ld.so.preload` named `%s`: the loader preloaded it into every run, "
                "after the allocator under test and mpbench's probe.\n",
                sys);
    cpu_policy(f, json_object_get(env, "cpu_frequency"));
    fputc('\n', f);
}

/* meta.json's "notes": what the program that made the folder wants a
 * reader to know first (kernel-sim: the model and how to read its numbers). */
static void section_notes(FILE *f, const json_t *meta) {
    size_t i;
    json_t *v;
    const json_t *notes = json_object_get(meta, "notes");
    if (!json_is_array(notes) || json_array_size(notes) == 0)
        return;
    fputs("## About this run\n\n", f);
    json_array_foreach(notes, i, v) if (json_is_string(v))
        fprintf(f, "%s\n\n", json_string_value(v));
}

/* "name (version, path)" for each allocator, from meta.json's list. */
/* "; build mpa:... (flags '...', commit abc1234, dirty)" of an entry of
 * meta.json's allocators: the build that ran, from its own record. */
static void build_words(const json_t *e, char *buf, size_t len) {
    const char *id = mpb_json_get_text(e, "build_id");
    const json_t *rec = json_object_get(e, "build");
    const char *flags = mpb_json_get_text(rec, "flags"), *commit = mpb_json_get_text(rec, "commit");
    const json_t *runs = json_object_get(e, "build_confirmed_by_runs");
    buf[0] = '\0';
    if (!id || !*id)
        return;
    size_t o = (size_t)mpb_fmt(buf, len, "; build `%s`", id);
    if (json_is_object(rec) && o < len)
        o += (size_t)mpb_fmt(buf + o, len - o, " (flags '%s', commit %.10s%s)",
                             flags ? flags + strspn(flags, " ") : "?", commit ? commit : "?",
                             json_is_true(json_object_get(rec, "dirty")) ? ", dirty tree" : "");
    if (json_is_integer(runs) && o < len)
        mpb_fmt(buf + o, len - o, ", seen serving %lld runs", (long long)json_integer_value(runs));
}

static void alloc_versions(FILE *f, const mpb_cellset_t *cs, const json_t *meta) {
    char ver[256], path[600], build[600];
    for (size_t a = 0; a < cs->nallocs; a++) {
        size_t i;
        json_t *e;
        ver[0] = path[0] = build[0] = '\0';
        json_array_foreach(json_object_get(meta, "allocators"), i, e) {
            const char *name = mpb_json_get_text(e, "name");
            if (name && !strcmp(name, cs->allocs[a])) {
                json_scalar(e, "version", ver, sizeof ver);
                json_scalar(e, "path", path, sizeof path);
                build_words(e, build, sizeof build);
                break;
            }
        }
        fprintf(f, "  - `%s`%s%s%s%s%s%s\n", cs->allocs[a], *ver || *path ? " (" : "", ver,
                *ver && *path ? ", " : "", path, *ver || *path ? ")" : "", build);
    }
}

/* Warnings a reader must see first: a merge of shards from other machines
 * or environments, or of shards that did not finish. */
static void section_joined(FILE *f, const json_t *meta) {
    const json_t *mixed = json_object_get(meta, "mixed"), *shards = json_object_get(meta, "shards");
    const char *state = mpb_json_get_text(meta, "state");
    size_t i;
    json_t *s;
    int warn = json_array_size(mixed) > 0 || (state && strcmp(state, "complete"));
    if (!warn)
        return;
    fputs("## Read this first\n\n", f);
    json_array_foreach(mixed, i, s) fprintf(f,
                                            "- **Merged from shards whose %s differ**: ratios "
                                            "between cells of different shards compare the %s "
                                            "too.\n",
                                            json_string_value(s), json_string_value(s));
    if (state && strcmp(state, "complete"))
        fprintf(f, "- **State: %s**: some runs of the matrix are missing%s.\n", state,
                !strcmp(state, "running") ? " (the run had not ended when this was written, or "
                                            "mpbench was killed mid-matrix: `mpbench run "
                                            "--resume` finishes it)"
                                          : "");
    json_array_foreach(shards, i, s) fprintf(
        f, "  - shard `%s`: host %s, %s, kernel %s, state %s\n", mpb_json_get_text(s, "dir"),
        mpb_json_get_text(s, "host") ? mpb_json_get_text(s, "host") : "?",
        mpb_json_get_text(s, "cpu_model") ? mpb_json_get_text(s, "cpu_model") : "?",
        mpb_json_get_text(s, "kernel") ? mpb_json_get_text(s, "kernel") : "?",
        mpb_json_get_text(s, "state") ? mpb_json_get_text(s, "state") : "?");
    fputc('\n', f);
}

/* "N warm-up runs not counted" from meta.json's count (mpbench run writes
 * it), else from warm-up rows of results.csv, else "not recorded". */
static void warmup_words(const mpb_cellset_t *cs, const json_t *meta, char *buf, size_t len) {
    const json_t *w = json_object_get(json_object_get(meta, "matrix"), "warmup_runs");
    if (json_is_integer(w))
        mpb_fmt(buf, len, "%lld warm-up run%s not counted", (long long)json_integer_value(w),
                json_integer_value(w) == 1 ? "" : "s");
    else if (cs->nwarmup)
        mpb_fmt(buf, len, "%zu warm-up run%s not counted", cs->nwarmup,
                cs->nwarmup == 1 ? "" : "s");
    else
        mpb_fmt(buf, len, "warm-up runs not recorded in this folder");
}

static void section_matrix(FILE *f, const mpb_cellset_t *cs, const json_t *meta) {
    size_t ok = 0, failed = 0;
    char warm[96];
    for (size_t i = 0; i < cs->ncells; i++)
        ok += cs->cells[i].n_ok, failed += cs->cells[i].n_failed;
    fprintf(f, "## Matrix\n\n- allocators (%zu):\n", cs->nallocs);
    alloc_versions(f, cs, meta);
    fprintf(f, "- workloads (%zu):", cs->nworkloads);
    for (size_t w = 0; w < cs->nworkloads; w++)
        fprintf(f, "%s `%s`", w ? "," : "", cs->workloads[w]);
    fputs("\n- threads:", f);
    const json_t *bind = json_object_get(json_object_get(meta, "matrix"), "binding");
    for (size_t t = 0; t < cs->nthreads; t++) {
        char key[16];
        mpb_fmt(key, sizeof key, "%d", cs->threads[t]);
        const char *b = mpb_json_get_text(bind, key);
        fprintf(f, "%s %d", t ? "," : "", cs->threads[t]);
        if (b) /* "core 0", "all 2 PUs (oversubscribed 2x)": where the runs were pinned */
            fprintf(f, strncmp(b, "unpinned", 8) ? " on %s" : " %s", b);
    }
    warmup_words(cs, meta, warm, sizeof warm);
    fprintf(f,
            "\n- repetitions: up to %zu per cell; %zu cells, %zu runs measured (status ok), "
            "%zu failed, %s\n",
            cs->max_rep, cs->ncells, ok, failed, warm);
    if (cs->measure[0])
        fprintf(f, "- measured by: %s%s\n", cs->measure,
                cs->mixed_measure ? " (rows disagree: this folder mixes measurement modes)" : "");
    fputc('\n', f);
}

/* Fewest ok runs in any cell that has a value of metric m (0: none). */
static size_t fewest_runs(const mpb_cellset_t *cs, int m) {
    size_t least = 0;
    for (size_t i = 0; i < cs->ncells; i++) {
        size_t n = cs->cells[i].nvals[m];
        if (n && (!least || n < least))
            least = n;
    }
    return least;
}

/* "How to read the numbers", true for this folder: how many runs its cells
 * have, the interval that many runs give, and the baseline if any. */
static void section_read_me(FILE *f, const mpb_cellset_t *cs, int m) {
    size_t lo = fewest_runs(cs, m), hi = cs->max_rep;
    fputs("## How to read the numbers\n\n", f);
    if (hi <= 1)
        fputs("Each cell (allocator, workload, threads) ran once: a table entry is that run's\n"
              "value. One run gives no interval and no way to tell noise from a difference.\n",
              f);
    else
        fprintf(f,
                "Each cell (allocator, workload, threads) ran up to %zu times (the fewest ok\n"
                "runs in a cell: %zu). A table entry is the **median** with its **95%%\n"
                "confidence interval** in brackets, by order statistics (binomial); with fewer\n"
                "than 6 runs no such interval exists, and the bracket is min..max, which covers\n"
                "the median with probability 1 - 2^(1-n) (50%% with 2 runs, 75%% with 3, 87.5%%\n"
                "with 4, 93.75%% with 5).\n",
                hi, lo);
    if (cs->baseline[0] && hi > 1)
        fprintf(f,
                "Below it, the **ratio** of the median to %s's in the same workload and\n"
                "threads, with a 95%% bootstrap interval (2000 resamples of both samples, fixed\n"
                "seed). For time and memory, below 1 is better; for throughput, above 1 is\n"
                "better.",
                cs->baseline);
    else if (cs->baseline[0])
        fprintf(f,
                "Below it, the **ratio** of the value to %s's in the same workload and\n"
                "threads (no interval from one run). For time and memory, below 1 is better;\n"
                "for throughput, above 1 is better.",
                cs->baseline);
    else
        fprintf(f, "No baseline allocator (%s) ran, so there are no ratios.",
                !cs->present[MPB_M_WALL] && cs->present[MPB_M_CYCLES] ? MPB_KERNEL_BASELINE
                                                                      : MPB_BASELINE);
    if (hi > 1)
        fputs(" An entry marked *noisy* has runs that disagree: (max-min)/median\n"
              "above 10%, or a CI reaching more than 5% from the median. Treat small\n"
              "differences there with suspicion.",
              f);
    fprintf(f,
            "\nmpbench calls nothing faster or slower from fewer than %d ok runs per cell\n"
            "(`mpbench compare`'s rule).\n\n",
            MPB_VERDICT_MIN_RUNS);
}

/* One allocator's line of the ranking: geomeans of its ratios to glibc. */
typedef struct mpb_rank {
    const char *alloc;
    double time, rss, alloc_t;  /* geomean ratio of the time metric / max_rss_kb / alloc_s */
    size_t ntime, nrss, nalloc; /* cells behind each */
} mpb_rank_t;

#define TIME_METRIC (-1) /* alloc_geomean: each cell's own (mpb_cells_time_metric) */

/* Geomean of allocator a's ratios to glibc for metric m over every cell. */
static double alloc_geomean(const mpb_cellset_t *cs, const char *a, int m, size_t *n) {
    double *r = malloc((cs->ncells + 1) * sizeof *r);
    mpb_cellstat_t s;
    *n = 0;
    for (size_t i = 0; r && i < cs->ncells; i++) {
        const mpb_cell_t *c = &cs->cells[i];
        int cm = m == TIME_METRIC ? mpb_cells_time_metric(cs, c) : m;
        if (strcmp(c->alloc, a) == 0 && mpb_cells_stat(cs, c, cm, &s) == 0 && s.has_ratio)
            r[(*n)++] = s.ratio.ratio;
    }
    double g = r ? mpb_stats_geomean(r, *n) : NAN;
    free(r);
    return g;
}

static int rank_cmp(const void *x, const void *y) {
    const mpb_rank_t *a = x, *b = y;
    double u = isnan(a->time) ? INFINITY : a->time, v = isnan(b->time) ? INFINITY : b->time;
    return (u > v) - (u < v);
}

/* Names the allocators whose geomean holds cells measured with runs that
 * did not end ok: those medians are of the runs that survived. */
static void survivors_note(FILE *f, const mpb_cellset_t *cs) {
    size_t n = 0;
    for (size_t a = 0; a < cs->nallocs; a++) {
        size_t k = 0;
        for (size_t i = 0; i < cs->ncells; i++)
            k += !strcmp(cs->cells[i].alloc, cs->allocs[a]) && cs->cells[i].n_ok &&
                 cs->cells[i].n_failed;
        if (k)
            fprintf(f, "%s%s (%zu cell%s)", n++ ? ", " : "**Runs lost**: the geomean of ",
                    cs->allocs[a], k, k == 1 ? "" : "s");
    }
    if (n)
        fputs(" holds cells where some runs did not end ok: their medians are of the runs\n"
              "that survived, and a lost run (a timeout, a crash) may be a slow one. Not a "
              "verdict there (see Failures).\n\n",
              f);
}

static void section_ranking(FILE *f, const mpb_cellset_t *cs) {
    fputs("## Ranking\n\n", f);
    /* kernel-sim sets rank by cycles per operation and bytes held per byte live */
    int kernel = !cs->present[MPB_M_WALL] && cs->present[MPB_M_CYCLES];
    if (!mpb_cells_has_baseline(cs)) {
        fprintf(f, "%s did not run, so there are no ratios to rank by.\n\n",
                kernel ? MPB_KERNEL_BASELINE : MPB_BASELINE);
        return;
    }
    if (cs->nallocs < 2) {
        fprintf(f, "Only %s ran: there is nothing to rank.\n\n", cs->baseline);
        return;
    }
    int insn = !strcmp(cs->measure, "instructions") && cs->present[MPB_M_INSN];
    int mt = kernel ? MPB_M_CYCLES : insn ? MPB_M_INSN : MPB_M_WALL;
    int mm = kernel ? MPB_M_HELD : MPB_M_RSS, replays = cs->present[MPB_M_ALLOC];
    const char *b = cs->baseline;
    mpb_rank_t *rk = calloc(cs->nallocs, sizeof *rk);
    for (size_t a = 0; rk && a < cs->nallocs; a++) {
        rk[a].alloc = cs->allocs[a];
        rk[a].time = alloc_geomean(cs, cs->allocs[a], TIME_METRIC, &rk[a].ntime);
        rk[a].rss = alloc_geomean(cs, cs->allocs[a], mm, &rk[a].nrss);
        rk[a].alloc_t = alloc_geomean(cs, cs->allocs[a], MPB_M_ALLOC, &rk[a].nalloc);
    }
    qsort(rk, rk ? cs->nallocs : 0, sizeof *rk, rank_cmp);
    size_t few = fewest_runs(cs, mt);
    if (few < MPB_VERDICT_MIN_RUNS)
        fprintf(f,
                "**Not a verdict**: some cells have only %zu ok run%s, and mpbench calls nothing\n"
                "faster or slower from fewer than %d per cell. The order below is of medians\n"
                "alone; rerun with `--repeat %d` or more to rank.\n\n",
                few, few == 1 ? "" : "s", MPB_VERDICT_MIN_RUNS, MPB_VERDICT_MIN_RUNS);
    fprintf(f,
            "Geometric mean, over every workload and thread count, of the ratio to %s\n"
            "(below 1: %s than %s), lowest first.%s%s\n\n"
            "| # | allocator | %s vs %s | %s vs %s |%s cells |\n"
            "|---:|---|---:|---:|%s---:|\n",
            b,
            kernel ? "fewer cycles"
            : insn ? "fewer instructions"
                   : "less time",
            b,
            insn ? " Under `--measure instructions` the time is the instruction count:\n"
                   "the runs' wall time under valgrind says nothing of the allocator."
                 : "",
            replays ? " For a replay (a `trace-` workload) the time is the replay's own\n"
                      "(`replay_s`, without loading the trace), which answers \"would my program\n"
                      "be faster?\"; *allocator time* is the time inside the allocator's calls\n"
                      "(`alloc_s`), replays only."
                    : "",
            kernel ? "cycles"
            : insn ? "instructions"
                   : "time",
            b, kernel ? "bytes held" : "peak RSS", b, replays ? " allocator time vs glibc |" : "",
            replays ? "---:|" : "");
    for (size_t a = 0; rk && a < cs->nallocs; a++) {
        fprintf(f, "| %zu | %s | %s | %s |", a + 1, rk[a].alloc, mpb_fmt_ratio(rk[a].time).s,
                mpb_fmt_ratio(rk[a].rss).s);
        if (replays)
            fprintf(f, " %s |", mpb_fmt_ratio(rk[a].alloc_t).s);
        fprintf(f, " %zu |\n", rk[a].ntime);
    }
    int uneven = 0;
    for (size_t a = 1; rk && a < cs->nallocs; a++)
        uneven |= rk[a].ntime != rk[0].ntime;
    fputs(uneven ? "\nAn allocator with fewer cells than the others failed somewhere or did not "
                   "run\neverywhere: its geomean covers fewer workloads (see Failures).\n\n"
                 : "\n",
          f);
    survivors_note(f, cs);
    free(rk);
}

static int name_cmp(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Links every PNG of DIR/plots whose name starts with prefix, sorted. */
static int plots_with(FILE *f, const char *dir, const char *prefix, const char *caption) {
    char path[4200], *names[512];
    size_t n = 0;
    DIR *d = opendir(mpb_path(path, sizeof path, dir, "plots"));
    for (struct dirent *e; d && (e = readdir(d)) && n < 512;) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && len > 4 &&
            strcmp(e->d_name + len - 4, ".png") == 0)
            names[n++] = strdup(e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "![%s: %s](plots/%s)\n\n", caption, names[i], names[i]);
        free(names[i]);
    }
    return (int)n;
}

static void section_plots(FILE *f, const char *dir, const mpb_cellset_t *cs) {
    fputs("## Plots\n\n", f);
    char tcap[96], rcap[96];
    int insn = !strcmp(cs->measure, "instructions") && cs->present[MPB_M_INSN];
    mpb_fmt(tcap, sizeof tcap, "%s%s%s",
            insn                        ? "instructions"
            : cs->present[MPB_M_REPLAY] ? "time (a replay's own)"
                                        : "wall time",
            cs->baseline[0] ? " normalised to " : "", cs->baseline);
    mpb_fmt(rcap, sizeof rcap, "peak RSS%s%s", cs->baseline[0] ? " normalised to " : "",
            cs->baseline);
    int n = plots_with(f, dir, "time_", tcap);
    n += plots_with(f, dir, "alloc_", "replays: time inside the allocator");
    n += plots_with(f, dir, "rss_", rcap);
    n += plots_with(f, dir, "timeline_", "memory over time");
    n += plots_with(f, dir, "scaling_", "thread scaling");
    n += plots_with(f, dir, "efficiency_", "per-thread efficiency");
    n += plots_with(f, dir, "kernel_size_", "kernel path: cycles by object size");
    n += plots_with(f, dir, "kernel_cpus_", "kernel path: cycles by simulated CPUs");
    n += plots_with(f, dir, "kernel_held_", "kernel heap: bytes held per byte live");
    if (n == 0)
        fprintf(f, "No plots in %s/plots: run `mpbench plot %s`, then this report again.\n\n", dir,
                dir);
}

/* "timeout x2, crash x1" for a cell's failed runs. */
static const char *fail_text(const mpb_cell_t *c, char *buf, size_t len) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->nfails && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s x%zu", i ? ", " : "", c->fails[i].status,
                              c->fails[i].count);
    return buf;
}

/* One table entry: median [CI], ratio [CI], noise and failure marks. */
static void put_entry(FILE *f, const mpb_cellset_t *cs, const mpb_cell_t *c, int m) {
    mpb_cellstat_t s;
    char fb[200];
    if (!c) {
        fputs(" not run |", f);
        return;
    }
    if (mpb_cells_stat(cs, c, m, &s) < 0) {
        fprintf(f, " %s |", c->n_failed ? fail_text(c, fb, sizeof fb) : "no value");
        return;
    }
    fprintf(f, " %s", mpb_fmt_human(s.st.median).s);
    if (s.st.n >= 2)
        fprintf(f, " [%s, %s]", mpb_fmt_human(s.st.ci_lo).s, mpb_fmt_human(s.st.ci_hi).s);
    if (s.has_ratio)
        fprintf(f, "<br>%sx", mpb_fmt_ratio(s.ratio.ratio).s);
    if (s.has_ratio && !isnan(s.ratio.lo))
        fprintf(f, " [%s, %s]", mpb_fmt_ratio(s.ratio.lo).s, mpb_fmt_ratio(s.ratio.hi).s);
    if (s.noisy)
        fputs("<br>*noisy*", f);
    if (c->n_failed)
        fprintf(f, "<br>%zu failed", c->n_failed);
    fputs(" |", f);
}

/* 1 when row (workload w, threads t) belongs in metric m's table: some
 * allocator ran there, and for a metric only some workloads report (peak
 * live bytes, RSS after free, a replay's times) some cell has a value of
 * it; the core metrics keep rows of failed cells. */
static int row_wanted(const mpb_cellset_t *cs, int m, const char *w, int t) {
    int core = m == MPB_M_WALL || m == MPB_M_RSS || m == MPB_M_OPS, any = 0;
    for (size_t a = 0; a < cs->nallocs; a++) {
        const mpb_cell_t *c = mpb_cells_find(cs, cs->allocs[a], w, t);
        any |= c && (core || c->nvals[m]);
    }
    return any;
}

static void metric_table(FILE *f, const mpb_cellset_t *cs, int m) {
    size_t rows = 0, all = 0;
    fprintf(f, "## %s%s\n\n| workload | threads |", mpb_metrics[m].title,
            mpb_metrics[m].higher_better ? " - higher is better" : " - lower is better");
    for (size_t a = 0; a < cs->nallocs; a++)
        fprintf(f, " %s |", cs->allocs[a]);
    fputs("\n|---|---:|", f);
    for (size_t a = 0; a < cs->nallocs; a++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t w = 0; w < cs->nworkloads; w++)
        for (size_t t = 0; t < cs->nthreads; t++) {
            all += row_wanted(cs, MPB_M_WALL, cs->workloads[w], cs->threads[t]);
            if (!row_wanted(cs, m, cs->workloads[w], cs->threads[t]))
                continue;
            rows++;
            fprintf(f, "| %s | %d |", cs->workloads[w], cs->threads[t]);
            for (size_t a = 0; a < cs->nallocs; a++)
                put_entry(f, cs,
                          mpb_cells_find(cs, cs->allocs[a], cs->workloads[w], cs->threads[t]), m);
            fputc('\n', f);
        }
    if (rows < all)
        fprintf(f, "\nOnly the %zu of %zu workload and thread cells that report `%s` are shown.\n",
                rows, all, mpb_metrics[m].name);
    fputc('\n', f);
}

static void section_tables(FILE *f, const mpb_cellset_t *cs) {
    for (int m = 0; m < MPB_NMETRIC; m++)
        if (mpb_metrics[m].summarised && cs->present[m])
            metric_table(f, cs, m);
    if (!cs->present[MPB_M_INSN] && cs->has_col[MPB_M_INSN] && cs->present[MPB_M_WALL])
        fputs("No instruction counts: this machine gave none (see Machine), and the run\n"
              "did not use `--measure instructions`.\n\n",
              f);
}

static void section_failures(FILE *f, const mpb_cellset_t *cs) {
    char fb[200];
    size_t n = 0;
    fputs("## Failures\n\n", f);
    for (size_t i = 0; i < cs->ncells; i++) {
        const mpb_cell_t *c = &cs->cells[i];
        if (!c->n_failed)
            continue;
        if (n++ == 0)
            fputs("Runs that ended with a status other than ok (not measurements):\n\n"
                  "| allocator | workload | threads | ok | failed | statuses |\n"
                  "|---|---|---:|---:|---:|---|\n",
                  f);
        fprintf(f, "| %s | %s | %d | %zu | %zu | %s |\n", c->alloc, c->workload, c->threads,
                c->n_ok, c->n_failed, fail_text(c, fb, sizeof fb));
    }
    fputs(n ? "\n" : "None: every run ended with status ok.\n\n", f);
}

/* Prints the noisy cells' line for metric m; returns how many it printed. */
static size_t noisy_rows(FILE *f, const mpb_cellset_t *cs, int m, size_t shown) {
    mpb_cellstat_t s;
    size_t n = 0;
    for (size_t i = 0; i < cs->ncells; i++) {
        const mpb_cell_t *c = &cs->cells[i];
        if (mpb_cells_stat(cs, c, m, &s) < 0 || !s.noisy)
            continue;
        if (shown + n++ == 0)
            fputs("| allocator | workload | threads | metric | median | min..max | spread |\n"
                  "|---|---|---:|---|---:|---:|---:|\n",
                  f);
        fprintf(f, "| %s | %s | %d | %s | %s | %s..%s | %.0f%% |\n", c->alloc, c->workload,
                c->threads, mpb_metrics[m].name, mpb_fmt_human(s.st.median).s,
                mpb_fmt_human(s.st.min).s, mpb_fmt_human(s.st.max).s,
                100.0 * (s.st.max - s.st.min) / s.st.median);
    }
    return n;
}

static void section_noisy(FILE *f, const mpb_cellset_t *cs) {
    size_t n = 0;
    fputs("## Noisy cells\n\n", f);
    if (cs->max_rep <= 1) {
        fputs("Not known: with one run per cell, noise cannot be told apart.\n\n", f);
        return;
    }
    for (int m = 0; m < MPB_NMETRIC; m++)
        if (m != MPB_M_OPS && mpb_metrics[m].summarised && cs->present[m])
            n += noisy_rows(f, cs, m, n);
    if (n)
        fputs("\nSpread is (max-min)/median. Rerun these with more repetitions, on an idle\n"
              "machine, or with `--measure instructions`, before trusting small differences.\n\n",
              f);
    else
        fputs("None: in every cell the runs agree within the noise rule above.\n\n", f);
}

int mpb_report_write(const mpb_analysis_t *an) {
    const mpb_cellset_t *cs = &an->cs;
    const json_t *meta = an->meta;
    const char *dir = an->dir;
    char path[4200], tmp[4300];
    if (!cs->ncells) {
        fprintf(stderr, "mpbench report: %s/results.csv holds no runs: nothing written\n", dir);
        return 1;
    }
    mpb_path(path, sizeof path, dir, "report.md");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        return 2;
    }
    const char *base = strrchr(dir, '/');
    fprintf(f,
            "# mpbench report: %s\n\nMade by `mpbench report` from `results.csv` (%zu rows) "
            "and `meta.json`; the numbers are those of `summary.csv`.\n\n",
            base && base[1] ? base + 1 : dir, cs->nrows);
    section_joined(f, meta);
    section_notes(f, meta);
    section_machine(f, meta);
    if (meta)
        section_environment(f, meta);
    section_matrix(f, cs, meta);
    section_read_me(f, cs, cs->present[MPB_M_WALL] ? MPB_M_WALL : MPB_M_CYCLES);
    mpb_digest_report(f, an);
    section_ranking(f, cs);
    section_plots(f, dir, cs);
    section_tables(f, cs);
    mpb_scaling_report(f, cs, meta);
    section_failures(f, cs);
    section_noisy(f, cs);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        perror(path);
        unlink(tmp); /* no half-written .tmp left in the folder */
        return 2;
    }
    return 0;
}
