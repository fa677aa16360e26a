/* Groups the rows of DIR/results.csv into cells (allocator, workload,
 * threads) for the analysis commands: values of each known metric from `ok`
 * rows, other statuses counted, `warmup` rows skipped. Also lists the
 * allocators (known rivals first), workloads and thread counts of the matrix,
 * and computes a cell's statistics with its ratio to the baseline's cell, once
 * per (cell, metric): every reader of the folder shares them. */
#include "analysis/cells.h"
#include "common/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvio.h"
#include "common/json.h"
#include "common/outfmt.h"

const mpb_metric_t mpb_metrics[MPB_NMETRIC] = {
    [MPB_M_WALL] = {"wall_s", "Wall time (s)", 0, 1},
    [MPB_M_RSS] = {"max_rss_kb", "Peak RSS (KiB)", 0, 1},
    [MPB_M_OPS] = {"ops_per_s", "Throughput (ops/s)", 1, 1},
    [MPB_M_INSN] = {"instructions", "Instructions", 0, 1},
    [MPB_M_TASKCLK] = {"task_clock_ms", "Task clock (ms)", 0, 1},
    [MPB_M_USER] = {"user_s", "User time (s)", 0, 0},
    [MPB_M_SYS] = {"sys_s", "System time (s)", 0, 0},
    [MPB_M_MINFLT] = {"minflt", "Minor page faults", 0, 0},
    [MPB_M_LIVEPEAK] = {"live_peak_bytes", "Peak live bytes", 0, 1},
    [MPB_M_RSSAFTER] = {"rss_after_kb", "RSS after free (KiB)", 0, 1},
    [MPB_M_CYCLES] = {"cycles_per_op", "Kernel path: TSC cycles per operation", 0, 1},
    [MPB_M_NS] = {"ns_per_op", "Kernel path: ns per operation", 0, 0},
    [MPB_M_HELD] = {"held_per_live", "Kernel heap: bytes held per byte live", 0, 1},
    [MPB_M_REPLAY] = {"replay_s", "Replay time (s): the replay itself, without loading", 0, 1, 1},
    [MPB_M_ALLOC] = {"alloc_s", "Allocator time in the replay (s)", 0, 1, 1},
};

int mpb_metric_find(const char *name) {
    for (int m = 0; m < MPB_NMETRIC; m++)
        if (strcmp(mpb_metrics[m].name, name) == 0)
            return m;
    return -1;
}

const mpb_cell_t *mpb_cells_find(const mpb_cellset_t *cs, const char *alloc, const char *workload,
                                 int threads) {
    for (size_t i = 0; i < cs->ncells; i++) {
        const mpb_cell_t *c = &cs->cells[i];
        if (c->threads == threads && strcmp(c->alloc, alloc) == 0 &&
            strcmp(c->workload, workload) == 0)
            return c;
    }
    return NULL;
}

/* Adds s to a list of names unless it is there already. */
static void name_add(char ***list, size_t *n, const char *s) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], s) == 0)
            return;
    *list = mpb_xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = mpb_xstrdup(s);
}

static void threads_add(mpb_cellset_t *cs, int t) {
    size_t i = 0;
    while (i < cs->nthreads && cs->threads[i] < t)
        i++;
    if (i < cs->nthreads && cs->threads[i] == t)
        return;
    cs->threads = mpb_xrealloc(cs->threads, (cs->nthreads + 1) * sizeof *cs->threads);
    memmove(cs->threads + i + 1, cs->threads + i, (cs->nthreads - i) * sizeof *cs->threads);
    cs->threads[i] = t;
    cs->nthreads++;
}

static void sizes_add(mpb_cellset_t *cs, long s) {
    size_t i = 0;
    while (i < cs->nsizes && cs->sizes[i] < s)
        i++;
    if (i < cs->nsizes && cs->sizes[i] == s)
        return;
    cs->sizes = mpb_xrealloc(cs->sizes, (cs->nsizes + 1) * sizeof *cs->sizes);
    memmove(cs->sizes + i + 1, cs->sizes + i, (cs->nsizes - i) * sizeof *cs->sizes);
    cs->sizes[i] = s;
    cs->nsizes++;
}

const char *mpb_cells_key(const char *test, long size, char *buf, size_t len) {
    if (size <= 0)
        return test;
    mpb_fmt(buf, len, "%s/%ldB", test, size);
    return buf;
}

