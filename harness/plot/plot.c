/* The gnuplot PNGs of a results folder in DIR/plots/ (`mpbench plot DIR`):
 * time_tN.png and rss_tN.png (per workload, normalised to glibc, grouped bars
 * per allocator, error bars = 95% CI of the ratio; one per thread count) and
 * scaling_W.png (ops/s vs threads, one line per allocator; one per workload,
 * when several thread counts ran) and efficiency_W.png (per-thread
 * efficiency vs threads, see scaling.h, with the machine's ceiling). Each
 * plot's .dat and .gp files stay beside it: `cd DIR/plots && gnuplot
 * time_t1.gp` draws it again. gnuplot runs through gnuplot.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/scaling.h"
#include "common/outfmt.h"
#include "common/util.h"
#include "plot/gnuplot.h"
#include "plot/palette.h"
#include "plot/plot.h"
#include "plot/plot_timeline.h"

typedef struct mpb_plotctx {
    const mpb_cellset_t *cs;
    char dir[4096];   /* DIR/plots */
    const char *term; /* gnuplot terminal line */
    int normalised;   /* glibc ran: bars are ratios to it */
    int pus;          /* hardware threads from meta.json, 0: unknown */
    int made, failed; /* PNGs written / gnuplot failures */
} mpb_plotctx_t;

/* Extent of a plot's data: values decide a log scale, intervals the y range. */
typedef struct mpb_yrange {
    double vmin, vmax; /* smallest positive / largest value */
    double lo, hi;     /* smallest positive / largest interval end */
} mpb_yrange_t;

#define MPB_YRANGE_INIT \
    { INFINITY, 0.0, INFINITY, 0.0 }

/* One bar or point: value and interval ("?" in the data file when absent). */
typedef struct mpb_pt {
    double v, lo, hi;
} mpb_pt_t;

/* The point of metric m in one cell: ratio to glibc, or median when no glibc. */
static mpb_pt_t cell_point(const mpb_plotctx_t *px, const mpb_cell_t *c, int m) {
    mpb_pt_t p = {NAN, NAN, NAN};
    mpb_cellstat_t s;
    if (c && m == MPB_M_WALL) /* the time bars: each cell's time (replay_s, instructions) */
        m = mpb_cells_time_metric(px->cs, c);
    if (!c || mpb_cells_stat(px->cs, c, m, &s) < 0)
        return p;
    if (px->normalised && s.has_ratio)
        p = (mpb_pt_t){s.ratio.ratio, s.ratio.lo, s.ratio.hi};
    else if (!px->normalised)
        p = (mpb_pt_t){s.st.median, s.st.ci_lo, s.st.ci_hi};
    if (isnan(p.lo) || isnan(p.hi))
        p.lo = p.hi = p.v;
    return p;
}

static void put_point(FILE *f, mpb_pt_t p, mpb_yrange_t *yr) {
    if (isnan(p.v)) {
        fputs(" ? ? ?", f);
        return;
    }
    fprintf(f, " %.6g %.6g %.6g", p.v, p.lo, p.hi);
    if (p.v > 0 && p.v < yr->vmin)
        yr->vmin = p.v;
    yr->vmax = fmax(yr->vmax, p.v);
    if (p.lo > 0 && p.lo < yr->lo)
        yr->lo = p.lo;
    yr->hi = fmax(yr->hi, p.hi);
}

static void put_header(FILE *f, const mpb_cellset_t *cs, const char *first) {
    char lb[256];
    fprintf(f, "# %s", first);
    for (size_t a = 0; a < cs->nallocs; a++) {
        const char *l = mpb_cells_label(cs->allocs[a], lb, sizeof lb);
        fprintf(f, " %s %s_lo %s_hi", l, l, l);
    }
    fputc('\n', f);
}

/* Writes the grouped-bar data of metric m at `threads`: a row per workload
 * with a value there (counted in *groups), three columns per allocator.
 * Returns the number of bars, -1 on error. */
