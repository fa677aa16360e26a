/* Per-thread efficiency: the thread-scaling numbers of a results folder.
 * E(N) divides the throughput at N threads by N times the throughput at the
 * matrix's smallest thread count, so 1.0 means perfect scaling and 1/E(N) is
 * how much longer each thread's share of work took. On a machine with fewer
 * hardware threads than N the ceiling min(N, P)/N is printed beside it. */
#include "analysis/scaling.h"

#include <math.h>
#include <string.h>

#include "common/outfmt.h"

int mpb_scaling_eff(const mpb_cellset_t *cs, const char *alloc, const char *workload, int threads,
                    mpb_ratio_t *e) {
    e->ratio = e->lo = e->hi = NAN;
    if (cs->nthreads < 2)
        return -1;
    int base = cs->threads[0];
    const mpb_cell_t *n = mpb_cells_find(cs, alloc, workload, threads);
    const mpb_cell_t *b = mpb_cells_find(cs, alloc, workload, base);
    if (!n || !b || !n->nvals[MPB_M_OPS] || !b->nvals[MPB_M_OPS])
        return -1;
    if (mpb_stats_ratio(n->vals[MPB_M_OPS], n->nvals[MPB_M_OPS], b->vals[MPB_M_OPS],
                        b->nvals[MPB_M_OPS], e) < 0)
        return -1;
    double k = (double)base / threads;
    e->ratio *= k, e->lo *= k, e->hi *= k;
    return 0;
}

double mpb_scaling_ceiling(const mpb_cellset_t *cs, int threads, int pus) {
    if (pus < 1 || cs->nthreads < 1)
        return NAN;
    int base = cs->threads[0];
    double n = threads < pus ? threads : pus, b = base < pus ? base : pus;
    return n / b * base / threads;
}

int mpb_scaling_pus(const json_t *meta) {
    json_t *v = json_object_get(meta, "pus");
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int)json_integer_value(v) : 0;
}

/* Writes " v lo hi" for a value with interval, "?" for what is missing. */
static void put_eff(FILE *f, const mpb_ratio_t *e, double *ymax) {
    if (isnan(e->ratio)) {
        fputs(" ? ? ?", f);
        return;
    }
    double lo = isnan(e->lo) ? e->ratio : e->lo, hi = isnan(e->hi) ? e->ratio : e->hi;
    fprintf(f, " %.6g %.6g %.6g", e->ratio, lo, hi);
    *ymax = fmax(*ymax, hi);
}

/* The base row: E = 1 by definition at the smallest thread count, for
 * the allocators that ran there, so every line starts at (B, 1) and a
 * matrix of two thread counts draws lines, not lone points. */
static void base_row(FILE *f, const mpb_cellset_t *cs, const char *workload, int pus) {
    fprintf(f, "%d", cs->threads[0]);
    fputs(pus > 0 ? " 1" : " ?", f);
    for (size_t a = 0; a < cs->nallocs; a++) {
        const mpb_cell_t *b = mpb_cells_find(cs, cs->allocs[a], workload, cs->threads[0]);
        fputs(b && b->nvals[MPB_M_OPS] ? " 1 1 1" : " ? ? ?", f);
    }
    fputc('\n', f);
}

int mpb_scaling_write_dat(const mpb_cellset_t *cs, const char *workload, int pus, const char *path,
                          double *ymax) {
    FILE *f = fopen(path, "w");
    int pts = 0;
    if (!f) {
        perror(path);
        return -1;
    }
    char lb[256];
    fputs("# threads ceiling", f);
    for (size_t a = 0; a < cs->nallocs; a++) {
        const char *l = mpb_cells_label(cs->allocs[a], lb, sizeof lb);
        fprintf(f, " %s %s_lo %s_hi", l, l, l);
    }
    fputc('\n', f);
    if (cs->nthreads > 1)
        base_row(f, cs, workload, pus);
    for (size_t t = 1; t < cs->nthreads; t++) {
        double c = mpb_scaling_ceiling(cs, cs->threads[t], pus);
        fprintf(f, "%d", cs->threads[t]);
        if (isnan(c))
            fputs(" ?", f);
        else
            fprintf(f, " %.6g", c);
        for (size_t a = 0; a < cs->nallocs; a++) {
            mpb_ratio_t e;
            pts += mpb_scaling_eff(cs, cs->allocs[a], workload, cs->threads[t], &e) == 0;
            put_eff(f, &e, ymax);
        }
        fputc('\n', f);
    }
    return fclose(f) == 0 ? pts : -1;
}

static const char scaling_intro[] =
    "Per-thread efficiency **E(N) = (ops/s at N threads / N) / (ops/s at %d thread%s / %d)**:\n"
    "the share of the %d-thread throughput that each of N threads keeps. Work is\n"
    "counted as the workload counts it (`mpbench-ops`: its malloc/free calls), so\n"
    "for workloads whose `-t N` runs N copies of the same work (window-churn,\n"
    "mixed-sizes, churn, pairs, ...) E(N) is time(%d)/time(N), and 1/E(N) is the\n"
    "per-thread time at N threads relative to %d. For workloads that split fixed\n"
    "roles between threads it is the throughput per `-t` thread (prodcons runs one\n"
    "producer and one consumer already at `-t 1`). Entries: median ratio [95%%\n"
    "bootstrap CI]. 1.00 is perfect scaling.\n\n";

