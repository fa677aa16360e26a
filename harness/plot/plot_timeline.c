/* Timeline plots. Each workload's plot shows, for every allocator, its
 * first counted repetition (lowest rep) at the workload's lowest thread
 * count in the timeline, so the lines are comparable runs; a replay's
 * start (replay_start_ms from results.csv) is a dotted line. The data file
 * holds one gnuplot index block per allocator; the .dat and .gp stay
 * beside the PNG like the other plots (drawn through gnuplot.c). */
#include "plot/plot_timeline.h"
#include "analysis/cells.h"
#include "common/csvio.h"
#include "plot/gnuplot.h"
#include "common/outfmt.h"
#include "plot/palette.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The run a workload's plot shows: lowest threads, then lowest rep. */
static void pick_run(const mpb_table_t *t, const char *w, int *threads, int *rep) {
    *threads = *rep = -1;
    for (size_t i = 0; i < t->nrows; i++) {
        if (strcmp(mpb_table_get(t, i, "workload"), w))
            continue;
        int th = atoi(mpb_table_get(t, i, "threads")), rp = atoi(mpb_table_get(t, i, "rep"));
        if (*threads < 0 || th < *threads)
            *threads = th, *rep = rp;
        else if (th == *threads && rp < *rep)
            *rep = rp;
    }
}

/* Distinct values of column col (in order of appearance), among rows of
 * workload w when w is set. */
static void distinct(const mpb_table_t *t, const char *col, const char *w, mpb_strlist_t *out) {
    for (size_t i = 0; i < t->nrows; i++) {
        const char *v = mpb_table_get(t, i, col);
        int seen = w && strcmp(mpb_table_get(t, i, "workload"), w);
        for (size_t k = 0; k < out->n && !seen; k++)
            seen = !strcmp(out->v[k], v);
        if (!seen)
            mpb_strlist_add(out, v);
    }
}

/* Writes the .dat (a block per allocator) and returns the allocators drawn;
 * drawn[] gets their names, in block order. */
static int write_dat(const mpb_table_t *t, const char *w, int threads, int rep,
                     const mpb_strlist_t *allocs, const char *path, mpb_strlist_t *drawn,
                     int *samples) {
    FILE *f = fopen(path, "w");
    int blocks = 0;
    if (!f)
        return -1;
    for (size_t a = 0; a < allocs->n; a++) {
        int rows = 0;
        for (size_t i = 0; i < t->nrows; i++)
            if (!strcmp(mpb_table_get(t, i, "workload"), w) &&
                !strcmp(mpb_table_get(t, i, "allocator"), allocs->v[a]) &&
                atoi(mpb_table_get(t, i, "threads")) == threads &&
                atoi(mpb_table_get(t, i, "rep")) == rep) {
                if (!rows++)
                    fprintf(f, "%s# %s\n", blocks ? "\n\n" : "", allocs->v[a]);
                fprintf(f, "%s %.3f\n", mpb_table_get(t, i, "t_ms"),
                        atof(mpb_table_get(t, i, "rss_kb")) / 1024.0);
            }
        if (rows) {
            mpb_strlist_add(drawn, allocs->v[a]);
            samples[blocks++] = rows;
        }
    }
    return fclose(f) == 0 ? blocks : -1;
}

/* The plot clauses: one line per allocator drawn, in its palette style,
 * with about ten of its points marked (told apart in grey). */
static void line_clauses(FILE *s, const char *dat, const mpb_strlist_t *drawn, const int *samples) {
    char lb[256];
    fputs("plot ", s);
    for (size_t i = 0; i < drawn->n; i++) {
        const char *l = mpb_cells_label(drawn->v[i], lb, sizeof lb);
        fprintf(s, "%s'%s' index %zu using 1:2 with linespoints pi %d ", i ? ", \\\n     " : "",
                dat, i, samples[i] / 10 > 1 ? samples[i] / 10 : 1);
        mpb_palette_line(s, l);
        fputs(" title ", s);
        mpb_gnuplot_quote(s, l);
    }
    fputc('\n', s);
}

/* Draws timeline_<w>.png; returns 0 or -1. */
/* A replay's start (replay_start_ms in the extra column of its row in
 * results.csv, res), or -1 when the row has none. */