static int write_bars_dat(const mpb_plotctx_t *px, int m, int threads, const char *path,
                          mpb_yrange_t *yr, int *groups) {
    const mpb_cellset_t *cs = px->cs;
    FILE *f = fopen(path, "w");
    int bars = 0;
    if (!f) {
        perror(path);
        return -1;
    }
    put_header(f, cs, "workload");
    for (size_t w = 0; w < cs->nworkloads; w++) {
        int any = 0; /* a workload without a value here gets no empty slot */
        for (size_t a = 0; a < cs->nallocs && !any; a++)
            any = !isnan(
                cell_point(px, mpb_cells_find(cs, cs->allocs[a], cs->workloads[w], threads), m).v);
        if (!any)
            continue;
        (*groups)++;
        fprintf(f, "\"%s\"", cs->workloads[w]);
        for (size_t a = 0; a < cs->nallocs; a++) {
            const mpb_cell_t *c = mpb_cells_find(cs, cs->allocs[a], cs->workloads[w], threads);
            mpb_pt_t p = cell_point(px, c, m);
            bars += !isnan(p.v);
            put_point(f, p, yr);
        }
        fputc('\n', f);
    }
    return fclose(f) == 0 ? bars : -1;
}

/* Writes ops/s (or wall time) against threads for one workload. */
static int write_scaling_dat(const mpb_plotctx_t *px, int m, const char *workload, const char *path,
                             mpb_yrange_t *yr) {
    const mpb_cellset_t *cs = px->cs;
    mpb_plotctx_t abs = *px;
    FILE *f = fopen(path, "w");
    int pts = 0;
    if (!f) {
        perror(path);
        return -1;
    }
    abs.normalised = 0;
    put_header(f, cs, "threads");
    for (size_t t = 0; t < cs->nthreads; t++) {
        fprintf(f, "%d", cs->threads[t]);
        for (size_t a = 0; a < cs->nallocs; a++) {
            const mpb_cell_t *c = mpb_cells_find(cs, cs->allocs[a], workload, cs->threads[t]);
            mpb_pt_t p = cell_point(&abs, c, m);
            pts += !isnan(p.v);
            put_point(f, p, yr);
        }
        fputc('\n', f);
    }
    return fclose(f) == 0 ? pts : -1;
}

/* Writes metric m of kernel-sim test `test` against object size (by_size,
 * at `fixed` threads) or against threads (at size `fixed`): medians with
 * their CI, three columns per allocator. Returns the points written. */
static int write_line_dat(const mpb_plotctx_t *px, int m, const char *test, int by_size, long fixed,
                          const char *path, mpb_yrange_t *yr) {
    const mpb_cellset_t *cs = px->cs;
    mpb_plotctx_t abs = *px;
    char key[300];
    FILE *f = fopen(path, "w");
    int pts = 0;
    if (!f) {
        perror(path);
        return -1;
    }
    abs.normalised = 0;
    put_header(f, cs, by_size ? "size" : "threads");
    size_t nx = by_size ? cs->nsizes : cs->nthreads;
    for (size_t x = 0; x < nx; x++) {
        long size = by_size ? cs->sizes[x] : fixed;
        int threads = by_size ? (int)fixed : cs->threads[x];
        fprintf(f, "%ld", by_size ? size : (long)threads);
        for (size_t a = 0; a < cs->nallocs; a++) {
            const mpb_cell_t *c = mpb_cells_find(
                cs, cs->allocs[a], mpb_cells_key(test, size, key, sizeof key), threads);
            mpb_pt_t p = cell_point(&abs, c, m);
            pts += !isnan(p.v);
            put_point(f, p, yr);
        }
        fputc('\n', f);
    }
    return fclose(f) == 0 ? pts : -1;
}

/* The allocators' labels in cs->allocs order (file names made short for
 * folders from before labels), for titles and the palette. */
static const char **alloc_labels(const mpb_cellset_t *cs, char (*buf)[256]) {
    const char **l = mpb_xrealloc(NULL, (cs->nallocs + 1) * sizeof *l);
    for (size_t a = 0; a < cs->nallocs; a++)
        l[a] = mpb_cells_label(cs->allocs[a], buf[a], sizeof buf[a]);
    return l;
}

