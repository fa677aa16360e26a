/* Timeline plots. Each workload's plot shows, for every allocator, its
 * first counted repetition (lowest rep) at the workload's lowest thread
 * count in the timeline, so the lines are comparable runs. The data file
 * holds one gnuplot index block per allocator; the .dat and .gp stay
 * beside the PNG like the other plots (drawn through gnuplot.c). */
#include "plot/plot_timeline.h"
#include "common/csvio.h"
#include "plot/gnuplot.h"
#include "common/outfmt.h"
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

/* Writes the .dat (a block per allocator) and returns the allocators drawn. */
static int write_dat(const mpb_table_t *t, const char *w, int threads, int rep,
                     const mpb_strlist_t *allocs, const char *path, char *names, size_t nlen) {
    FILE *f = fopen(path, "w");
    int blocks = 0;
    if (!f)
        return -1;
    names[0] = '\0';
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
            char safe[256];
            size_t n = strlen(names);
            const char *base =
                strrchr(allocs->v[a], '/') ? strrchr(allocs->v[a], '/') + 1 : allocs->v[a];
            mpb_fmt(names + n, nlen - n, "%s%s", blocks ? " " : "",
                    mpb_safe_name(base, safe, sizeof safe));
            blocks++;
        }
    }
    return fclose(f) == 0 ? blocks : -1;
}

/* Draws timeline_<w>.png; returns 0 or -1. */
static int plot_one(const mpb_table_t *t, const char *w, const mpb_strlist_t *allocs,
                    const char *plotdir, const char *term) {
    char safe[200], dat[256], png[256], gp[256], path[4400], names[4096];
    int threads, rep;
    pick_run(t, w, &threads, &rep);
    mpb_safe_name(w, safe, sizeof safe);
    mpb_fmt(dat, sizeof dat, "timeline_%s.dat", safe);
    mpb_fmt(png, sizeof png, "timeline_%s.png", safe);
    mpb_fmt(gp, sizeof gp, "timeline_%s.gp", safe);
    int n = write_dat(t, w, threads, rep, allocs, mpb_path(path, sizeof path, plotdir, dat), names,
                      sizeof names);
    if (n <= 0)
        return n;
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
            "set xlabel 'time since start (ms)'\nset ylabel 'RSS (MiB)'\nset grid\n"
            "set key outside right top\nset yrange [0:*]\nnames = \"%s\"\n"
            "plot for [i=0:%d] '%s' index i using 1:2 with lines lw 2 title word(names, i+1)\n",
            names, n - 1, dat);
    fclose(s);
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
    distinct(&t, "workload", NULL, &wls);
    distinct(&t, "allocator", NULL, &allocs);
    for (size_t w = 0; w < wls.n; w++) {
        int rc = plot_one(&t, wls.v[w], &allocs, plotdir, term);
        *made += rc == 0, *failed += rc < 0;
    }
    mpb_strlist_free(&wls), mpb_strlist_free(&allocs);
    mpb_table_free(&t);
    return 0;
}
