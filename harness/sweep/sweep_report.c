/* The `Sweep` section of report.md (also written alone as DIR/sweep.md):
 * what was swept, which variants failed to build and why, per workload and
 * thread count the best variant for time and for peak RSS with its ratio to
 * the default build and that ratio's 95% interval, the time-vs-RSS Pareto
 * front, and links to the sweep plots. */
#include "analysis/verdict.h"
#include "common/outfmt.h"
#include "sweep/sweep.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *cell(const mpb_sweepdata_t *d, size_t row, const char *col) {
    const char *v = mpb_table_get(&d->tab, row, col);
    return v ? v : "";
}

/* Swept tunables, variants and their statuses, build failures. */
static void section_variants(FILE *f, const mpb_sweepdata_t *d) {
    fputs("## Sweep\n\nEvery ratio is a variant's median over the default build's (`mpalloc`, "
          "the header's defaults), with its 95% bootstrap interval; below 1 is better.\n\n"
          "| variant | status | flags |\n|---|---|---|\n",
          f);
    for (size_t r = 0; r < d->tab.nrows; r++)
        fprintf(f, "| %s | %s | `%s` |\n", cell(d, r, "variant"), cell(d, r, "status"),
                cell(d, r, "flags"));
    int first = 1;
    for (size_t r = 0; r < d->tab.nrows; r++) {
        if (mpb_sweepdata_usable(d, r))
            continue;
        if (first)
            fputs("\n### Build failures (skipped)\n\n", f);
        first = 0;
        fprintf(f, "- `%s`: `%s`\n", cell(d, r, "flags"), cell(d, r, "message"));
    }
    fputc('\n', f);
}

/* The variant row with the lowest ratio of metric m, or -1. */
static long best_row(const mpb_sweepdata_t *d, const char *wl, int th, int m,
                     mpb_sweepratio_t *best) {
    long at = -1;
    for (size_t r = 0; r < d->tab.nrows; r++) {
        mpb_sweepratio_t q = mpb_sweepdata_ratio(d, r, wl, th, m);
        if (!q.ok || !strcmp(cell(d, r, "status"), "reference") ||
            !strcmp(cell(d, r, "status"), "default"))
            continue;
        if (at < 0 || q.r.ratio < best->r.ratio)
            at = (long)r, *best = q;
    }
    return at;
}

/* What the interval says about a ratio below 1: nothing without the runs
 * verdict.h asks for on both sides. */
static const char *verdict(const mpb_sweepratio_t *q, char *buf, size_t len) {
    const mpb_ratio_t *r = &q->r;
    if (q->n < MPB_VERDICT_MIN_RUNS || q->nref < MPB_VERDICT_MIN_RUNS || isnan(r->hi)) {
        mpb_fmt(buf, len, "not judged: %zu and %zu ok runs (%d each needed)", q->n, q->nref,
                MPB_VERDICT_MIN_RUNS);
        return buf;
    }
    if (r->hi < 1.0 && 1.0 - r->ratio >= MPB_VERDICT_THRESHOLD)
        return "clear gain";
    if (r->hi < 1.0)
        return "a gain under 5%: not one to act on";
    return r->ratio < 1.0 ? "within noise" : "no variant beats the default";
}

