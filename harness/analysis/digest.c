/* The digest of a folder (digest.h): rankings per (workload, threads) by
 * each cell's time metric, verdicts against the fastest by the one rule of
 * verdict.h, warnings, and the Markdown and JSON exports built on them. */
#include "analysis/digest.h"
#include "analysis/verdict.h"
#include "run/machload.h"
#include "common/csvio.h"
#include "common/outfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One allocator's entry in a group, and the group: one workload and
 * thread count, entries fastest first. */
typedef struct entry {
    const mpb_cell_t *c;
    mpb_stat_t st;
    int noisy;
    int failed;      /* runs of this cell or the fastest's did not end ok: no verdict */
    mpb_verdict_t v; /* this entry / the fastest's (the fastest: unused) */
} entry_t;

typedef struct group {
    const char *workload;
    int threads, metric;
    entry_t *e;
    size_t n;
    const mpb_cell_t **lost; /* cells of the group with no ok run: in no ranking */
    size_t nlost;
} group_t;

static int entry_cmp(const void *x, const void *y) {
    const entry_t *a = x, *b = y;
    return (a->st.median > b->st.median) - (a->st.median < b->st.median);
}

/* The group of workload w at threads t (n == 0 when no cell has a time;
 * cells that ran but have no time, every run failed, in g.lost). */
static group_t group_of(const mpb_cellset_t *cs, const char *w, int t) {
    group_t g = {w, t,    MPB_M_WALL, mpb_xrealloc(NULL, (cs->nallocs + 1) * sizeof(entry_t)),
                 0, NULL, 0};
    g.lost = mpb_xrealloc(NULL, (cs->nallocs + 1) * sizeof *g.lost);
    for (size_t a = 0; a < cs->nallocs; a++) {
        const mpb_cell_t *c = mpb_cells_find(cs, cs->allocs[a], w, t);
        int m = c ? mpb_cells_time_metric(cs, c) : MPB_M_WALL;
        entry_t *e = &g.e[g.n];
        memset(e, 0, sizeof *e);
        if (c && !c->nvals[m] && c->n_failed)
            g.lost[g.nlost++] = c;
        if (!c || mpb_stats_describe(c->vals[m], c->nvals[m], &e->st) < 0)
            continue;
        e->c = c, e->noisy = mpb_stats_noisy(&e->st), g.metric = m;
        g.n++;
    }
    qsort(g.e, g.n, sizeof *g.e, entry_cmp);
    /* A median of the runs that survived is no ground for a verdict: the
     * runs lost (a timeout, a crash) may be the slow ones. */
    for (size_t i = 1; i < g.n; i++) {
        mpb_verdict_judge(g.e[i].c->vals[g.metric], g.e[i].c->nvals[g.metric],
                          g.e[0].c->vals[g.metric], g.e[0].c->nvals[g.metric], 0, 0.05, &g.e[i].v);
        if (g.e[i].c->n_failed || g.e[0].c->n_failed)
            g.e[i].failed = 1, g.e[i].v.v = MPB_V_UNJUDGED;
    }
    return g;
}

static void group_free(group_t *g) {
    free(g->e);
    free(g->lost);
}

/* A cell's failed runs by status into buf: "fail x2, timeout x1". */
static const char *fail_list(const mpb_cell_t *c, char *buf, size_t len) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < c->nfails && o < len; k++)
        o += (size_t)mpb_fmt(buf + o, len - o, "%s%s x%zu", k ? ", " : "", c->fails[k].status,
                             c->fails[k].count);
    return buf;
}

/* A median with its unit: seconds as ms or s, counts as they are. */
static const char *with_unit(double v, int m, char *buf, size_t len) {
    if (m == MPB_M_WALL || m == MPB_M_REPLAY)
        mpb_fmt(buf, len, v < 1 ? "%.1f ms" : "%.3f s", v < 1 ? v * 1e3 : v);
    else
        mpb_fmt(buf, len, "%s%s", mpb_fmt_human(v).s, m == MPB_M_INSN ? " insn" : "");
    return buf;
}

static const char *metric_words(int m) {
    return m == MPB_M_REPLAY   ? "replay time"
           : m == MPB_M_INSN   ? "instructions"
           : m == MPB_M_CYCLES ? "cycles per op"
                               : "wall time";
}