static double replay_start(const mpb_table_t *res, const char *alloc, const char *w, int threads,
                           int rep) {
    for (size_t i = 0; res && i < res->nrows; i++) {
        const char *x = mpb_table_get(res, i, "extra"), *k;
        if (!x || strcmp(mpb_table_get(res, i, "allocator"), alloc) ||
            strcmp(mpb_table_get(res, i, "workload"), w) ||
            atoi(mpb_table_get(res, i, "threads")) != threads ||
            atoi(mpb_table_get(res, i, "rep")) != rep)
            continue;
        if ((k = strstr(x, "replay_start_ms=")) != NULL)
            return atof(k + strlen("replay_start_ms="));
    }
    return -1;
}

/* Dotted lines where each drawn replay started (after loading its plan),
 * in its allocator's colour; returns how many. */
static int start_marks(FILE *s, const mpb_table_t *res, const mpb_strlist_t *drawn, const char *w,
                       int threads, int rep) {
    char lb[256];
    int n = 0;
    for (size_t i = 0; i < drawn->n; i++) {
        double x = replay_start(res, drawn->v[i], w, threads, rep);
        if (x < 0)
            continue;
        fprintf(s, "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead dt 3 lw 1.5 lc rgb '%s'\n",
                x, x, mpb_palette_style(mpb_cells_label(drawn->v[i], lb, sizeof lb)).rgb);
        if (!n++)
            fprintf(s,
                    "set label 'replay starts' at %.3f, graph 0.96 left offset 0.4,0 font ',9'\n",
                    x);
    }
    return n;
}

static int plot_one(const mpb_table_t *t, const mpb_table_t *res, const char *w,
                    const mpb_strlist_t *allocs, const char *plotdir, const char *term) {
    char safe[200], dat[256], png[256], gp[256], path[4400];
    int threads, rep;
    mpb_strlist_t drawn = {0};
    int *samples = mpb_xrealloc(NULL, (allocs->n + 1) * sizeof *samples);
    pick_run(t, w, &threads, &rep);
    mpb_safe_name(w, safe, sizeof safe);
    mpb_fmt(dat, sizeof dat, "timeline_%s.dat", safe);
    mpb_fmt(png, sizeof png, "timeline_%s.png", safe);
    mpb_fmt(gp, sizeof gp, "timeline_%s.gp", safe);
    int n = write_dat(t, w, threads, rep, allocs, mpb_path(path, sizeof path, plotdir, dat), &drawn,
                      samples);
    if (n <= 0) {
        mpb_strlist_free(&drawn);
        free(samples);
        return n;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&text, &len);
    fprintf(s, "%s\nset output '%s'\n", term, png);
    char title[600];
    mpb_fmt(title, sizeof title,
            "Memory over time: %s (%d thread%s, rep %d; RSS of the run's "
            "process tree) - lower is better",
            w, threads, threads == 1 ? "" : "s", rep);
    fputs("set title ", s);
    mpb_gnuplot_quote(s, title);
    fputc('\n', s);
    fprintf(s,
            "set xlabel 'time since start (ms)%s'\nset ylabel 'RSS (MiB)'\nset grid\n"
            "set key outside right top\nset yrange [0:*]\n",
            start_marks(s, res, &drawn, w, threads, rep)
                ? "; dotted: where each replay starts, after loading its trace"
                : "");
    line_clauses(s, dat, &drawn, samples);
    fclose(s);
    mpb_strlist_free(&drawn);
    free(samples);
    int rc = mpb_gnuplot(plotdir, gp, text);
    free(text);
    return rc;
}

int mpb_plot_timelines(const char *dir, const char *plotdir, const char *term, int *made,
                       int *failed) {
    char path[4200];
    mpb_table_t t;
    *made = *failed = 0;
    mpb_fmt(path, sizeof path, "%s/timeline.csv", dir);
    if (!mpb_is_file(path))
        return 0;
    if (mpb_table_load(path, &t) != 0)
        return -1;
    mpb_strlist_t wls = {0}, allocs = {0};
    mpb_table_t res, *rp = NULL;
    mpb_fmt(path, sizeof path, "%s/results.csv", dir);
    if (mpb_is_file(path) && mpb_table_load(path, &res) == 0)
        rp = &res;
    distinct(&t, "workload", NULL, &wls);
    distinct(&t, "allocator", NULL, &allocs);
    mpb_cells_order(allocs.v, allocs.n);
    for (size_t w = 0; w < wls.n; w++) {
        int rc = plot_one(&t, rp, wls.v[w], &allocs, plotdir, term);
        *made += rc == 0, *failed += rc < 0;
    }
    mpb_strlist_free(&wls), mpb_strlist_free(&allocs);
    mpb_table_free(&t);
    if (rp)
        mpb_table_free(rp);
    return 0;
}
