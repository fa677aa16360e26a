/* `mpbench compare DIR_A DIR_B` (options: cli/compare_cmd.c): a regression
 * check between two results folders. For each cell in both, the ratio B/A of the medians of one metric
 * with a 95% bootstrap CI (stats.c: both samples resampled, fixed seed), and
 * a verdict by the rule of verdict.h: none without enough runs, same when the
 * CI includes 1 or the change is under the threshold, else faster/slower
 * (better/worse for memory metrics). The baseline allocator (glibc) is the
 * control: when its own cell moved between A and B beyond its noise, the
 * machine drifted, and the other cells of that workload and thread count are
 * not judged. Folders from other machines or environments are compared with
 * a loud warning; an allocator whose build differs between A and B is shown
 * with both builds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/compare_out.h"
#include "analysis/verdict.h"
#include "common/lock.h"
#include "common/outfmt.h"
#include "common/util.h"
#include "run/folderid.h"
#include "run/machload.h"

/* Cells by verdict. */
typedef struct mpb_cmptally {
    size_t better, worse, same; /* judged by the metric */
    size_t few_runs;            /* not judged: too few ok runs on a side */
    size_t drift;               /* not judged: the control moved in their group */
    size_t failed_b;            /* failing more often in B than in A (or only in B) */
    size_t fixed;               /* failing less often in B */
    size_t only_a, only_b;      /* missing in B / new in B */
    size_t uncompared;          /* in both, but without values in one */
    size_t groups, moved;       /* control groups checked / where the control moved */
} mpb_cmptally_t;

/* The control's verdict in one (workload, threads) group. */
typedef struct mpb_control {
    const char *workload;
    int threads;
    mpb_verdict_t v;
} mpb_control_t;

/* Everything one comparison reads. */
typedef struct mpb_cmp {
    const mpb_cellset_t *a, *b;
    const mpb_cmpopts_t *o;
    mpb_folder_t fa, fb;
    const char *control; /* the allocator serving as control (the baseline, else one of the
                            same build in A and B), or NULL */
    mpb_control_t *groups;
    size_t ngroups;
    mpb_cmptally_t t;
    mpb_cmpout_t out; /* the compared cells, for the summary and exports */
} mpb_cmp_t;

/* 1 for metrics where the verdict words are faster/slower. */
static int is_speed(int m) {
    return m == MPB_M_WALL || m == MPB_M_OPS || m == MPB_M_INSN || m == MPB_M_TASKCLK ||
           m == MPB_M_USER || m == MPB_M_SYS || m == MPB_M_CYCLES || m == MPB_M_NS;
}

/* Failures of a cell in words ("2 of 5 runs: crash 2"), into buf. */
static const char *fail_words(const mpb_cell_t *c, char *buf, size_t len) {
    size_t o =
        (size_t)snprintf(buf, len, "%zu of %zu runs failed:", c->n_failed, c->n_ok + c->n_failed);
    for (size_t i = 0; i < c->nfails && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, " %s %zu", c->fails[i].status, c->fails[i].count);
    return buf;
}

/* Share of a cell's runs that failed (0 for no cell). */
static double fail_rate(const mpb_cell_t *c) {
    return c && c->n_failed ? (double)c->n_failed / (double)(c->n_ok + c->n_failed) : 0.0;
}

/* Widths of the workload and allocator columns: the longest name in either
 * folder (a label such as mpalloc-mantissa_bits1 or trace-cc1-O2). */
static int w_wl = 16, w_al = 16;

static void set_widths(const mpb_cellset_t *a, const mpb_cellset_t *b) {
    const mpb_cellset_t *sets[] = {a, b};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < sets[k]->nworkloads; i++)
            if ((int)strlen(sets[k]->workloads[i]) > w_wl)
                w_wl = (int)strlen(sets[k]->workloads[i]);
        for (size_t i = 0; i < sets[k]->nallocs; i++)
            if ((int)strlen(sets[k]->allocs[i]) > w_al)
                w_al = (int)strlen(sets[k]->allocs[i]);
    }
}

/* Prints one line for a cell that is not compared by its metric. */
static void note_line(const mpb_cell_t *c, const char *what) {
    printf("%-*s %-*s %3d  %s\n", w_wl, c->workload, w_al, c->alloc, c->threads, what);
}

/* The failure verdict of a cell: a regression when B fails more often than
 * A (a cell that failed only in B, or a cell only in B that failed). */