/* The names of the entries of g with verdict v after the fastest, "a, b". */
static void names_with(const group_t *g, int v, char *buf, size_t len, size_t *n, size_t *runs) {
    size_t o = 0;
    *n = 0;
    buf[0] = '\0';
    for (size_t i = 1; i < g->n; i++)
        if (g->e[i].v.v == v && !g->e[i].failed && o < len) {
            o += (size_t)mpb_fmt(buf + o, len - o, "%s%s", (*n)++ ? ", " : "", g->e[i].c->alloc);
            *runs = g->e[i].v.na < g->e[i].v.nb ? g->e[i].v.na : g->e[i].v.nb;
        }
}

/* "; not judged against a, b (runs failed: ...)" for the entries of g whose
 * cell or the fastest's lost runs. */
static void failed_names(FILE *f, const group_t *g, const char *sep) {
    size_t n = 0;
    for (size_t i = 1; i < g->n; i++)
        if (g->e[i].failed)
            fprintf(f, "%s%s", n++ ? ", " : (fprintf(f, "%s not judged against ", sep), ""),
                    g->e[i].c->alloc);
    if (!n)
        return;
    fputs(" (runs that did not end ok:", f);
    for (size_t i = 0, k = 0; i < g->n; i++)
        if (g->e[i].c->n_failed)
            fprintf(f, "%s %s %zu of %zu", k++ ? "," : "", g->e[i].c->alloc, g->e[i].c->n_failed,
                    g->e[i].c->n_failed + g->e[i].c->n_ok);
    fputs("; a median of the runs that survived)", f);
}

/* The verdict line of a group: who the fastest beat, and by how much; who
 * it did not beat beyond the interval; who could not be judged. */
static void verdict_line(FILE *f, const group_t *g) {
    const char *best = g->e[0].c->alloc, *sep = "";
    char same[512], unj[512];
    size_t nsame, nunj, beat = 0, runs = 0;
    fprintf(f, "      %s", best);
    for (size_t i = 1; i < g->n; i++) {
        const mpb_verdict_t *v = &g->e[i].v;
        if (v->v != MPB_V_WORSE)
            continue;
        fprintf(f, "%s %sx [%s, %s] faster than %s", beat++ ? "," : " ran",
                mpb_fmt_ratio(v->r.ratio).s, mpb_fmt_ratio(v->r.lo).s, mpb_fmt_ratio(v->r.hi).s,
                g->e[i].c->alloc);
        sep = ";";
    }
    names_with(g, MPB_V_SAME, same, sizeof same, &nsame, &runs);
    names_with(g, MPB_V_UNJUDGED, unj, sizeof unj, &nunj, &runs);
    if (!beat)
        fputs(" is first by median", f), sep = ",";
    if (nsame)
        fprintf(f, "%s %swithin the interval of %s", sep, beat ? "" : "but ", same), sep = ";";
    if (nunj)
        fprintf(f, "%s not judged against %s (%zu ok run%s in a cell; %d needed)", sep, unj, runs,
                runs == 1 ? "" : "s", MPB_VERDICT_MIN_RUNS),
            sep = ";";
    failed_names(f, g, sep);
    fputc('\n', f);
}

/* The ranking line: "churn t1 (wall time)  mpalloc 212 ms < glibc 310 ms*". */
static void rank_line(FILE *f, const group_t *g) {
    char buf[64];
    fprintf(f, "  %s, %d thread%s (%s):", g->workload, g->threads, g->threads == 1 ? "" : "s",
            metric_words(g->metric));
    for (size_t i = 0; i < g->n; i++) {
        const mpb_cell_t *c = g->e[i].c;
        int timed = g->metric == MPB_M_WALL || g->metric == MPB_M_REPLAY;
        int brief = timed && g->e[i].st.median < MPB_SHORT_RUN_S;
        char flags[96] = "";
        size_t o = 0;
        if (g->e[i].noisy)
            o += (size_t)mpb_fmt(flags + o, sizeof flags - o, "noisy");
        if (brief)
            o += (size_t)mpb_fmt(flags + o, sizeof flags - o, "%stoo short", o ? ", " : "");
        if (c->n_failed)
            mpb_fmt(flags + o, sizeof flags - o, "%s%zu of %zu runs failed", o ? ", " : "",
                    c->n_failed, c->n_failed + c->n_ok);
        fprintf(f, "%s%s %s%s%s%s", i ? " < " : " ", c->alloc,
                with_unit(g->e[i].st.median, g->metric, buf, sizeof buf), flags[0] ? " (" : "",
                flags, flags[0] ? ")" : "");
    }
    for (size_t i = 0; i < g->nlost; i++) {
        char fails[200];
        fprintf(f, "%s%s (%s)",
                i      ? ", "
                : g->n ? "; no ok run: "
                       : " no ok run: ",
                g->lost[i]->alloc, fail_list(g->lost[i], fails, sizeof fails));
    }
    fputc('\n', f);
}

