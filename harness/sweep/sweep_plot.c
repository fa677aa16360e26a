/* The sweep's gnuplot PNGs in DIR/plots (data .dat and script .gp beside
 * each, so `cd plots && gnuplot X.gp` redraws it):
 *   sweep_<TUNABLE>_<metric>_t<N>.png  metric / default build's vs the value,
 *       one line per workload (geomean over the other tunables' values);
 *   sweep_heat_<metric>_<workload>_t<N>.png  two-tunable grids, first two;
 *   sweep_pareto[_<workload>]_t<N>.png  time vs RSS, Pareto front joined. */
#include "plot/gnuplot.h"
#include "common/outfmt.h"
#include "plot/palette.h"
#include "sweep/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const int plot_metrics[] = {MPB_M_WALL, MPB_M_RSS};
static const char *const metric_tag[] = {"time", "rss"};

typedef struct sweep_plots {
    const mpb_sweepdata_t *d;
    char dir[PATH_MAX]; /* DIR/plots */
    const char *term;
    int made, failed;
} sweep_plots_t;

/* Opens DIR/plots/<base>.<ext> for writing. */
static FILE *open_in(const sweep_plots_t *p, const char *base, const char *ext) {
    char path[PATH_MAX + 300];
    mpb_fmt(path, sizeof path, "%s/%s.%s", p->dir, base, ext);
    FILE *f = fopen(path, "w");
    if (!f)
        perror(path);
    return f;
}

/* Runs gnuplot on <base>.gp inside the plots folder (gnuplot.c). */
static void draw(sweep_plots_t *p, const char *base) {
    char gp[300];
    mpb_fmt(gp, sizeof gp, "%s.gp", base);
    if (mpb_gnuplot_file(p->dir, gp) == 0)
        p->made++;
    else
        p->failed++;
}

/* Script head: terminal, output, title, grid. */
static void head(const sweep_plots_t *p, FILE *s, const char *base, const char *title) {
    fprintf(s, "%s\nset output '%s.png'\nset title ", p->term, base);
    mpb_gnuplot_quote(s, title);
    fputc('\n', s);
    fputs("set datafile missing '?'\nset grid lc rgb '#dddddd'\nset key outside right top\n", s);
}