/* Common head of every script: terminal, output, titles, names, one
 * linetype per allocator from the palette (lt i is allocator i), log scale. */
static void script_head(FILE *s, const mpb_plotctx_t *px, const char *png, const char *title,
                        const mpb_yrange_t *yr) {
    char safe[256];
    char(*lb)[256] = mpb_xrealloc(NULL, (px->cs->nallocs + 1) * sizeof *lb);
    const char **labels = alloc_labels(px->cs, lb);
    fprintf(s, "%s\nset output '%s'\n", px->term, png);
    fputs("set title ", s);
    mpb_gnuplot_quote(s, title);
    fputs("\nset datafile missing '?'\n", s);
    fprintf(s, "set grid ytics lc rgb '#dddddd'\nset key outside right top\n");
    mpb_palette_linetypes(s, labels, px->cs->nallocs);
    fputs("names = \"", s);
    for (size_t a = 0; a < px->cs->nallocs; a++)
        fprintf(s, "%s%s", a ? " " : "", mpb_safe_name(labels[a], safe, sizeof safe));
    fprintf(s, "\"\nN = %zu\n", px->cs->nallocs);
    if (yr->vmax / yr->vmin > 10.0)
        fprintf(s, "set logscale y\nset yrange [%.6g:%.6g]\n", yr->lo / 1.5, yr->hi * 1.5);
    else
        fprintf(s, "set yrange [0:%.6g]\n", yr->hi * 1.12);
    free(labels);
    free(lb);
}

/* The bar clauses of a grouped-bar plot: one per allocator, in its
 * palette colour and fill, titled with its label. */
static void bar_clauses(FILE *s, const mpb_cellset_t *cs, const char *dat) {
    char(*lb)[256] = mpb_xrealloc(NULL, (cs->nallocs + 1) * sizeof *lb);
    const char **labels = alloc_labels(cs, lb);
    fputs("plot ", s);
    for (size_t a = 0; a < cs->nallocs; a++) {
        if (a == 0)
            fprintf(s, "'%s' using %zu:%zu:%zu:xtic(1) ", dat, 3 * a + 2, 3 * a + 3, 3 * a + 4);
        else
            fprintf(s, ", \\\n     '' using %zu:%zu:%zu ", 3 * a + 2, 3 * a + 3, 3 * a + 4);
        mpb_palette_bar(s, labels[a]);
        fputs(" title ", s);
        mpb_gnuplot_quote(s, labels[a]);
    }
    fputc('\n', s);
    free(labels);
    free(lb);
}

/* Saves the script beside its data and runs it there (gnuplot.c), so the
 * script's relative file names work for a user too. */
static int run_script(mpb_plotctx_t *px, const char *text, const char *gpname) {
    if (mpb_gnuplot(px->dir, gpname, text) != 0) {
        px->failed++;
        return -1;
    }
    px->made++;
    return 0;
}

/* Title, axis label and file prefix of the bar plot of metric m. */
static void bar_names(const mpb_plotctx_t *px, int m, int threads, char *title, size_t tlen,
                      char *ylabel, size_t ylen) {
    int insn = !strcmp(px->cs->measure, "instructions") && px->cs->present[MPB_M_INSN];
    const char *what = m == MPB_M_WALL && insn                            ? "Instructions"
                       : m == MPB_M_WALL && px->cs->present[MPB_M_REPLAY] ? "Time (a replay's own)"
                       : m == MPB_M_WALL                                  ? "Wall time"
                       : m == MPB_M_RSS                                   ? "Peak RSS"
                       : m == MPB_M_ALLOC ? "Allocator time in the replay"
                                          : mpb_metrics[m].title;
    const char *base = px->cs->baseline;
    if (px->normalised) {
        snprintf(title, tlen,
                 "%s per workload, normalised to %s (%d thread%s; "
                 "median ratio, error bars: 95%% CI) - lower is better",
                 what, base, threads, threads == 1 ? "" : "s");
        snprintf(ylabel, ylen, "%s / %s's",
                 m == MPB_M_WALL && insn ? "instructions"
                 : m == MPB_M_WALL       ? "time"
                 : m == MPB_M_RSS        ? "peak RSS"
                                         : mpb_metrics[m].name,
                 base);
    } else {
        snprintf(title, tlen,
                 "%s per workload (%d thread%s; no baseline runs, so medians "
                 "are shown; error bars: 95%% CI) - lower is better",
                 what, threads, threads == 1 ? "" : "s");
        snprintf(ylabel, ylen, "%s", mpb_metrics[m].title);
    }
}