void mpb_digest_print(FILE *f, const mpb_analysis_t *an) {
    const mpb_cellset_t *cs = &an->cs;
    fprintf(f,
            "\nSummary of %s (medians; \"faster\" only where the 95%% interval of the ratio "
            "excludes 1, from %d ok runs per cell):\n",
            an->dir, MPB_VERDICT_MIN_RUNS);
    for (size_t w = 0; w < cs->nworkloads; w++)
        for (size_t t = 0; t < cs->nthreads; t++) {
            group_t g = group_of(cs, cs->workloads[w], cs->threads[t]);
            if (g.n || g.nlost)
                rank_line(f, &g);
            if (g.n > 1)
                verdict_line(f, &g);
            group_free(&g);
        }
    mpb_strlist_t warn = {0};
    mpb_digest_warnings(an, &warn);
    for (size_t i = 0; i < warn.n; i++)
        fprintf(f, "%s%s\n", i ? "  - " : "Warnings:\n  - ", warn.v[i]);
    mpb_strlist_free(&warn);
}

/* ------------------------------------------------------------ warnings */

/* 1 when workload w of folder dir is a --command (meta.json's commands). */
static int is_command(const json_t *meta, const char *w) {
    return json_object_get(json_object_get(json_object_get(meta, "matrix"), "commands"), w) != NULL;
}

/* Short runs: per workload, its shortest cell; a scale suggestion where the
 * workload takes one. */
static void short_runs(const mpb_cellset_t *cs, const json_t *meta, mpb_strlist_t *out) {
    size_t nshort = 0, ntimed = 0;
    char line[1024], fixes[4096] = "", buf[64];
    double shortest = INFINITY;
    const mpb_cell_t *sc = NULL;
    for (size_t w = 0; w < cs->nworkloads; w++) {
        double least = INFINITY;
        const mpb_cell_t *lc = NULL;
        for (size_t i = 0; i < cs->ncells; i++) {
            const mpb_cell_t *c = &cs->cells[i];
            int m = mpb_cells_time_metric(cs, c);
            if (strcmp(c->workload, cs->workloads[w]) || (m != MPB_M_WALL && m != MPB_M_REPLAY) ||
                !c->nvals[m])
                continue;
            double med = mpb_stats_median(c->vals[m], c->nvals[m]);
            ntimed++;
            nshort += med < MPB_SHORT_RUN_S;
            if (med < least)
                least = med, lc = c;
        }
        if (!lc || least >= MPB_SHORT_RUN_S)
            continue;
        if (least < shortest)
            shortest = least, sc = lc;
        size_t n = strlen(fixes);
        double scale = lc->scale[0] ? strtod(lc->scale, NULL) : 0;
        double x = MPB_TARGET_RUN_S / (least > 1e-6 ? least : 1e-6);
        if (lc->nvals[MPB_M_REPLAY])
            mpb_fmt(fixes + n, sizeof fixes - n, "%s%s (a replay: record a longer run)",
                    n ? "; " : "", lc->workload);
        else if (is_command(meta, lc->workload))
            mpb_fmt(fixes + n, sizeof fixes - n, "%s%s (a command: give it about %.2gx the work)",
                    n ? "; " : "", lc->workload, x);
        else if (scale <= 0)
            mpb_fmt(fixes + n, sizeof fixes - n, "%s%s (about %.2gx its scale)", n ? "; " : "",
                    lc->workload, x);
        else
            mpb_fmt(fixes + n, sizeof fixes - n, "%s%s@%.2g (now %g)", n ? "; " : "", lc->workload,
                    scale * x, scale);
    }
    if (!nshort)
        return;
    mpb_fmt(line, sizeof line,
            "%zu of %zu cells ran under %.0f ms (shortest: %s, %s %s t%d): process start-up and "
            "timer noise dominate there, and their ratios mean little. Scales that reach "
            "%.0f ms: %s",
            nshort, ntimed, MPB_SHORT_RUN_S * 1e3, with_unit(shortest, MPB_M_WALL, buf, sizeof buf),
            sc->alloc, sc->workload, sc->threads, MPB_TARGET_RUN_S * 1e3, fixes);
    mpb_strlist_add(out, line);
}