/* Per workload and thread count: the best variant for metric m. */
static void section_best(FILE *f, const mpb_sweepdata_t *d, int m, int other) {
    fprintf(
        f,
        "### Best variant per workload: %s\n\n| workload | threads | best variant | "
        "%s / default [95%% CI] | gain | verdict | %s / default |\n|---|---|---|---|---|---|---|\n",
        mpb_metrics[m].title, mpb_metrics[m].title, mpb_metrics[other].title);
    for (size_t w = 0; w < d->cs->nworkloads; w++)
        for (size_t t = 0; t < d->cs->nthreads; t++) {
            const char *wl = d->cs->workloads[w];
            int th = d->cs->threads[t];
            mpb_sweepratio_t b = {.ok = 0}; /* best_row fills it when it finds a row */
            long r = best_row(d, wl, th, m, &b);
            if (r < 0) {
                fprintf(f, "| %s | %d | (no measurements) | | | | |\n", wl, th);
                continue;
            }
            mpb_sweepratio_t o = mpb_sweepdata_ratio(d, (size_t)r, wl, th, other);
            char why[96];
            fprintf(f, "| %s | %d | %s (`%s`) | %s [%s, %s] | %+.1f%% | %s | %s |\n", wl, th,
                    cell(d, (size_t)r, "variant"), cell(d, (size_t)r, "flags"),
                    mpb_fmt_ratio(b.r.ratio).s, mpb_fmt_ratio(b.r.lo).s, mpb_fmt_ratio(b.r.hi).s,
                    (1.0 - b.r.ratio) * 100.0, verdict(&b, why, sizeof why),
                    o.ok ? mpb_fmt_ratio(o.r.ratio).s : "-");
        }
    fputc('\n', f);
}

/* Variants on the time-vs-RSS front of the geomean over workloads. */
static void section_pareto(FILE *f, const mpb_sweepdata_t *d) {
    fputs("### Pareto front (wall time vs peak RSS, geometric mean over workloads)\n\n"
          "| threads | variant | time / default | RSS / default |\n|---|---|---|---|\n",
          f);
    for (size_t t = 0; t < d->cs->nthreads; t++)
        for (size_t r = 0; r < d->tab.nrows; r++) {
            double tm, rss;
            int th = d->cs->threads[t];
            if (mpb_sweepdata_pareto(d, r, NULL, th) &&
                mpb_sweepdata_point(d, r, NULL, th, &tm, &rss) == 0)
                fprintf(f, "| %d | %s | %s | %s |\n", th, cell(d, r, "variant"),
                        mpb_fmt_ratio(tm).s, mpb_fmt_ratio(rss).s);
        }
    fputc('\n', f);
}

static int name_cmp(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Links to DIR/plots/sweep_*.png, sorted. */
static void section_plots(FILE *f, const mpb_sweepdata_t *d) {
    char path[PATH_MAX], *names[1024];
    size_t n = 0;
    DIR *dir = opendir(mpb_path(path, sizeof path, d->dir, "plots"));
    for (struct dirent *e; dir && (e = readdir(dir)) && n < 1024;) {
        size_t len = strlen(e->d_name);
        if (!strncmp(e->d_name, "sweep_", 6) && len > 4 && !strcmp(e->d_name + len - 4, ".png"))
            names[n++] = mpb_xstrdup(e->d_name);
    }
    if (dir)
        closedir(dir);
    qsort(names, n, sizeof *names, name_cmp);
    fputs("### Sweep plots\n\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "![%s](plots/%s)\n\n", names[i], names[i]);
        free(names[i]);
    }
}

/* Writes the section to DIR/sweep.md and appends it to DIR/report.md. */
int mpb_sweep_report(const mpb_sweepdata_t *d) {
    char path[PATH_MAX];
    FILE *f = fopen(mpb_path(path, sizeof path, d->dir, "sweep.md"), "w");
    if (!f) {
        perror(path);
        return -1;
    }
    section_variants(f, d);
    section_best(f, d, MPB_M_WALL, MPB_M_RSS);
    section_best(f, d, MPB_M_RSS, MPB_M_WALL);
    section_pareto(f, d);
    section_plots(f, d);
    if (fclose(f) != 0)
        return -1;
    char *text = mpb_read_file(path);
    FILE *rep = text ? fopen(mpb_path(path, sizeof path, d->dir, "report.md"), "a") : NULL;
    int rc = rep && fprintf(rep, "\n%s", text) >= 0 ? 0 : -1;
    if (rep && fclose(rep) != 0)
        rc = -1;
    free(text);
    return rc;
}