static void compare_failures(const mpb_cell_t *ca, const mpb_cell_t *cb, mpb_cmptally_t *t) {
    char buf[256], line[400];
    if (cb && cb->n_failed && fail_rate(cb) > fail_rate(ca)) {
        t->failed_b++;
        snprintf(line, sizeof line, "FAILED in B: %s%s", fail_words(cb, buf, sizeof buf),
                 ca && ca->n_failed ? " (fewer in A)"
                 : ca               ? " (none in A)"
                                    : " (not in A)");
        note_line(cb, line);
    } else if (ca && ca->n_failed && fail_rate(ca) > fail_rate(cb) && cb) {
        t->fixed++;
        snprintf(line, sizeof line, "fewer failures in B than in A (A: %s)",
                 fail_words(ca, buf, sizeof buf));
        note_line(ca, line);
    } else if (ca && cb && ca->n_failed && cb->n_failed) {
        snprintf(line, sizeof line, "failing in both (B: %s)", fail_words(cb, buf, sizeof buf));
        note_line(cb, line);
    }
}

/* The control group of a cell, or NULL when there is no control there. */
static const mpb_control_t *group_of(const mpb_cmp_t *c, const mpb_cell_t *cell) {
    for (size_t i = 0; i < c->ngroups; i++)
        if (c->groups[i].threads == cell->threads && !strcmp(c->groups[i].workload, cell->workload))
            return &c->groups[i];
    return NULL;
}

/* The verdict text of a judged or unjudged cell into buf. */
static const char *cell_words(mpb_cmp_t *c, const mpb_cell_t *ca, const mpb_cell_t *cb,
                              const mpb_verdict_t *v, char *buf, size_t len) {
    int m = c->o->metric, control = c->control && !strcmp(ca->alloc, c->control);
    const mpb_control_t *g = group_of(c, ca);
    if (v->v == MPB_V_UNJUDGED) {
        c->t.few_runs++;
        return mpb_verdict_few_runs(v, buf, len);
    }
    if (control) {
        c->t.same += v->v == MPB_V_SAME;
        c->t.drift += v->v != MPB_V_SAME;
        return mpb_fmt(buf, len, "%s",
                       v->v == MPB_V_SAME ? "same (control: steady)"
                                          : "control MOVED: the machine drifted"),
               buf;
    }
    if (g && g->v.v != MPB_V_SAME && g->v.v != MPB_V_UNJUDGED) {
        mpb_ratio_t rel; /* the cell's ratio to glibc in B over the same in A */
        double mb = mpb_stats_median(cb->vals[m], cb->nvals[m]);
        double ma = mpb_stats_median(ca->vals[m], ca->nvals[m]);
        rel.ratio = (mb / ma) / g->v.r.ratio;
        c->t.drift++;
        return mpb_fmt(buf, len, "not judged: drift (%s moved x%s; relative to it x%s)", c->control,
                       mpb_fmt_ratio(g->v.r.ratio).s, mpb_fmt_ratio(rel.ratio).s),
               buf;
    }
    c->t.better += v->v == MPB_V_BETTER, c->t.worse += v->v == MPB_V_WORSE;
    c->t.same += v->v == MPB_V_SAME;
    return mpb_verdict_word(v->v, is_speed(m));
}

/* Compares one cell of A with B's; prints its line and counts its verdict. */
static void compare_cell(mpb_cmp_t *c, const mpb_cell_t *ca) {
    int m = c->o->metric;
    const mpb_cell_t *cb = mpb_cells_find(c->b, ca->alloc, ca->workload, ca->threads);
    mpb_verdict_t v;
    char words[300];
    if (!cb) {
        c->t.only_a++;
        note_line(ca, "MISSING in B: B has no run of this cell");
        return;
    }
    compare_failures(ca, cb, &c->t);
    if (!ca->nvals[m] || !cb->nvals[m] ||
        mpb_verdict_judge(cb->vals[m], cb->nvals[m], ca->vals[m], ca->nvals[m],
                          mpb_metrics[m].higher_better, c->o->threshold, &v) < 0) {
        c->t.uncompared++;
        if (!ca->n_failed && !cb->n_failed)
            note_line(ca, "no values of the metric in one folder: not compared");
        return;
    }
    const char *w = cell_words(c, ca, cb, &v, words, sizeof words);
    mpb_cmpout_add(&c->out, ca, cb, &v, w);
    printf("%-*s %-*s %3d %10s %10s %7s [%s, %s] %+7.1f%%  %s\n", w_wl, ca->workload, w_al,
           ca->alloc, ca->threads, mpb_fmt_human(mpb_stats_median(ca->vals[m], ca->nvals[m])).s,
           mpb_fmt_human(mpb_stats_median(cb->vals[m], cb->nvals[m])).s, mpb_fmt_ratio(v.r.ratio).s,
           mpb_fmt_ratio(v.r.lo).s, mpb_fmt_ratio(v.r.hi).s, 100.0 * (v.r.ratio - 1.0), w);
}