/* Noisy cells of the time metric and of peak RSS. */
static void noisy_cells(const mpb_cellset_t *cs, mpb_strlist_t *out) {
    size_t n = 0, total = 0;
    char first[300] = "", line[600];
    for (size_t i = 0; i < cs->ncells; i++) {
        const mpb_cell_t *c = &cs->cells[i];
        int ms[2] = {mpb_cells_time_metric(cs, c), MPB_M_RSS}, noisy = 0;
        for (int k = 0; k < 2; k++) {
            mpb_cellstat_t s;
            if (mpb_cells_stat(cs, c, ms[k], &s) == 0 && s.st.n >= 2 && s.noisy && !noisy++ &&
                !first[0])
                mpb_fmt(first, sizeof first, "%s %s t%d, %s %s..%s", c->alloc, c->workload,
                        c->threads, mpb_metrics[ms[k]].name, mpb_fmt_human(s.st.min).s,
                        mpb_fmt_human(s.st.max).s);
        }
        total += c->n_ok >= 2, n += noisy != 0;
    }
    if (!n)
        return;
    mpb_fmt(line, sizeof line,
            "%zu of %zu cells are noisy: their runs disagree by more than %.0f%% (first: %s); "
            "rerun with more --repeat on an idle machine, or with --measure instructions, "
            "before trusting small differences there",
            n, total, MPB_STATS_NOISE_SPREAD * 100, first);
    mpb_strlist_add(out, line);
}

/* Cells with runs that did not end ok: their medians are of the survivors. */
static void failed_cells(const mpb_cellset_t *cs, mpb_strlist_t *out) {
    size_t n = 0;
    char first[300] = "", line[900];
    for (size_t i = 0; i < cs->ncells; i++) {
        const mpb_cell_t *c = &cs->cells[i];
        if (!c->n_failed || !c->n_ok)
            continue;
        if (!n++) {
            size_t o = (size_t)mpb_fmt(first, sizeof first, "%s %s t%d, %zu of %zu:", c->alloc,
                                       c->workload, c->threads, c->n_failed, c->n_failed + c->n_ok);
            for (size_t k = 0; k < c->nfails && o < sizeof first; k++)
                o += (size_t)mpb_fmt(first + o, sizeof first - o, " %s x%zu", c->fails[k].status,
                                     c->fails[k].count);
        }
    }
    if (!n)
        return;
    mpb_fmt(line, sizeof line,
            "%zu cell%s measured with runs that did not end ok (first: %s): %s median is of the "
            "runs that survived, and the runs lost (a timeout, a crash) may be the slow ones, so "
            "no faster or slower is said there; see the status and extra columns of results.csv",
            n, n == 1 ? " was" : "s were", first, n == 1 ? "its" : "each");
    mpb_strlist_add(out, line);
}

/* A folder whose matrix did not finish (meta.json state other than
 * complete): its cells hold fewer runs than asked, some none. */
static void unfinished(const json_t *meta, mpb_strlist_t *out) {
    const char *state = mpb_json_get_text(meta, "state");
    char line[900];
    if (!state || !strcmp(state, "complete"))
        return;
    mpb_fmt(line, sizeof line,
            "the matrix did not finish (state %s%s): cells hold fewer runs than asked, some "
            "none, and an allocator's cells may have stopped at another point than another's; "
            "%s",
            state,
            !strcmp(state, "running")
                ? ": still running, or mpbench was killed mid-matrix (SIGKILL, a crash)"
                : "",
            !strcmp(state, "incomplete") ? "a merge of unfinished shards (--allow-incomplete)"
                                         : "`mpbench run --resume` finishes it");
    mpb_strlist_add(out, line);
}