static mpb_cell_t *cell_get(mpb_cellset_t *cs, const char *alloc, const char *test, long size,
                            int threads) {
    char key[300];
    const char *workload = mpb_cells_key(test, size, key, sizeof key);
    mpb_cell_t *c = (mpb_cell_t *)mpb_cells_find(cs, alloc, workload, threads);
    if (c)
        return c;
    if (cs->ncells == cs->capcells) {
        cs->capcells = cs->capcells * 2 + 16;
        cs->cells = mpb_xrealloc(cs->cells, cs->capcells * sizeof *cs->cells);
    }
    c = &cs->cells[cs->ncells++];
    memset(c, 0, sizeof *c);
    c->alloc = mpb_xstrdup(alloc);
    c->workload = mpb_xstrdup(workload);
    c->test = mpb_xstrdup(test);
    c->size = size;
    c->threads = threads;
    c->memo = calloc(MPB_NMETRIC, sizeof *c->memo);
    if (!c->memo)
        abort();
    name_add(&cs->allocs, &cs->nallocs, alloc);
    name_add(&cs->workloads, &cs->nworkloads, workload);
    name_add(&cs->tests, &cs->ntests, test);
    threads_add(cs, threads);
    if (size > 0)
        sizes_add(cs, size);
    return c;
}

static void fail_add(mpb_cell_t *c, const char *status) {
    c->n_failed++;
    for (size_t i = 0; i < c->nfails; i++) {
        if (strcmp(c->fails[i].status, status) == 0) {
            c->fails[i].count++;
            return;
        }
    }
    size_t i = c->nfails < MPB_CELL_MAXFAIL ? c->nfails++ : MPB_CELL_MAXFAIL - 1;
    if (i == MPB_CELL_MAXFAIL - 1 && c->fails[i].count)
        status = "other";
    snprintf(c->fails[i].status, sizeof c->fails[i].status, "%s", *status ? status : "unknown");
    c->fails[i].count++;
}

/* Parses a non-negative finite number; returns 0 or -1 for an empty/bad cell. */
static int parse_value(const char *s, double *v) {
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    *v = strtod(s, &end);
    while (*end == ' ')
        end++;
    return (errno || *end || !isfinite(*v) || *v < 0.0) ? -1 : 0;
}

/* colidx[m] for a metric read from the extra column (at index col). */
#define FROM_EXTRA(col) (-2 - (col))

/* The text of metric m in row r: its column, or for a metric kept in the
 * extra column its `name=value` there ("" when absent). */