/* Cells of B that A never ran: new, so not compared; a failing one is a
 * regression all the same. */
static void only_in_b(const mpb_cellset_t *a, const mpb_cellset_t *b, mpb_cmptally_t *t) {
    for (size_t i = 0; i < b->ncells; i++) {
        const mpb_cell_t *c = &b->cells[i];
        if (mpb_cells_find(a, c->alloc, c->workload, c->threads))
            continue;
        t->only_b++;
        if (c->n_failed)
            compare_failures(NULL, c, t);
        else
            note_line(c, "new in B: A has no run of this cell (not compared)");
    }
}

/* The first cell of A whose B counterpart ran at another scale, or NULL. */
static const mpb_cell_t *scale_mismatch(const mpb_cellset_t *a, const mpb_cellset_t *b,
                                        const mpb_cell_t **other) {
    for (size_t i = 0; i < a->ncells; i++) {
        const mpb_cell_t *ca = &a->cells[i];
        *other = mpb_cells_find(b, ca->alloc, ca->workload, ca->threads);
        if (*other && ca->scale[0] && (*other)->scale[0] &&
            strtod(ca->scale, NULL) != strtod((*other)->scale, NULL))
            return ca;
    }
    return NULL;
}

/* Refuses (2) folders whose runs are not comparable: another measure mode,
 * or a cell run at another scale; with --force only warns. Returns 0 or 2. */
static int check_comparable(const mpb_cellset_t *a, const mpb_cellset_t *b,
                            const mpb_cmpopts_t *o) {
    const char *what = NULL, *va = NULL, *vb = NULL;
    const mpb_cell_t *cb = NULL, *ca = scale_mismatch(a, b, &cb);
    char scale_of[300];
    if (a->measure[0] && b->measure[0] && strcmp(a->measure, b->measure))
        what = "measure mode", va = a->measure, vb = b->measure;
    else if (ca) {
        snprintf(scale_of, sizeof scale_of, "scale (workload %s)", ca->workload);
        what = scale_of, va = ca->scale, vb = cb->scale;
    }
    if (!what)
        return 0;
    fprintf(stderr,
            "mpbench compare: %s: A was run with %s %s, B with %s %s: their numbers "
            "are not comparable%s\n",
            o->force ? "warning" : "refused", what, va, what, vb,
            o->force ? " (--force: compared anyway)" : " (--force compares them anyway)");
    return o->force ? 0 : 2;
}

/* Prints a warning both on stderr and above the table. */
static void loud(const char *fmt, const char *what) {
    char line[8192];
    mpb_fmt(line, sizeof line, fmt, what);
    fprintf(stderr, "mpbench compare: WARNING: %s\n", line);
    printf("WARNING: %s\n", line);
}

/* A side whose matrix ran on a machine busy with other work (meta.json
 * machine_load above MPB_LOAD_WARN_SHARE of the PUs): a loud warning. */
static void busy_side(const char *side, const mpb_folder_t *f) {
    const json_t *l = json_object_get(f->meta, "machine_load");
    double share = json_number_value(json_object_get(l, "others_share"));
    char what[200];
    if (!json_is_number(json_object_get(l, "others_share")) || share <= MPB_LOAD_WARN_SHARE)
        return;
    mpb_fmt(what, sizeof what, "%s ran on a busy machine (other processes kept %.2f CPUs, %.0f%%",
            side, json_number_value(json_object_get(l, "others_cpus")), share * 100);
    loud("%s of its PUs, busy while the matrix ran): its numbers are noisier and may have "
         "drifted",
         what);
}