static int plot_bars(mpb_plotctx_t *px, int m, int threads, const char *prefix) {
    char dat[256], png[256], gp[256], path[4400], title[300], ylabel[100];
    mpb_yrange_t yr = MPB_YRANGE_INIT;
    snprintf(dat, sizeof dat, "%s_t%d.dat", prefix, threads);
    snprintf(png, sizeof png, "%s_t%d.png", prefix, threads);
    snprintf(gp, sizeof gp, "%s_t%d.gp", prefix, threads);
    int groups = 0;
    if (write_bars_dat(px, m, threads, mpb_path(path, sizeof path, px->dir, dat), &yr, &groups) <=
        0)
        return -1;
    bar_names(px, m, threads, title, sizeof title, ylabel, sizeof ylabel);
    char *text = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&text, &len);
    script_head(s, px, png, title, &yr);
    fprintf(s, "set ylabel \"%s\"\nset bmargin 7\nset xrange [-0.6:%g]\n", ylabel,
            (double)groups - 0.4);
    fputs("set style data histograms\nset style histogram errorbars gap 1.5 lw 1\n"
          "set style fill solid 0.85 border -1\nset xtics nomirror rotate by 30 right\n",
          s);
    if (px->normalised)
        fputs("set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black'\n",
              s);
    bar_clauses(s, px->cs, dat);
    fclose(s);
    int rc = run_script(px, text, gp);
    free(text);
    return rc;
}

/* kernel_size_<test>_t<N>.png (by_size: metric vs object size at N
 * threads) or kernel_cpus_<test>.png (vs simulated CPUs at size `fixed`). */
static int plot_kernel_line(mpb_plotctx_t *px, int m, const char *test, int by_size, long fixed) {
    char safe[200], base[300], dat[320], png[320], gp[320], path[4400], title[400];
    mpb_yrange_t yr = MPB_YRANGE_INIT;
    mpb_safe_name(test, safe, sizeof safe);
    if (by_size)
        snprintf(base, sizeof base, "kernel_size_%s_t%ld", safe, fixed);
    else
        snprintf(base, sizeof base, "kernel_cpus_%s", safe);
    snprintf(dat, sizeof dat, "%s.dat", base);
    snprintf(png, sizeof png, "%s.png", base);
    snprintf(gp, sizeof gp, "%s.gp", base);
    if (write_line_dat(px, m, test, by_size, fixed, mpb_path(path, sizeof path, px->dir, dat),
                       &yr) <= 0)
        return 0;
    if (by_size)
        snprintf(title, sizeof title,
                 "%s: %s by object size, %ld simulated CPU(s) (median, "
                 "error bars: 95%% CI) - lower is better",
                 test, mpb_metrics[m].name, fixed);
    else
        snprintf(title, sizeof title,
                 "%s: %s by simulated CPUs, %ld-byte objects (median, "
                 "error bars: 95%% CI) - lower is better",
                 test, mpb_metrics[m].name, fixed);
    char *text = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&text, &len);
    script_head(s, px, png, title, &yr);
    fprintf(s, "set xlabel '%s'\nset ylabel '%s'\n",
            by_size ? "object size (bytes)" : "simulated CPUs", mpb_metrics[m].title);
    fputs(by_size ? "set logscale x 2\n" : "set xtics 1\n", s);
    fprintf(s,
            "plot for [i=1:N] '%s' using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1))"
            " with yerrorlines lt i title word(names, i)\n",
            dat);
    fclose(s);
    int rc = run_script(px, text, gp);
    free(text);
    return rc;
}

/* kernel-sim sets: for each test, cycles by size at the fewest and the most
 * CPUs it ran on, and cycles by CPU count at 64 bytes (or its first size). */