static const char *metric_text(const mpb_table_t *t, size_t r, const int *colidx, int m, char *buf,
                               size_t len) {
    if (colidx[m] >= 0)
        return t->rows[r][colidx[m]];
    if (colidx[m] == -1)
        return "";
    const char *x = t->rows[r][-2 - colidx[m]], *name = mpb_metrics[m].name;
    size_t n = strlen(name);
    for (const char *p = x; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
        if (!strncmp(p, name, n) && p[n] == '=') {
            mpb_fmt(buf, len, "%.*s", (int)strcspn(p + n + 1, ";"), p + n + 1);
            return buf;
        }
    return "";
}

/* Records the metric values of one ok row in its cell. */
static void values_add(mpb_cellset_t *cs, mpb_cell_t *c, const mpb_table_t *t, size_t row,
                       const int *colidx) {
    if (c->n_ok > c->cap) {
        c->cap = c->n_ok * 2;
        for (int m = 0; m < MPB_NMETRIC; m++)
            c->vals[m] = mpb_xrealloc(c->vals[m], c->cap * sizeof(double));
    }
    for (int m = 0; m < MPB_NMETRIC; m++) {
        double v;
        char buf[64];
        if (parse_value(metric_text(t, row, colidx, m, buf, sizeof buf), &v) < 0)
            continue;
        c->vals[m][c->nvals[m]++] = v;
        if (v > 0.0)
            cs->present[m] = 1;
    }
}

/* Remembers a run's value of an identity column (measure, scale) in first;
 * sets *mixed when rows disagree. Scales are compared as numbers. */
static void note_identity(char *first, size_t len, int *mixed, const char *v, int numeric) {
    if (!v || !*v)
        return;
    if (!first[0])
        snprintf(first, len, "%s", v);
    else if (numeric ? strtod(first, NULL) != strtod(v, NULL) : strcmp(first, v) != 0)
        *mixed = 1;
}

/* 1 (with a message) when every known metric value of an ok row parses;
 * a malformed value makes the row unusable rather than silently partial. */
static int row_values_ok(const mpb_table_t *t, size_t r, const int *colidx, const char *path) {
    for (int m = 0; m < MPB_NMETRIC; m++) {
        double v;
        const char *s = colidx[m] >= 0 ? t->rows[r][colidx[m]] : "";
        if (*s && parse_value(s, &v) < 0) {
            fprintf(stderr,
                    "mpbench: warning: %s: row %zu: %s '%s' is not a finite number "
                    ">= 0; the row is not counted as ok\n",
                    path, r + 2, mpb_metrics[m].name, s);
            return 0;
        }
    }
    return 1;
}

/* 1 when cell c already holds a row of repetition `rep` (then warned);
 * else remembers rep. Rows without a valid rep are not checked. */
static int repeated(mpb_cellset_t *cs, mpb_cell_t *c, const char *rep, const char *path, size_t r) {
    long v;
    if (!rep || mpb_parse_long(rep, 1, 1L << 40, &v) != 0)
        return 0;
    for (size_t i = 0; i < c->nreps; i++)
        if (c->reps[i] == v) {
            fprintf(stderr,
                    "mpbench: warning: %s: line %zu repeats run %s %s t%d rep %ld "
                    "(two writers?); only the first is counted\n",
                    path, r + 2, c->alloc, c->workload, c->threads, v);
            cs->ndup++;
            return 1;
        }
    if (c->nreps == c->capreps)
        c->reps = mpb_xrealloc(c->reps, (c->capreps = c->capreps * 2 + 8) * sizeof *c->reps);
    c->reps[c->nreps++] = v;
    return 0;
}

/* Remembers the build a row of cell c names; two builds under one
 * allocator name anywhere in the folder are noted in cs->mixed_build. */
static void note_build(mpb_cellset_t *cs, mpb_cell_t *c, const char *build) {
    if (!build || !*build)
        return;
    for (size_t i = 0; i < cs->ncells && !cs->mixed_build[0]; i++) {
        const mpb_cell_t *o = &cs->cells[i];
        if (o->build[0] && strcmp(o->build, build) && !strcmp(o->alloc, c->alloc))
            snprintf(cs->mixed_build, sizeof cs->mixed_build, "%s: build %s (%s t%d) and %s",
                     c->alloc, o->build, o->workload, o->threads, build);
    }
    if (!c->build[0])
        snprintf(c->build, sizeof c->build, "%s", build);
}

/* Files one row of results.csv; returns -1 for a row without a cell key. */
static int row_add(mpb_cellset_t *cs, const mpb_table_t *t, size_t r, const int *colidx,
                   const char *path) {
    const char *status = mpb_table_get(t, r, "status");
    const char *alloc = mpb_table_get(t, r, "allocator");
    const char *wl = mpb_table_get(t, r, "workload"), *sz = mpb_table_get(t, r, "size");
    char *end, *send = NULL;
    long th = strtol(mpb_table_get(t, r, "threads"), &end, 10);
    long size = sz && *sz ? strtol(sz, &send, 10) : 0;
    if (!*alloc || !*wl || *end || th <= 0 || th > INT_MAX || (send && (*send || size < 0)))
        return -1;
    if (strcmp(status, "warmup") == 0) {
        cs->nwarmup++;
        return 0;
    }
    mpb_cell_t *c = cell_get(cs, alloc, wl, size, (int)th);
    note_identity(cs->measure, sizeof cs->measure, &cs->mixed_measure,
                  mpb_table_get(t, r, "measure"), 0);
    note_identity(c->scale, sizeof c->scale, &c->mixed_scale, mpb_table_get(t, r, "scale"), 1);
    if (c->mixed_scale && !cs->mixed_scale)
        cs->mixed_scale = c->workload;
    if (!strcmp(status, "ok")) /* the rows that count as measurements */
        note_build(cs, c, mpb_table_get(t, r, "build_id"));
    if (repeated(cs, c, mpb_table_get(t, r, "rep"), path, r))
        return 0;
    if (strcmp(status, "ok") == 0 && !row_values_ok(t, r, colidx, path)) {
        cs->nbad++;
        fail_add(c, "bad-value");
    } else if (strcmp(status, "ok") == 0) {
        c->n_ok++;
        values_add(cs, c, t, r, colidx);
    } else {
        fail_add(c, status);
    }
    if (c->n_ok + c->n_failed > cs->max_rep)
        cs->max_rep = c->n_ok + c->n_failed;
    return 0;
}

/* Rank of an allocator in tables and plots: the baselines first, then the
 * rivals (user space, then kernel-sim's), any other allocator (a .so by
 * path or NAME=PATH), then mpalloc and its variants. */
static int alloc_rank(const char *a) {
    static const char *order[] = {MPB_BASELINE, "jemalloc",   "tcmalloc", "mimalloc", "tbbmalloc",
                                  "scudo",      "buddy-slab", "magazine", "first-fit"};
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i < n; i++)
        if (strcmp(a, order[i]) == 0)
            return (int)i;
    if (strcmp(a, "mpalloc") == 0)
        return (int)n + 1;
    return strncmp(a, "mpalloc-", 8) == 0 ? (int)n + 2 : (int)n;
}