/* Machines and environments that differ between A and B: loud warnings. */
static void warn_context(const mpb_cmp_t *c) {
    char diff[6000];
    if (!c->fa.has_meta || !c->fb.has_meta)
        loud("%s: the machine and builds cannot be checked",
             !c->fa.has_meta ? "A has no meta.json" : "B has no meta.json");
    if (mpb_folder_machine_diff(&c->fa, &c->fb, diff, sizeof diff))
        loud("A and B ran on different machines (%s): a change may be the machine's, "
             "not the allocator's",
             diff);
    if (mpb_folder_workload_diff(&c->fa, &c->fb, diff, sizeof diff))
        loud("a workload of one name ran another program in A and B (%s): its cells compare "
             "two programs",
             diff);
    busy_side("A", &c->fa);
    busy_side("B", &c->fb);
    if (mpb_folder_setup_diff(&c->fa, &c->fb, diff, sizeof diff))
        loud("A and B were measured with other settings (%s, A / B): a change may be the "
             "setting's, not the allocator's",
             diff);
    if (mpb_folder_env_diff(&c->fa, &c->fb, diff, sizeof diff))
        loud("A and B ran with a different allocator environment (%s): a change may be the "
             "setting's",
             diff);
}

/* One build in words: id, flags, commit, dirty, from its record. */
static void build_line(const char *side, const char *id, const json_t *rec) {
    const char *flags = mpb_json_get_text(rec, "flags"), *commit = mpb_json_get_text(rec, "commit");
    printf("    %s: %s", side, id);
    if (json_is_object(rec))
        printf(" (flags '%s', commit %.10s%s, built %s)", flags ? flags + strspn(flags, " ") : "?",
               commit ? commit : "?",
               json_is_true(json_object_get(rec, "dirty")) ? ", dirty tree" : "",
               mpb_json_get_text(rec, "built") ? mpb_json_get_text(rec, "built") : "?");
    putchar('\n');
}

/* The tunables whose compiled values differ between two build records. */
static void tunable_changes(const json_t *ra, const json_t *rb) {
    const json_t *ta = json_object_get(ra, "tunables"), *tb = json_object_get(rb, "tunables");
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach((json_t *)ta, k, v) {
        const char *x = json_string_value(v), *y = mpb_json_get_text(tb, k);
        if (x && y && strcmp(x, y))
            printf("%s %s %s -> %s", n++ ? "," : "    tunables:", k, x, y);
    }
    if (n)
        putchar('\n');
    const char *ca = mpb_json_get_text(ra, "cflags"), *cb = mpb_json_get_text(rb, "cflags");
    const char *xa = mpb_json_get_text(ra, "cc"), *xb = mpb_json_get_text(rb, "cc");
    if (ca && cb && strcmp(ca, cb))
        printf("    compiler options: A '%s'\n                      B '%s'\n", ca, cb);
    if (xa && xb && strcmp(xa, xb))
        printf("    compiler: A %s; B %s\n", xa, xb);
}

/* An allocator whose build differs between A and B: both builds, side by
 * side (the point of a before/after comparison, but no name hides it). */
static int show_builds(const mpb_cmp_t *c) {
    int n = 0;
    for (size_t i = 0; i < c->a->nallocs; i++) {
        const char *name = c->a->allocs[i];
        const char *ia = mpb_folder_build_id(&c->fa, name), *ib = mpb_folder_build_id(&c->fb, name);
        if (!ia || !ib || !strcmp(ia, ib))
            continue;
        if (!n++)
            printf("BUILDS differ between A and B (cells keep the allocator's name; their "
                   "numbers are of these builds):\n");
        const json_t *ra = json_object_get(mpb_folder_alloc(&c->fa, name), "build");
        const json_t *rb = json_object_get(mpb_folder_alloc(&c->fb, name), "build");
        printf("  %s\n", name);
        build_line("A", ia, ra);
        build_line("B", ib, rb);
        tunable_changes(ra, rb);
    }
    if (n) {
        char what[64];
        mpb_fmt(what, sizeof what, "%d allocator%s", n, n == 1 ? "" : "s");
        loud("%s ran as other builds in A and B (listed above): each cell compares the two "
             "builds",
             what);
        putchar('\n');
    }
    return n;
}

/* 1 when allocator name ran in B too. */
static int in_b(const mpb_cmp_t *c, const char *name) {
    for (size_t i = 0; i < c->b->nallocs; i++)
        if (!strcmp(c->b->allocs[i], name))
            return 1;
    return 0;
}

/* The control: the baseline in both (unless its build changed), else the
 * first allocator (rivals before mpalloc builds) whose build id is known
 * and the same in A and B; NULL when nothing but one allocator ran (it is
 * the subject) or none qualifies. A drift of the machine moves every
 * unchanged build alike. */