static void plot_kernel(mpb_plotctx_t *px) {
    const mpb_cellset_t *cs = px->cs;
    for (size_t k = 0; k < cs->ntests; k++) {
        int tmin = 0, tmax = 0;
        long fixed = 0;
        size_t nsized = 0;
        for (size_t i = 0; i < cs->ncells; i++) {
            const mpb_cell_t *c = &cs->cells[i];
            if (strcmp(c->test, cs->tests[k]) != 0 || c->size <= 0 || !c->nvals[MPB_M_CYCLES])
                continue;
            nsized++;
            tmin = !tmin || c->threads < tmin ? c->threads : tmin;
            tmax = c->threads > tmax ? c->threads : tmax;
            if (!fixed || (fixed != 64 && (c->size == 64 || c->size < fixed)))
                fixed = c->size;
        }
        if (nsized == 0)
            continue;
        plot_kernel_line(px, MPB_M_CYCLES, cs->tests[k], 1, tmin);
        if (tmax != tmin) {
            plot_kernel_line(px, MPB_M_CYCLES, cs->tests[k], 1, tmax);
            plot_kernel_line(px, MPB_M_CYCLES, cs->tests[k], 0, fixed);
        }
    }
}

static int plot_scaling(mpb_plotctx_t *px, const char *workload) {
    char safe[200], dat[256], png[256], gp[256], path[4400], title[300];
    mpb_yrange_t yr = MPB_YRANGE_INIT;
    mpb_safe_name(workload, safe, sizeof safe);
    snprintf(dat, sizeof dat, "scaling_%s.dat", safe);
    snprintf(png, sizeof png, "scaling_%s.png", safe);
    snprintf(gp, sizeof gp, "scaling_%s.gp", safe);
    if (write_scaling_dat(px, MPB_M_OPS, workload, mpb_path(path, sizeof path, px->dir, dat),
                          &yr) <= 0)
        return -1;
    snprintf(title, sizeof title,
             "Thread scaling: %s (median ops/s, error bars: 95%% CI "
             "of the median) - higher is better",
             workload);
    char *text = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&text, &len);
    script_head(s, px, png, title, &yr);
    fputs("set xlabel 'threads'\nset ylabel 'operations per second'\nset xtics (", s);
    for (size_t t = 0; t < px->cs->nthreads; t++)
        fprintf(s, "%s%d", t ? ", " : "", px->cs->threads[t]);
    fprintf(s, ")\nset xrange [%g:%g]\n", px->cs->threads[0] - 0.5,
            px->cs->threads[px->cs->nthreads - 1] + 0.5);
    fprintf(s,
            "plot for [i=1:N] '%s' using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1))"
            " with yerrorlines lt i title word(names, i)\n",
            dat);
    fclose(s);
    int rc = run_script(px, text, gp);
    free(text);
    return rc;
}

/* x axis of the thread plots: the matrix's thread counts as tics. */
static void thread_axis(FILE *s, const mpb_cellset_t *cs, size_t first) {
    fputs("set xlabel 'threads'\nset xtics (", s);
    for (size_t t = first; t < cs->nthreads; t++)
        fprintf(s, "%s%d", t > first ? ", " : "", cs->threads[t]);
    fputs(")\n", s);
}