void mpb_cells_order(char **names, size_t n) {
    for (size_t i = 1; i < n; i++) {
        char *a = names[i];
        size_t j = i;
        for (; j > 0 && alloc_rank(names[j - 1]) > alloc_rank(a); j--)
            names[j] = names[j - 1];
        names[j] = a;
    }
}

/* The baseline of the set: glibc, else kernel-sim's buddy-slab, else none. */
static void pick_baseline(mpb_cellset_t *cs) {
    static const char *cands[] = {MPB_BASELINE, MPB_KERNEL_BASELINE};
    for (size_t k = 0; k < 2 && !cs->baseline[0]; k++)
        for (size_t i = 0; i < cs->nallocs; i++)
            if (strcmp(cs->allocs[i], cands[k]) == 0)
                mpb_copy(cs->baseline, sizeof cs->baseline, cands[k]);
}

static int check_columns(const mpb_table_t *t, const char *path) {
    static const char *need[] = {"allocator", "workload", "threads", "status"};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
        if (mpb_table_col(t, need[i]) < 0) {
            fprintf(stderr, "mpbench: %s: no column '%s'\n", path, need[i]);
            return -1;
        }
    }
    return 0;
}

/* The first row of t outside the matrix meta.json describes (a rep beyond
 * its --repeat, a thread count it did not run), in words into why; 0 when
 * every row is inside it or meta.json has no matrix (kernel-sim, fixtures).
 * Such a row was not written by the run: joined from another results.csv
 * or edited by hand. */
static int outside_matrix(const char *dir, const mpb_table_t *t, char *why, size_t len) {
    char path[4200];
    json_t *meta = mpb_json_load(mpb_path(path, sizeof path, dir, "meta.json"));
    const json_t *m = json_object_get(meta, "matrix");
    const json_t *jr = json_object_get(m, "repeat"), *jt = json_object_get(m, "threads");
    int bad = 0;
    for (size_t r = 0; json_is_integer(jr) && json_is_array(jt) && r < t->nrows && !bad; r++) {
        long rep, th;
        size_t i;
        const json_t *v;
        int known = 0;
        if (!strcmp(mpb_table_get(t, r, "status"), "warmup") ||
            mpb_parse_long(mpb_table_get(t, r, "rep"), 0, LONG_MAX, &rep) ||
            mpb_parse_long(mpb_table_get(t, r, "threads"), 1, INT_MAX, &th))
            continue;
        json_array_foreach(jt, i, v) known |= json_integer_value(v) == th;
        if (rep < 1 || rep > json_integer_value(jr))
            bad = 1, mpb_fmt(why, len, "line %zu: rep %ld, but the run's --repeat was %lld", r + 2,
                             rep, (long long)json_integer_value(jr));
        else if (!known)
            bad = 1,
            mpb_fmt(why, len, "line %zu: %ld threads, a count the run did not have", r + 2, th);
    }
    json_decref(meta);
    return bad;
}

int mpb_cells_load(const char *dir, mpb_cellset_t *cs) {
    char path[4096];
    mpb_table_t t;
    int colidx[MPB_NMETRIC];
    memset(cs, 0, sizeof *cs);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (mpb_table_load(path, &t) < 0)
        return -1;
    if (check_columns(&t, path) < 0) {
        mpb_table_free(&t);
        return -1;
    }
    char why[300];
    if (outside_matrix(dir, &t, why, sizeof why)) {
        fprintf(stderr,
                "mpbench: %s %s (meta.json matrix): a row this run did not write, joined from "
                "another results.csv or edited by hand; its cell would pool it with the run's "
                "(keep each run in its own folder: `mpbench merge` joins shards)\n",
                path, why);
        mpb_table_free(&t);
        return -1;
    }
    int extra = mpb_table_col(&t, "extra");
    for (int m = 0; m < MPB_NMETRIC; m++) {
        colidx[m] = mpb_table_col(&t, mpb_metrics[m].name);
        if (colidx[m] < 0 && mpb_metrics[m].in_extra && extra >= 0)
            colidx[m] = FROM_EXTRA(extra);
        cs->has_col[m] = colidx[m] != -1;
    }
    for (size_t r = 0; r < t.nrows; r++) {
        const char *x = mpb_table_get(&t, r, "extra"), *w = mpb_table_get(&t, r, "workload");
        if (x && w && strstr(x, "trace=truncated"))
            name_add(&cs->truncated, &cs->ntruncated, w);
        if (row_add(cs, &t, r, colidx, path) < 0)
            fprintf(stderr, "mpbench: %s: row %zu has no allocator/workload/threads; skipped\n",
                    path, r + 2);
        else
            cs->nrows++;
    }
    mpb_table_free(&t);
    mpb_cells_order(cs->allocs, cs->nallocs);
    pick_baseline(cs);
    if (cs->mixed_scale || cs->mixed_measure) {
        fprintf(stderr,
                "mpbench: %s mixes rows of different %s%s: they are not one matrix, "
                "and a cell must not pool them (keep each run in its own folder)\n",
                path, cs->mixed_scale ? "scales for workload " : "measure modes",
                cs->mixed_scale ? cs->mixed_scale : "");
        mpb_cells_free(cs);
        return -1;
    }
    if (cs->mixed_build[0]) {
        fprintf(stderr,
                "mpbench: %s holds runs of two builds under one allocator name (%s): a cell "
                "must not pool them (give each build its own name, --alloc NAME=PATH, or its "
                "own folder)\n",
                path, cs->mixed_build);
        mpb_cells_free(cs);
        return -1;
    }
    return 0;
}