/* Other work on the machine while the matrix ran (meta.json machine_load,
 * run/machload.h): above MPB_LOAD_WARN_SHARE of the PUs, a warning. */
static void busy_machine(const json_t *meta, mpb_strlist_t *out) {
    const json_t *l = json_object_get(meta, "machine_load");
    double share = json_number_value(json_object_get(l, "others_share"));
    double steal = json_number_value(json_object_get(l, "steal_cpus"));
    char line[600], stolen[64] = "";
    if (!json_is_number(json_object_get(l, "others_share")) || share <= MPB_LOAD_WARN_SHARE)
        return;
    if (steal >= 0.01)
        mpb_fmt(stolen, sizeof stolen, "; %.2f of them stolen by the hypervisor", steal);
    mpb_fmt(line, sizeof line,
            "the machine was busy with other work while the matrix ran: other processes kept "
            "%.2f CPUs busy on average (%.0f%% of its PUs%s): the runs competed with them, and "
            "their numbers are noisier and may drift; rerun on an idle machine before trusting "
            "small differences",
            json_number_value(json_object_get(l, "others_cpus")), share * 100, stolen);
    mpb_strlist_add(out, line);
}

/* Cells where no run ended ok: in no ranking, table ratio or plot. */
static void lost_cells(const mpb_cellset_t *cs, mpb_strlist_t *out) {
    size_t n = 0;
    char first[300] = "", fails[200], line[900];
    for (size_t i = 0; i < cs->ncells; i++) {
        const mpb_cell_t *c = &cs->cells[i];
        if (c->n_ok || !c->n_failed)
            continue;
        if (!n++)
            mpb_fmt(first, sizeof first, "%s %s t%d: %s", c->alloc, c->workload, c->threads,
                    fail_list(c, fails, sizeof fails));
    }
    if (!n)
        return;
    mpb_fmt(line, sizeof line,
            "%zu of %zu cells had no run that ended ok (first: %s): they have no median and "
            "are in no ranking; see the status, exit_code, signal and extra columns of "
            "results.csv, and the runs' logs",
            n, cs->ncells, first);
    mpb_strlist_add(out, line);
}

/* Replays of truncated traces (rows with trace=truncated in extra). */
static void truncated_traces(const mpb_cellset_t *cs, mpb_strlist_t *out) {
    char line[600];
    for (size_t i = 0; i < cs->ntruncated; i++) {
        mpb_fmt(line, sizeof line,
                "%s replays a truncated trace (its program was killed by SIGKILL, or a write "
                "failed): only the calls up to its last whole block were replayed",
                cs->truncated[i]);
        mpb_strlist_add(out, line);
    }
}

void mpb_digest_warnings(const mpb_analysis_t *an, mpb_strlist_t *out) {
    unfinished(an->meta, out);
    busy_machine(an->meta, out);
    short_runs(&an->cs, an->meta, out);
    lost_cells(&an->cs, out);
    failed_cells(&an->cs, out);
    noisy_cells(&an->cs, out);
    truncated_traces(&an->cs, out);
}

void mpb_digest_report(FILE *f, const mpb_analysis_t *an) {
    mpb_strlist_t warn = {0};
    mpb_digest_warnings(an, &warn);
    for (size_t i = 0; i < warn.n; i++)
        fprintf(f, "%s- %s\n", i ? "" : "## Warnings\n\n", warn.v[i]);
    if (warn.n)
        fputc('\n', f);
    mpb_strlist_free(&warn);
}

/* ------------------------------------------------------------ exports */

/* An entry's verdict against the fastest, in words. */
static const char *verdict_text(const entry_t *e) {
    return e->failed               ? "not judged (runs failed)"
           : e->v.v == MPB_V_WORSE ? "slower than the fastest"
           : e->v.v == MPB_V_SAME  ? "within the interval"
                                   : "not judged (too few runs)";
}