static int is_ref(const mpb_sweepdata_t *d, size_t row) {
    const char *st = mpb_table_get(&d->tab, row, "status");
    return st && !strcmp(st, "reference");
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorted distinct values of tunable k over the variants; returns the count. */
static size_t values_of(const mpb_sweepdata_t *d, size_t k, double *xs) {
    size_t n = 0;
    for (size_t r = 0; r < d->tab.nrows; r++) {
        double x = mpb_sweepdata_value(d, r, k);
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            seen |= xs[i] == x;
        if (!is_ref(d, r) && mpb_sweepdata_usable(d, r) && !isnan(x) && !seen)
            xs[n++] = x;
    }
    qsort(xs, n, sizeof *xs, cmp_double);
    return n;
}

/* 1 when row has value x of tunable k (and y of k2 unless k2 < 0). */
static int row_at(const mpb_sweepdata_t *d, size_t r, size_t k, double x, int k2, double y) {
    return !is_ref(d, r) && mpb_sweepdata_usable(d, r) && mpb_sweepdata_value(d, r, k) == x &&
           (k2 < 0 || mpb_sweepdata_value(d, r, (size_t)k2) == y);
}

/* Geomean of the ratio over the matching rows; lo/hi its CI when only one. */
static double ratio_at(const mpb_sweepdata_t *d, size_t k, double x, int k2, double y,
                       const char *wl, int th, int m, double *lo, double *hi) {
    double logsum = 0;
    size_t n = 0;
    for (size_t r = 0; r < d->tab.nrows; r++) {
        mpb_sweepratio_t q;
        if (!row_at(d, r, k, x, k2, y) || !(q = mpb_sweepdata_ratio(d, r, wl, th, m)).ok)
            continue;
        logsum += log(q.r.ratio);
        *lo = q.r.lo, *hi = q.r.hi;
        n++;
    }
    double v = n ? exp(logsum / (double)n) : NAN;
    if (n != 1 || isnan(*lo) || isnan(*hi))
        *lo = *hi = v;
    return v;
}

/* Metric mi against tunable k at th threads: a line per workload. */
static void line_plot(sweep_plots_t *p, size_t k, int mi, int th) {
    const mpb_sweepdata_t *d = p->d;
    double xs[MPB_SWEEP_MAXPTS], lo, hi;
    size_t nx = values_of(d, k, xs);
    char base[200];
    mpb_fmt(base, sizeof base, "sweep_%s_%s_t%d", d->tun[k], metric_tag[mi], th);
    FILE *f = open_in(p, base, "dat"), *s = f ? open_in(p, base, "gp") : NULL;
    if (!s) {
        if (f)
            fclose(f);
        p->failed++;
        return;
    }
    for (size_t i = 0; i < nx; i++) {
        fprintf(f, "%g", xs[i]);
        for (size_t w = 0; w < d->cs->nworkloads; w++) {
            double v =
                ratio_at(d, k, xs[i], -1, 0, d->cs->workloads[w], th, plot_metrics[mi], &lo, &hi);
            isnan(v) ? fputs(" ? ? ?", f) : fprintf(f, " %.6g %.6g %.6g", v, lo, hi);
        }
        fputc('\n', f);
    }
    char title[400];
    mpb_fmt(title, sizeof title, "%s / default build vs %s, %d thread(s)%s",
            mpb_metrics[plot_metrics[mi]].title, d->tun[k], th,
            d->ntun > 1 ? " (geomean over the other tunables)" : "");
    head(p, s, base, title);
    fprintf(s, "set xlabel '%s'\nset ylabel 'ratio to default (lower is better)'\n", d->tun[k]);
    fprintf(s, "set xtics (");
    for (size_t i = 0; i < nx; i++)
        fprintf(s, "%s'%g' %g", i ? ", " : "", xs[i], xs[i]);
    fprintf(s, ")\nset xrange [%g:%g]", nx ? xs[0] - 0.5 : 0, nx ? xs[nx - 1] + 0.5 : 1);
    fputs("\nplot 1 title 'default build (mpalloc)' ", s);
    mpb_palette_line(s, MPB_SWEEP_REF);
    for (size_t w = 0; w < d->cs->nworkloads; w++)
        /* lines here are workloads, not allocators: greys with their own
         * points and dashes, so no colour reads as an allocator's */
        fprintf(s,
                ", '%s.dat' using 1:%zu:%zu:%zu with yerrorlines lw 2 lc rgb '%s' pt %zu "
                "dt %zu title '%s'",
                base, 2 + 3 * w, 3 + 3 * w, 4 + 3 * w, w % 2 ? "#777777" : "#222222", 1 + w % 14,
                1 + w % 5, d->cs->workloads[w]);
    fputc('\n', s);
    fclose(f), fclose(s);
    draw(p, base);
}

/* Heat map of metric mi over the first two tunables, one workload. */
static void heat_map(sweep_plots_t *p, const char *wl, int mi, int th) {
    const mpb_sweepdata_t *d = p->d;
    double xs[MPB_SWEEP_MAXPTS], ys[MPB_SWEEP_MAXPTS], lo, hi;
    size_t nx = values_of(d, 0, xs), ny = values_of(d, 1, ys);
    char base[400], safe[256];
    mpb_fmt(base, sizeof base, "sweep_heat_%s_%s_t%d", metric_tag[mi],
            mpb_safe_name(wl, safe, sizeof safe), th);
    FILE *f = open_in(p, base, "dat"), *s = f ? open_in(p, base, "gp") : NULL;
    if (!s) {
        if (f)
            fclose(f);
        p->failed++;
        return;
    }
    for (size_t j = 0; j < ny; j++, fputc('\n', f))
        for (size_t i = 0; i < nx; i++)
            fprintf(f, "%zu %zu %.6g\n", i, j,
                    ratio_at(d, 0, xs[i], 1, ys[j], wl, th, plot_metrics[mi], &lo, &hi));
    char title[600];
    mpb_fmt(title, sizeof title, "%s: %s / default build, %d thread(s)", wl,
            mpb_metrics[plot_metrics[mi]].title, th);
    head(p, s, base, title);
    fprintf(s,
            "set xlabel '%s'\nset ylabel '%s'\nset palette defined (0 '#1a9850', 1 '#ffffbf', "
            "2 '#d73027')\nset cbrange [*:*]\nset xtics (",
            d->tun[0], d->tun[1]);
    for (size_t i = 0; i < nx; i++)
        fprintf(s, "%s'%g' %zu", i ? ", " : "", xs[i], i);
    fputs(")\nset ytics (", s);
    for (size_t j = 0; j < ny; j++)
        fprintf(s, "%s'%g' %zu", j ? ", " : "", ys[j], j);
    fprintf(s,
            ")\nset xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\nunset grid\n"
            "plot '%s.dat' using 1:2:3 with image notitle, '' using 1:2:(sprintf('%%.3f', $3)) "
            "with labels notitle\n",
            nx - 1, ny - 1, base);
    fclose(f), fclose(s);
    draw(p, base);
}

/* Writes the scatter's data: index 0 every variant, 1 the front sorted by
 * time, 2 the default build. Returns the number of points. */
static size_t pareto_dat(const mpb_sweepdata_t *d, FILE *f, const char *wl, int th) {
    double pts[MPB_SWEEP_MAXPTS + 1][2], t, r;
    size_t n = 0, nf = 0;
    for (size_t row = 0; row < d->tab.nrows; row++)
        if (mpb_sweepdata_point(d, row, wl, th, &t, &r) == 0) {
            char alloc[300];
            unsigned rgb = (unsigned)strtoul(
                mpb_palette_style(mpb_sweepdata_alloc(d, row, alloc, sizeof alloc)).rgb + 1, NULL,
                16);
            fprintf(f, "%.6g %.6g \"%s\" %u\n", t, r, mpb_table_get(&d->tab, row, "variant"), rgb);
            n++;
            if (mpb_sweepdata_pareto(d, row, wl, th) && nf <= MPB_SWEEP_MAXPTS)
                pts[nf][0] = t, pts[nf++][1] = r;
        }
    qsort(pts, nf, sizeof pts[0], cmp_double);
    fputs("\n\n", f);
    for (size_t i = 0; i < nf; i++)
        fprintf(f, "%.6g %.6g\n", pts[i][0], pts[i][1]);
    fprintf(f, "\n\n1 1 \"default\" %lu\n",
            strtoul(mpb_palette_style(MPB_SWEEP_REF).rgb + 1, NULL, 16));
    return n;
}

/* Time-vs-RSS scatter (workload wl, or the geomean over all when NULL). */
static void pareto_plot(sweep_plots_t *p, const char *wl, int th) {
    char base[400], safe[256], title[600];
    mpb_fmt(base, sizeof base, "sweep_pareto%s%s_t%d", wl ? "_" : "",
            wl ? mpb_safe_name(wl, safe, sizeof safe) : "", th);
    FILE *f = open_in(p, base, "dat"), *s = f ? open_in(p, base, "gp") : NULL;
    if (!s) {
        if (f)
            fclose(f);
        p->failed++;
        return;
    }
    size_t n = pareto_dat(p->d, f, wl, th);
    mpb_fmt(title, sizeof title, "%s: wall time vs peak RSS / default build, %d thread(s)",
            wl ? wl : "geomean over workloads", th);
    head(p, s, base, title);
    fprintf(
        s,
        "set xlabel 'wall time / default (lower is better)'\n"
        "set ylabel 'peak RSS / default (lower is better)'\nset offsets graph 0.05, graph 0.05, "
        "graph 0.05, graph 0.05\n"
        "plot '%s.dat' index 0 using 1:2:4 with points pt 7 ps 1.4 lc rgb variable "
        "title 'variant (its own colour)', "
        "'' index 0 using 1:2:3 with labels offset 0,1 font ',8' notitle, "
        "'' index 1 using 1:2 with linespoints lw 2 dt 2 pt 6 ps 2.2 lc rgb 'black' "
        "title 'Pareto front', '' index 2 using 1:2:4 with points pt 13 ps 2 lc rgb variable "
        "title 'default build (mpalloc)'\n",
        base);
    fclose(f), fclose(s);
    if (n > 0)
        draw(p, base);
}

int mpb_sweep_plot(const mpb_sweepdata_t *d) {
    sweep_plots_t p = {.d = d, .term = mpb_gnuplot_png(1100, 650)};
    if (!p.term) {
        fprintf(stderr, "mpbench sweep: cannot run gnuplot (install gnuplot-nox)\n");
        return -1;
    }
    mpb_path(p.dir, sizeof p.dir, d->dir, "plots");
    mkdir(p.dir, 0755);
    for (size_t t = 0; t < d->cs->nthreads; t++) {
        int th = d->cs->threads[t];
        for (int mi = 0; mi < 2; mi++) {
            for (size_t k = 0; k < d->ntun; k++)
                line_plot(&p, k, mi, th);
            for (size_t w = 0; d->ntun >= 2 && w < d->cs->nworkloads; w++)
                heat_map(&p, d->cs->workloads[w], mi, th);
        }
        pareto_plot(&p, NULL, th);
        for (size_t w = 0; d->cs->nworkloads > 1 && w < d->cs->nworkloads; w++)
            pareto_plot(&p, d->cs->workloads[w], th);
    }
    printf("sweep: %d plot(s) in %s%s\n", p.made, p.dir, p.failed ? " (some failed)" : "");
    return p.failed ? -1 : 0;
}
