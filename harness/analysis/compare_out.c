/* compare's summary per workload and its exports (compare_out.h). A row's
 * class comes from its verdict and the words compare printed for it (the
 * control's "control MOVED" and "not judged: drift" are compare's own). */
#include "analysis/compare_out.h"
#include "common/json.h"
#include "common/outfmt.h"
#include "common/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { K_BETTER, K_WORSE, K_SAME, K_FEW, K_DRIFT, K_MOVED, K_N };
static const char *const kind_word[K_N] = {
    "better", "WORSE", "same", "too few runs", "drift (not judged)", "control MOVED"};

void mpb_cmpout_add(mpb_cmpout_t *o, const mpb_cell_t *a, const mpb_cell_t *b,
                    const mpb_verdict_t *v, const char *words) {
    if (o->n == o->cap)
        o->rows = mpb_xrealloc(o->rows, (o->cap = o->cap * 2 + 16) * sizeof *o->rows);
    mpb_cmprow_t *r = &o->rows[o->n++];
    r->a = a, r->b = b, r->v = *v;
    mpb_copy(r->words, sizeof r->words, words);
}

static int kind_of(const mpb_cmprow_t *r) {
    if (!strncmp(r->words, "control MOVED", 13))
        return K_MOVED;
    if (!strncmp(r->words, "not judged: drift", 17))
        return K_DRIFT;
    if (r->v.v == MPB_V_UNJUDGED)
        return K_FEW;
    return r->v.v == MPB_V_BETTER ? K_BETTER : r->v.v == MPB_V_WORSE ? K_WORSE : K_SAME;
}

/* 1 for the time-like metrics, whose words are faster/slower. */
static int speed(int m) {
    return m == MPB_M_WALL || m == MPB_M_OPS || m == MPB_M_INSN || m == MPB_M_TASKCLK ||
           m == MPB_M_USER || m == MPB_M_SYS || m == MPB_M_CYCLES || m == MPB_M_NS ||
           m == MPB_M_REPLAY || m == MPB_M_ALLOC;
}

/* 1 when either side of the row is noisy in the metric. */
static int row_noisy(const mpb_cmprow_t *r, int m) {
    mpb_stat_t sa, sb;
    return (mpb_stats_describe(r->a->vals[m], r->a->nvals[m], &sa) == 0 && mpb_stats_noisy(&sa)) ||
           (mpb_stats_describe(r->b->vals[m], r->b->nvals[m], &sb) == 0 && mpb_stats_noisy(&sb));
}

/* One workload's summary line. */
static void workload_line(FILE *f, const mpb_cmpout_t *o, const char *w) {
    size_t count[K_N] = {0}, noisy = 0;
    const mpb_cmprow_t *big[2] = {NULL, NULL}; /* largest better, largest worse */
    for (size_t i = 0; i < o->n; i++) {
        const mpb_cmprow_t *r = &o->rows[i];
        if (strcmp(r->a->test, w) && strcmp(r->a->workload, w))
            continue;
        int k = kind_of(r);
        count[k]++;
        noisy += row_noisy(r, o->metric);
        double d = fabs(log(r->v.r.ratio));
        if (k <= K_WORSE && (!big[k] || d > fabs(log(big[k]->v.r.ratio))))
            big[k] = r;
    }
    int sp = speed(o->metric);
    fprintf(f, "  %s:", w);
    const char *sep = "";
    for (int k = 0; k < K_N; k++)
        if (count[k]) {
            const char *word = k == K_BETTER  ? (sp ? "faster" : "better")
                               : k == K_WORSE ? (sp ? "SLOWER" : "WORSE")
                                              : kind_word[k];
            fprintf(f, "%s %zu %s", sep, count[k], word);
            sep = ",";
        }
    for (int k = 0; k < 2; k++)
        if (big[k])
            fprintf(f, "; %s %s t%d x%s [%s, %s]", k ? "worst" : "best", big[k]->a->alloc,
                    big[k]->a->threads, mpb_fmt_ratio(big[k]->v.r.ratio).s,
                    mpb_fmt_ratio(big[k]->v.r.lo).s, mpb_fmt_ratio(big[k]->v.r.hi).s);
    if (noisy)
        fprintf(f, "; %zu noisy cell%s", noisy, noisy == 1 ? "" : "s");
    fputc('\n', f);
}

void mpb_cmpout_print(FILE *f, const mpb_cmpout_t *o) {
    mpb_strlist_t wls = {0};
    for (size_t i = 0; i < o->n; i++) {
        int seen = 0;
        for (size_t k = 0; k < wls.n; k++)
            seen |= !strcmp(wls.v[k], o->rows[i].a->workload);
        if (!seen)
            mpb_strlist_add(&wls, o->rows[i].a->workload);
    }
    if (wls.n)
        fprintf(f, "\nSummary by workload (%s, B/A; a verdict needs %d ok runs per side):\n",
                mpb_metrics[o->metric].name, MPB_VERDICT_MIN_RUNS);
    for (size_t k = 0; k < wls.n; k++)
        workload_line(f, o, wls.v[k]);
    mpb_strlist_free(&wls);
}

static const char *exit_word(int rc) {
    return rc == 0 ? "ok" : rc == 1 ? "REGRESSION" : rc == 3 ? "INCONCLUSIVE" : "bad input";
}

/* A number for JSON: null when NAN. */
static json_t *num(double v) { return isnan(v) || isinf(v) ? json_null() : json_real(v); }