/* One group as a Markdown table. */
static void markdown_group(FILE *f, const group_t *g) {
    char b1[64], b2[64], b3[64];
    fprintf(f,
            "### %s, %d thread%s (%s)\n\n| allocator | median | min | max | relative to %s "
            "[95%% CI] | verdict | noisy |\n|---|---:|---:|---:|---:|---|---|\n",
            g->workload, g->threads, g->threads == 1 ? "" : "s", metric_words(g->metric),
            g->n ? g->e[0].c->alloc : "the fastest");
    for (size_t i = 0; i < g->n; i++) {
        const entry_t *e = &g->e[i];
        fprintf(f, "| %s | %s | %s | %s | ", e->c->alloc,
                with_unit(e->st.median, g->metric, b1, sizeof b1),
                with_unit(e->st.min, g->metric, b2, sizeof b2),
                with_unit(e->st.max, g->metric, b3, sizeof b3));
        if (i == 0)
            fputs("1.00 | fastest |", f);
        else if (isnan(e->v.r.lo))
            fprintf(f, "%s | %s |", mpb_fmt_ratio(e->v.r.ratio).s, verdict_text(e));
        else
            fprintf(f, "%s [%s, %s] | %s |", mpb_fmt_ratio(e->v.r.ratio).s,
                    mpb_fmt_ratio(e->v.r.lo).s, mpb_fmt_ratio(e->v.r.hi).s, verdict_text(e));
        fprintf(f, " %s |\n", e->noisy ? "noisy" : "");
    }
    for (size_t i = 0; i < g->nlost; i++) {
        char fails[200];
        fprintf(f, "| %s | - | - | - | - | no ok run (%s) | |\n", g->lost[i]->alloc,
                fail_list(g->lost[i], fails, sizeof fails));
    }
    fputc('\n', f);
}