static const char *pick_control(const mpb_cmp_t *c) {
    const char *base = c->a->baseline;
    if (c->a->nallocs < 2)
        return NULL;
    if (base[0] && !strcmp(base, c->b->baseline)) {
        const char *ia = mpb_folder_build_id(&c->fa, base), *ib = mpb_folder_build_id(&c->fb, base);
        if (!ia || !ib || !strcmp(ia, ib))
            return base;
    }
    for (size_t i = 0; i < c->a->nallocs; i++) {
        const char *n = c->a->allocs[i];
        const char *ia = mpb_folder_build_id(&c->fa, n), *ib = mpb_folder_build_id(&c->fb, n);
        if (strcmp(n, base) && in_b(c, n) && ia && ib && !strcmp(ia, ib))
            return n;
    }
    return NULL;
}

/* Chooses the control (pick_control) and judges it per (workload, threads). */
static void find_control(mpb_cmp_t *c) {
    const char *base = c->control = pick_control(c);
    if (!base)
        return;
    int m = c->o->metric;
    c->groups = mpb_xrealloc(NULL, (c->a->ncells + 1) * sizeof *c->groups);
    for (size_t i = 0; i < c->a->ncells; i++) {
        const mpb_cell_t *ca = &c->a->cells[i];
        const mpb_cell_t *cb = mpb_cells_find(c->b, base, ca->workload, ca->threads);
        mpb_control_t *g = &c->groups[c->ngroups];
        if (strcmp(ca->alloc, base) || !cb ||
            mpb_verdict_judge(cb->vals[m], cb->nvals[m], ca->vals[m], ca->nvals[m],
                              mpb_metrics[m].higher_better, c->o->threshold, &g->v) < 0)
            continue;
        g->workload = ca->workload, g->threads = ca->threads;
        c->ngroups++;
        c->t.groups += g->v.v != MPB_V_UNJUDGED;
        c->t.moved += g->v.v == MPB_V_BETTER || g->v.v == MPB_V_WORSE;
    }
}

/* The control's line under the table. */
static void control_summary(const mpb_cmp_t *c) {
    if (!c->control) {
        printf("control: none (%s): a drift of the machine between A and B cannot be told "
               "from a change\n",
               c->a->nallocs < 2 ? "one allocator only: it is compared itself"
               : !c->a->baseline[0] || strcmp(c->a->baseline, c->b->baseline)
                   ? "no baseline allocator (glibc) ran in both, and no other allocator "
                     "has the same build in A and B"
                   : "the baseline's build differs between A and B, and no other "
                     "allocator has the same build in both");
        return;
    }
    if (strcmp(c->control, c->a->baseline))
        printf("control: %s, whose build is the same in A and B (the baseline %s\n", c->control,
               c->a->baseline[0] && !strcmp(c->a->baseline, c->b->baseline)
                   ? "changed its build)"
                   : "did not run in both)");
    if (!c->t.moved) {
        printf("control: %s steady in %zu of %zu workload/thread groups%s\n", c->control,
               c->t.groups, c->ngroups,
               c->t.groups < c->ngroups ? " (the others have too few runs to tell)" : "");
        return;
    }
    printf("control: %s MOVED in %zu of %zu workload/thread groups:", c->control, c->t.moved,
           c->ngroups);
    for (size_t i = 0; i < c->ngroups; i++)
        if (c->groups[i].v.v == MPB_V_BETTER || c->groups[i].v.v == MPB_V_WORSE)
            printf(" %s t%d x%s [%s, %s];", c->groups[i].workload, c->groups[i].threads,
                   mpb_fmt_ratio(c->groups[i].v.r.ratio).s, mpb_fmt_ratio(c->groups[i].v.r.lo).s,
                   mpb_fmt_ratio(c->groups[i].v.r.hi).s);
    printf(" the machine drifted between A and B, and the other allocators' cells there "
           "are not judged\n");
}