/* The ceiling paragraph: what oversubscription allows on this machine. */
static void ceiling_note(FILE *f, const mpb_cellset_t *cs, int pus) {
    if (pus < 1) {
        fputs("meta.json does not give the machine's hardware threads: no ceiling.\n\n", f);
        return;
    }
    int over = 0;
    for (size_t t = 0; t < cs->nthreads; t++)
        over |= cs->threads[t] > pus;
    fprintf(f,
            "*ceiling* is the best E(N) on this machine's %d hardware thread%s if each\n"
            "thread ran as fast as alone: min(N, %d) / N.\n",
            pus, pus == 1 ? "" : "s", pus);
    if (over)
        fprintf(f,
                "Thread counts above %d are oversubscribed: those runs were bound to every\n"
                "hardware thread, and their E(N) measures the allocator under time-slicing\n"
                "(lock holders preempted), not parallel speed-up.\n",
                pus);
    fputc('\n', f);
}

/* One workload's table: a row per thread count above the base. */
static void workload_table(FILE *f, const mpb_cellset_t *cs, const char *wl, int pus) {
    fprintf(f, "### %s\n\n| threads | ceiling |", wl);
    for (size_t a = 0; a < cs->nallocs; a++)
        fprintf(f, " %s |", cs->allocs[a]);
    fputs("\n|---:|---:|", f);
    for (size_t a = 0; a < cs->nallocs; a++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t t = 1; t < cs->nthreads; t++) {
        int n = cs->threads[t];
        fprintf(f, "| %d | %s |", n,
                pus > 0 ? mpb_fmt_ratio(mpb_scaling_ceiling(cs, n, pus)).s : "?");
        for (size_t a = 0; a < cs->nallocs; a++) {
            mpb_ratio_t e;
            if (mpb_scaling_eff(cs, cs->allocs[a], wl, n, &e) < 0)
                fputs(" - |", f);
            else if (isnan(e.lo))
                fprintf(f, " %s |", mpb_fmt_ratio(e.ratio).s);
            else
                fprintf(f, " %s [%s, %s] |", mpb_fmt_ratio(e.ratio).s, mpb_fmt_ratio(e.lo).s,
                        mpb_fmt_ratio(e.hi).s);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

/* "Binding: 1 thread: core 0; 16 threads: all 2 PUs (oversubscribed 8x)."
 * from meta.json's matrix.binding, when it is there. */
static void binding_note(FILE *f, const json_t *meta) {
    const json_t *b = json_object_get(json_object_get(meta, "matrix"), "binding");
    const char *key;
    json_t *v;
    size_t i = 0;
    json_object_foreach((json_t *)b, key, v) if (json_is_string(v))
        fprintf(f, "%s%s thread%s: %s", i++ ? "; " : "Binding: ", key, strcmp(key, "1") ? "s" : "",
                json_string_value(v));
    if (i)
        fputs(".\n\n", f);
}

/* "| wl | N | ideal | alloc: N/... |" rows for the oversubscribed counts:
 * the slowdown 1/E(N) of each thread against alone, beside N / PUs, what it
 * would be if no thread waited for another (16 threads on 2 PUs: 8). */
static void oversub_table(FILE *f, const mpb_cellset_t *cs, int pus) {
    int over = 0;
    for (size_t t = 1; t < cs->nthreads; t++)
        over |= pus > 0 && cs->threads[t] > pus;
    if (!over)
        return;
    fprintf(f,
            "### Oversubscribed: slowdown per thread\n\n"
            "1/E(N), how many times longer each thread's share took than alone (for\n"
            "N-copy workloads: time(N)/time(%d)), against *ideal* = N / %d, the\n"
            "slowdown of threads that only share the %d hardware threads and never\n"
            "wait for one another. Entries: median [95%% bootstrap CI].\n\n"
            "| workload | threads | ideal |",
            cs->threads[0], pus, pus);
    for (size_t a = 0; a < cs->nallocs; a++)
        fprintf(f, " %s |", cs->allocs[a]);
    fputs("\n|---|---:|---:|", f);
    for (size_t a = 0; a < cs->nallocs; a++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t w = 0; w < cs->nworkloads; w++)
        for (size_t t = 1; t < cs->nthreads; t++) {
            int n = cs->threads[t];
            if (n <= pus)
                continue;
            fprintf(f, "| %s | %d | %s |", cs->workloads[w], n, mpb_fmt_ratio((double)n / pus).s);
            for (size_t a = 0; a < cs->nallocs; a++) {
                mpb_ratio_t e;
                if (mpb_scaling_eff(cs, cs->allocs[a], cs->workloads[w], n, &e) < 0 ||
                    !(e.ratio > 0))
                    fputs(" - |", f);
                else if (isnan(e.lo) || !(e.lo > 0))
                    fprintf(f, " %s |", mpb_fmt_ratio(1 / e.ratio).s);
                else
                    fprintf(f, " %s [%s, %s] |", mpb_fmt_ratio(1 / e.ratio).s,
                            mpb_fmt_ratio(1 / e.hi).s, mpb_fmt_ratio(1 / e.lo).s);
            }
            fputc('\n', f);
        }
    fputc('\n', f);
}

void mpb_scaling_report(FILE *f, const mpb_cellset_t *cs, const json_t *meta) {
    if (cs->nthreads < 2 || !cs->present[MPB_M_OPS])
        return;
    int b = cs->threads[0], pus = mpb_scaling_pus(meta);
    fputs("## Thread scaling\n\n", f);
    fprintf(f, scaling_intro, b, b == 1 ? "" : "s", b, b, b, b);
    ceiling_note(f, cs, pus);
    binding_note(f, meta);
    for (size_t w = 0; w < cs->nworkloads; w++)
        workload_table(f, cs, cs->workloads[w], pus);
    oversub_table(f, cs, pus);
    fputs("Plots: `plots/efficiency_<workload>.png` (E(N), one line per allocator, the\n"
          "ceiling dashed) and `plots/scaling_<workload>.png` (ops/s).\n\n",
          f);
}