int mpb_digest_export_markdown(const mpb_analysis_t *an, const char *path) {
    const mpb_cellset_t *cs = &an->cs;
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    fprintf(f,
            "# mpbench: %s\n\nMedians of the ok runs of each cell; *relative* is the ratio "
            "to the fastest allocator's median with its 95%% bootstrap interval, and a "
            "verdict needs %d ok runs per cell.\n\n",
            an->dir, MPB_VERDICT_MIN_RUNS);
    mpb_digest_report(f, an);
    for (size_t w = 0; w < cs->nworkloads; w++)
        for (size_t t = 0; t < cs->nthreads; t++) {
            group_t g = group_of(cs, cs->workloads[w], cs->threads[t]);
            if (g.n || g.nlost)
                markdown_group(f, &g);
            group_free(&g);
        }
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

/* A number for JSON: null when NAN. */
static json_t *num(double v) { return isnan(v) || isinf(v) ? json_null() : json_real(v); }

/* One cell: counts, failures, and every metric's statistics and values. */
static json_t *cell_json(const mpb_cellset_t *cs, const mpb_cell_t *c) {
    json_t *o = json_object(), *ms = json_object(), *fails = json_object();
    mpb_json_set_text(o, "allocator", c->alloc);
    mpb_json_set_text(o, "workload", c->workload);
    json_object_set_new(o, "threads", json_integer(c->threads));
    json_object_set_new(o, "n_ok", json_integer((json_int_t)c->n_ok));
    json_object_set_new(o, "n_failed", json_integer((json_int_t)c->n_failed));
    for (size_t i = 0; i < c->nfails; i++)
        json_object_set_new(fails, c->fails[i].status, json_integer((json_int_t)c->fails[i].count));
    json_object_set_new(o, "failures", fails);
    for (int m = 0; m < MPB_NMETRIC; m++) {
        mpb_cellstat_t s;
        if (!c->nvals[m] || mpb_cells_stat(cs, c, m, &s) < 0)
            continue;
        json_t *e = json_object(), *vals = json_array();
        json_object_set_new(e, "median", num(s.st.median));
        json_object_set_new(e, "min", num(s.st.min));
        json_object_set_new(e, "max", num(s.st.max));
        json_object_set_new(e, "ci_lo", num(s.st.ci_lo));
        json_object_set_new(e, "ci_hi", num(s.st.ci_hi));
        json_object_set_new(e, "ratio_to_baseline", s.has_ratio ? num(s.ratio.ratio) : json_null());
        json_object_set_new(e, "ratio_ci_lo", s.has_ratio ? num(s.ratio.lo) : json_null());
        json_object_set_new(e, "ratio_ci_hi", s.has_ratio ? num(s.ratio.hi) : json_null());
        json_object_set_new(e, "noisy", json_boolean(s.noisy));
        for (size_t k = 0; k < c->nvals[m]; k++)
            json_array_append_new(vals, json_real(c->vals[m][k]));
        json_object_set_new(e, "values", vals);
        json_object_set_new(ms, mpb_metrics[m].name, e);
    }
    json_object_set_new(o, "metrics", ms);
    return o;
}

/* One group: its order and the verdicts against the fastest. */
static json_t *group_json(const group_t *g) {
    json_t *o = json_object(), *order = json_array();
    mpb_json_set_text(o, "workload", g->workload);
    json_object_set_new(o, "threads", json_integer(g->threads));
    mpb_json_set_text(o, "metric", mpb_metrics[g->metric].name);
    for (size_t i = 0; i < g->n; i++) {
        json_t *e = json_object();
        mpb_json_set_text(e, "allocator", g->e[i].c->alloc);
        json_object_set_new(e, "median", num(g->e[i].st.median));
        json_object_set_new(e, "noisy", json_boolean(g->e[i].noisy));
        if (i) {
            json_object_set_new(e, "relative", num(g->e[i].v.r.ratio));
            json_object_set_new(e, "relative_ci_lo", num(g->e[i].v.r.lo));
            json_object_set_new(e, "relative_ci_hi", num(g->e[i].v.r.hi));
            mpb_json_set_text(e, "verdict", verdict_text(&g->e[i]));
        }
        json_array_append_new(order, e);
    }
    json_object_set_new(o, "ranking", order);
    json_t *lost = json_array();
    for (size_t i = 0; i < g->nlost; i++) {
        json_t *e = json_object(), *fails = json_object();
        mpb_json_set_text(e, "allocator", g->lost[i]->alloc);
        for (size_t k = 0; k < g->lost[i]->nfails; k++)
            json_object_set_new(fails, g->lost[i]->fails[k].status,
                                json_integer((json_int_t)g->lost[i]->fails[k].count));
        json_object_set_new(e, "failures", fails);
        json_array_append_new(lost, e);
    }
    json_object_set_new(o, "no_ok_run", lost); /* cells that ran, none ok: in no ranking */
    return o;
}

int mpb_digest_export_json(const mpb_analysis_t *an, const char *path) {
    const mpb_cellset_t *cs = &an->cs;
    json_t *o = json_object(), *cells = json_array(), *groups = json_array(), *warns = json_array();
    mpb_strlist_t warn = {0};
    mpb_json_set_text(o, "folder", an->dir);
    mpb_json_set_text(o, "baseline", cs->baseline);
    json_object_set_new(o, "verdict_min_runs", json_integer(MPB_VERDICT_MIN_RUNS));
    json_object_set_new(o, "meta", an->meta ? json_incref(an->meta) : json_null());
    for (size_t i = 0; i < cs->ncells; i++)
        json_array_append_new(cells, cell_json(cs, &cs->cells[i]));
    for (size_t w = 0; w < cs->nworkloads; w++)
        for (size_t t = 0; t < cs->nthreads; t++) {
            group_t g = group_of(cs, cs->workloads[w], cs->threads[t]);
            if (g.n || g.nlost)
                json_array_append_new(groups, group_json(&g));
            group_free(&g);
        }
    mpb_digest_warnings(an, &warn);
    for (size_t i = 0; i < warn.n; i++)
        json_array_append_new(warns, mpb_json_text(warn.v[i]));
    mpb_strlist_free(&warn);
    json_object_set_new(o, "warnings", warns);
    json_object_set_new(o, "rankings", groups);
    json_object_set_new(o, "cells", cells);
    int rc = mpb_json_save(path, o);
    if (rc != 0)
        perror(path);
    json_decref(o);
    return rc;
}