/* The summary line and the exit status (see compare_help). */
static int verdict_of(const mpb_cmp_t *c) {
    const mpb_cmptally_t *t = &c->t;
    int m = c->o->metric, sp = is_speed(m);
    size_t unjudged = t->few_runs + t->drift, n = t->better + t->worse + t->same + unjudged;
    printf("\n%zu cells compared: %zu %s, %zu %s, %zu same, %zu not judged (%zu too few runs, "
           "%zu drift)",
           n, t->better, mpb_verdict_word(MPB_V_BETTER, sp), t->worse,
           mpb_verdict_word(MPB_V_WORSE, sp), t->same, unjudged, t->few_runs, t->drift);
    printf("; %zu failed in B (more than in A), %zu missing in B, %zu new in B\n", t->failed_b,
           t->only_a, t->only_b);
    control_summary(c);
    if (t->worse || t->failed_b || t->only_a) {
        printf("verdict: REGRESSION (%zu %s, %zu failed in B, %zu missing in B)\n", t->worse,
               mpb_verdict_word(MPB_V_WORSE, sp), t->failed_b, t->only_a);
        return 1;
    }
    if (n == 0) {
        fprintf(stderr, "mpbench compare: no cell has %s values in both folders\n",
                mpb_metrics[m].name);
        return 2;
    }
    if (unjudged) {
        printf("verdict: INCONCLUSIVE (%zu of %zu cells not judged: %zu with fewer than %d ok "
               "runs on a side, %zu where the control moved)\n",
               unjudged, n, t->few_runs, MPB_VERDICT_MIN_RUNS, t->drift);
        return 3;
    }
    printf("verdict: ok%s\n", t->only_b ? " (B has cells A lacks: they were not compared)" : "");
    return 0;
}

/* 1 when A and B share at least one cell. */
static int have_common(const mpb_cellset_t *a, const mpb_cellset_t *b) {
    for (size_t i = 0; i < a->ncells; i++)
        if (mpb_cells_find(b, a->cells[i].alloc, a->cells[i].workload, a->cells[i].threads))
            return 1;
    return 0;
}

static int compare_sets(mpb_cmp_t *c) {
    int rc = check_comparable(c->a, c->b, c->o);
    if (rc)
        return rc;
    if (!have_common(c->a, c->b)) {
        fprintf(stderr,
                "mpbench compare: %s and %s have no cell (allocator, workload, threads) in "
                "common: nothing to compare\n",
                c->o->a, c->o->b);
        return 2;
    }
    const mpb_cmpopts_t *o = c->o;
    printf("metric %s: B/A of medians, 95%% bootstrap CI; threshold %.1f%%; a verdict needs "
           "%d ok runs per side\nA = %s\nB = %s\n\n",
           mpb_metrics[o->metric].name, 100.0 * o->threshold, MPB_VERDICT_MIN_RUNS, o->a, o->b);
    warn_context(c);
    show_builds(c);
    find_control(c);
    set_widths(c->a, c->b);
    printf("%-*s %-*s %3s %10s %10s %18s %8s  %s\n", w_wl, "workload", w_al, "allocator", "thr",
           "median A", "median B", "B/A [95% CI]", "change", "verdict");
    for (size_t i = 0; i < c->a->ncells; i++)
        compare_cell(c, &c->a->cells[i]);
    only_in_b(c->a, c->b, &c->t);
    return verdict_of(c);
}

int mpb_compare(const mpb_cmpopts_t *opts) {
    mpb_cmpopts_t o = *opts;
    int rc;
    mpb_cellset_t a, b;
    if (mpb_cells_load(o.a, &a) < 0)
        return 2;
    if (mpb_cells_load(o.b, &b) < 0) {
        mpb_cells_free(&a);
        return 2;
    }
    if (mpb_lock_busy(o.a, "mpbench compare: warning") |
        mpb_lock_busy(o.b, "mpbench compare: warning"))
        fprintf(stderr, "mpbench compare: warning: a folder still being written may lack "
                        "runs: cells can show as missing\n");
    if (o.metric < 0) /* kernel-sim folders have cycles, not wall time */
        o.metric = !a.present[MPB_M_WALL] && a.present[MPB_M_CYCLES] ? MPB_M_CYCLES : MPB_M_WALL;
    mpb_cmp_t c = {.a = &a, .b = &b, .o = &o};
    c.out = (mpb_cmpout_t){.metric = o.metric, .threshold = o.threshold, .a = o.a, .b = o.b};
    mpb_folder_load(o.a, &c.fa);
    mpb_folder_load(o.b, &c.fb);
    rc = compare_sets(&c);
    if (rc != 2)
        mpb_cmpout_print(stdout, &c.out);
    if (rc != 2 && ((o.export_json && mpb_cmpout_json(&c.out, &a, &b, rc, o.export_json) != 0) ||
                    (o.export_md && mpb_cmpout_markdown(&c.out, &a, &b, rc, o.export_md) != 0)))
        rc = 2;
    mpb_cmpout_free(&c.out);
    free(c.groups);
    mpb_folder_free(&c.fa);
    mpb_folder_free(&c.fb);
    mpb_cells_free(&a);
    mpb_cells_free(&b);
    return rc;
}