void mpb_cells_free(mpb_cellset_t *cs) {
    for (size_t i = 0; i < cs->ncells; i++) {
        free(cs->cells[i].alloc);
        free(cs->cells[i].workload);
        free(cs->cells[i].test);
        for (int m = 0; m < MPB_NMETRIC; m++)
            free(cs->cells[i].vals[m]);
        free(cs->cells[i].reps);
        free(cs->cells[i].memo);
    }
    for (size_t i = 0; i < cs->nallocs; i++)
        free(cs->allocs[i]);
    for (size_t i = 0; i < cs->nworkloads; i++)
        free(cs->workloads[i]);
    for (size_t i = 0; i < cs->ntests; i++)
        free(cs->tests[i]);
    for (size_t i = 0; i < cs->ntruncated; i++)
        free(cs->truncated[i]);
    free(cs->truncated);
    free(cs->tests);
    free(cs->sizes);
    free(cs->cells);
    free(cs->allocs);
    free(cs->workloads);
    free(cs->threads);
    memset(cs, 0, sizeof *cs);
}

int mpb_cells_time_metric(const mpb_cellset_t *cs, const mpb_cell_t *c) {
    if (!cs->present[MPB_M_WALL] && cs->present[MPB_M_CYCLES])
        return MPB_M_CYCLES;
    if (!strcmp(cs->measure, "instructions") && c->nvals[MPB_M_INSN])
        return MPB_M_INSN;
    return c->nvals[MPB_M_REPLAY] ? MPB_M_REPLAY : MPB_M_WALL;
}

int mpb_cells_has_baseline(const mpb_cellset_t *cs) { return cs->baseline[0] != '\0'; }

static int cell_stat(const mpb_cellset_t *cs, const mpb_cell_t *c, int m, mpb_cellstat_t *out) {
    memset(out, 0, sizeof *out);
    out->ratio.ratio = out->ratio.lo = out->ratio.hi = NAN;
    if (mpb_stats_describe(c->vals[m], c->nvals[m], &out->st) < 0)
        return -1;
    out->noisy = mpb_stats_noisy(&out->st);
    const mpb_cell_t *b =
        cs->baseline[0] ? mpb_cells_find(cs, cs->baseline, c->workload, c->threads) : NULL;
    if (b && b->nvals[m] > 0 &&
        mpb_stats_ratio(c->vals[m], c->nvals[m], b->vals[m], b->nvals[m], &out->ratio) == 0)
        out->has_ratio = 1;
    return 0;
}

int mpb_cells_stat(const mpb_cellset_t *cs, const mpb_cell_t *c, int m, mpb_cellstat_t *out) {
    mpb_cellmemo_t *k = c->memo ? &c->memo[m] : NULL;
    if (!k)
        return cell_stat(cs, c, m, out);
    if (!k->state)
        k->state = cell_stat(cs, c, m, &k->s) == 0 ? 1 : -1;
    *out = k->s;
    return k->state > 0 ? 0 : -1;
}

const char *mpb_cells_label(const char *alloc, char *buf, size_t len) {
    const char *base = strrchr(alloc, '/');
    base = base ? base + 1 : alloc;
    if (base == alloc && !strstr(alloc, ".so"))
        return alloc;
    if (strncmp(base, "lib", 3) == 0 && base[3])
        base += 3;
    size_t n = strcspn(base, ".");
    snprintf(buf, len, "%.*s", (int)(n ? n : strlen(base)), base);
    return buf;
}