/* One side of a row. */
static json_t *side(const mpb_cell_t *c, int m) {
    json_t *o = json_object();
    mpb_stat_t s;
    json_object_set_new(o, "n_ok", json_integer((json_int_t)c->n_ok));
    json_object_set_new(o, "n_failed", json_integer((json_int_t)c->n_failed));
    if (mpb_stats_describe(c->vals[m], c->nvals[m], &s) == 0) {
        json_object_set_new(o, "median", num(s.median));
        json_object_set_new(o, "min", num(s.min));
        json_object_set_new(o, "max", num(s.max));
        json_object_set_new(o, "noisy", json_boolean(mpb_stats_noisy(&s)));
    }
    return o;
}

/* The cells of x that y lacks, as [{allocator, workload, threads}]. */
static json_t *only_in(const mpb_cellset_t *x, const mpb_cellset_t *y) {
    json_t *l = json_array();
    for (size_t i = 0; i < x->ncells; i++) {
        const mpb_cell_t *c = &x->cells[i];
        if (mpb_cells_find(y, c->alloc, c->workload, c->threads))
            continue;
        json_t *e = json_object();
        mpb_json_set_text(e, "allocator", c->alloc);
        mpb_json_set_text(e, "workload", c->workload);
        json_object_set_new(e, "threads", json_integer(c->threads));
        json_array_append_new(l, e);
    }
    return l;
}

int mpb_cmpout_json(const mpb_cmpout_t *o, const mpb_cellset_t *a, const mpb_cellset_t *b, int rc,
                    const char *path) {
    json_t *j = json_object(), *rows = json_array();
    mpb_json_set_text(j, "a", o->a);
    mpb_json_set_text(j, "b", o->b);
    mpb_json_set_text(j, "metric", mpb_metrics[o->metric].name);
    json_object_set_new(j, "threshold", json_real(o->threshold));
    json_object_set_new(j, "verdict_min_runs", json_integer(MPB_VERDICT_MIN_RUNS));
    json_object_set_new(j, "exit_status", json_integer(rc));
    mpb_json_set_text(j, "verdict", exit_word(rc));
    for (size_t i = 0; i < o->n; i++) {
        const mpb_cmprow_t *r = &o->rows[i];
        json_t *e = json_object();
        mpb_json_set_text(e, "allocator", r->a->alloc);
        mpb_json_set_text(e, "workload", r->a->workload);
        json_object_set_new(e, "threads", json_integer(r->a->threads));
        json_object_set_new(e, "a", side(r->a, o->metric));
        json_object_set_new(e, "b", side(r->b, o->metric));
        json_object_set_new(e, "ratio", num(r->v.r.ratio));
        json_object_set_new(e, "ratio_ci_lo", num(r->v.r.lo));
        json_object_set_new(e, "ratio_ci_hi", num(r->v.r.hi));
        mpb_json_set_text(e, "class", kind_word[kind_of(r)]);
        mpb_json_set_text(e, "verdict", r->words);
        json_array_append_new(rows, e);
    }
    json_object_set_new(j, "cells", rows);
    json_object_set_new(j, "only_in_a", only_in(a, b));
    json_object_set_new(j, "only_in_b", only_in(b, a));
    int ok = mpb_json_save(path, j);
    if (ok != 0)
        perror(path);
    json_decref(j);
    return ok;
}

int mpb_cmpout_markdown(const mpb_cmpout_t *o, const mpb_cellset_t *a, const mpb_cellset_t *b,
                        int rc, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    int m = o->metric;
    fprintf(f,
            "# mpbench compare\n\n- A: `%s`\n- B: `%s`\n- metric: %s, B/A of medians with a "
            "95%% bootstrap interval; threshold %.1f%%; a verdict needs %d ok runs per side\n"
            "- verdict: **%s** (exit %d)\n\n",
            o->a, o->b, mpb_metrics[m].name, 100 * o->threshold, MPB_VERDICT_MIN_RUNS,
            exit_word(rc), rc);
    fputs("| workload | allocator | threads | median A | median B | B/A [95% CI] | change | "
          "verdict |\n|---|---|---:|---:|---:|---:|---:|---|\n",
          f);
    for (size_t i = 0; i < o->n; i++) {
        const mpb_cmprow_t *r = &o->rows[i];
        fprintf(f, "| %s | %s | %d | %s | %s | %s [%s, %s] | %+.1f%% | %s%s |\n", r->a->workload,
                r->a->alloc, r->a->threads,
                mpb_fmt_human(mpb_stats_median(r->a->vals[m], r->a->nvals[m])).s,
                mpb_fmt_human(mpb_stats_median(r->b->vals[m], r->b->nvals[m])).s,
                mpb_fmt_ratio(r->v.r.ratio).s, mpb_fmt_ratio(r->v.r.lo).s,
                mpb_fmt_ratio(r->v.r.hi).s, 100.0 * (r->v.r.ratio - 1.0), r->words,
                row_noisy(r, m) ? " (noisy)" : "");
    }
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < a->ncells; i++)
        na += !mpb_cells_find(b, a->cells[i].alloc, a->cells[i].workload, a->cells[i].threads);
    for (size_t i = 0; i < b->ncells; i++)
        nb += !mpb_cells_find(a, b->cells[i].alloc, b->cells[i].workload, b->cells[i].threads);
    fprintf(f, "\n%zu cells only in A (missing in B), %zu only in B (new).\n", na, nb);
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

void mpb_cmpout_free(mpb_cmpout_t *o) {
    free(o->rows);
    memset(o, 0, sizeof *o);
}