/* efficiency_W.png: E(N) per allocator, log2 x axis, the ceiling dashed. */
static int plot_efficiency(mpb_plotctx_t *px, const char *workload) {
    char safe[200], dat[256], png[256], gp[256], path[4400], title[300];
    const mpb_cellset_t *cs = px->cs;
    mpb_yrange_t yr = {0.5, 1.0, 0.5, 1.0}; /* linear axis from 0 */
    double ymax = 1.0;
    mpb_safe_name(workload, safe, sizeof safe);
    snprintf(dat, sizeof dat, "efficiency_%s.dat", safe);
    snprintf(png, sizeof png, "efficiency_%s.png", safe);
    snprintf(gp, sizeof gp, "efficiency_%s.gp", safe);
    if (mpb_scaling_write_dat(cs, workload, px->pus, mpb_path(path, sizeof path, px->dir, dat),
                              &ymax) <= 0)
        return -1;
    snprintf(title, sizeof title,
             "Per-thread efficiency: %s ((ops/s at N / N) / ops/s at %d "
             "thread%s; error bars: 95%% CI) - higher is better",
             workload, cs->threads[0], cs->threads[0] == 1 ? "" : "s");
    yr.hi = ymax;
    char *text = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&text, &len);
    script_head(s, px, png, title, &yr);
    fputs("set ylabel 'per-thread efficiency E(N)'\nset logscale x 2\n", s);
    thread_axis(s, cs, 0);
    fprintf(s, "set xrange [%g:%g]\n", cs->threads[0] / 1.3, cs->threads[cs->nthreads - 1] * 1.3);
    fputs("set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 3 lc rgb 'gray'\n", s);
    fputs("plot ", s);
    if (px->pus > 0)
        fprintf(s,
                "'%s' using 1:2 with linespoints dt 2 lw 2 pt 6 ps 1.5 lc rgb 'black' "
                "title 'ceiling on %d PUs', \\\n     ",
                dat, px->pus);
    fprintf(s,
            "for [i=1:N] '%s' using 1:(column(3*i)):(column(3*i+1)):(column(3*i+2)) "
            "with yerrorlines lt i title word(names, i)\n",
            dat);
    fclose(s);
    int rc = run_script(px, text, gp);
    free(text);
    return rc;
}

static int plot_all(mpb_plotctx_t *px) {
    const mpb_cellset_t *cs = px->cs;
    for (size_t t = 0; t < cs->nthreads; t++) {
        if (cs->present[MPB_M_WALL] || !cs->present[MPB_M_CYCLES])
            plot_bars(px, MPB_M_WALL, cs->threads[t], "time");
        if (cs->present[MPB_M_RSS])
            plot_bars(px, MPB_M_RSS, cs->threads[t], "rss");
        if (cs->present[MPB_M_HELD])
            plot_bars(px, MPB_M_HELD, cs->threads[t], "kernel_held");
        if (cs->present[MPB_M_ALLOC])
            plot_bars(px, MPB_M_ALLOC, cs->threads[t], "alloc");
    }
    if (cs->present[MPB_M_CYCLES] && cs->nsizes)
        plot_kernel(px);
    if (cs->nthreads > 1 && cs->present[MPB_M_OPS])
        for (size_t w = 0; w < cs->nworkloads; w++) {
            plot_scaling(px, cs->workloads[w]);
            plot_efficiency(px, cs->workloads[w]);
        }
    int tmade = 0, tfailed = 0;
    char dir[4096];
    mpb_copy(dir, sizeof dir, px->dir);
    dir[strlen(dir) - strlen("/plots")] = '\0';
    if (mpb_plot_timelines(dir, px->dir, px->term, &tmade, &tfailed) != 0)
        tfailed++;
    px->made += tmade, px->failed += tfailed;
    if (!px->made) {
        fprintf(stderr, "mpbench plot: no plot written to %s: no ok run has a value to plot\n",
                px->dir);
        return 1;
    }
    printf("wrote %d plot%s to %s%s\n", px->made, px->made == 1 ? "" : "s", px->dir,
           cs->nthreads > 1 && !cs->present[MPB_M_OPS] && !cs->present[MPB_M_CYCLES]
               ? " (no ops_per_s: no scaling plots)"
               : "");
    return px->failed ? 1 : 0;
}

int mpb_plot_write(const mpb_analysis_t *an) {
    mpb_plotctx_t px = {0};
    if (!(px.term = mpb_gnuplot_png(1200, 600))) {
        fprintf(stderr, "mpbench: cannot run gnuplot (install gnuplot-nox)\n");
        return 2;
    }
    px.cs = &an->cs;
    px.normalised = mpb_cells_has_baseline(&an->cs);
    px.pus = mpb_scaling_pus(an->meta);
    mpb_path(px.dir, sizeof px.dir, an->dir, "plots");
    if (mkdir(px.dir, 0777) < 0 && errno != EEXIST) {
        perror(px.dir);
        return 2;
    }
    return plot_all(&px);
}
