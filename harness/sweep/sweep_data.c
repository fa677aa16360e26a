/* A finished sweep folder read back for its plots and report: sweep.csv
 * says which variant has which tunable values, results.csv's cells (the
 * folder's one load, analysis.h) hold the measurements. Every number shown is a ratio of medians to the
 * default build `mpalloc`, with stats.c's bootstrap interval; across
 * workloads, the geometric mean. The Pareto front is over (time, RSS). */
#include "common/outfmt.h"
#include "sweep/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int mpb_sweepdata_load(const mpb_analysis_t *an, mpb_sweepdata_t *d) {
    char path[PATH_MAX];
    memset(d, 0, sizeof *d);
    mpb_copy(d->dir, sizeof d->dir, an->dir);
    d->cs = &an->cs;
    if (mpb_table_load(mpb_path(path, sizeof path, an->dir, "sweep.csv"), &d->tab) != 0)
        return -1;
    int flags = mpb_table_col(&d->tab, "flags"), msg = mpb_table_col(&d->tab, "message");
    for (int c = flags + 1; flags >= 0 && c < msg && d->ntun < MPB_SWEEP_MAXTUN; c++)
        mpb_copy(d->tun[d->ntun++], sizeof d->tun[0], d->tab.cols[c]);
    if (flags < 0 || msg < 0) {
        fprintf(stderr, "mpbench sweep: %s is not a sweep folder\n", an->dir);
        mpb_table_free(&d->tab);
        return -1;
    }
    return 0;
}

void mpb_sweepdata_free(mpb_sweepdata_t *d) { mpb_table_free(&d->tab); }

const char *mpb_sweepdata_alloc(const mpb_sweepdata_t *d, size_t row, char *buf, size_t len) {
    const char *a = mpb_table_get(&d->tab, row, "allocator");
    return mpb_copy(buf, len, a ? a : "");
}

int mpb_sweepdata_usable(const mpb_sweepdata_t *d, size_t row) {
    const char *st = mpb_table_get(&d->tab, row, "status");
    return st && strcmp(st, "build-failed") != 0;
}

mpb_sweepratio_t mpb_sweepdata_ratio(const mpb_sweepdata_t *d, size_t row, const char *wl,
                                     int threads, int m) {
    mpb_sweepratio_t out = {{NAN, NAN, NAN}, 0, 0, 0};
    char alloc[256];
    const mpb_cell_t *v =
        mpb_cells_find(d->cs, mpb_sweepdata_alloc(d, row, alloc, sizeof alloc), wl, threads);
    const mpb_cell_t *ref = mpb_cells_find(d->cs, MPB_SWEEP_REF, wl, threads);
    if (!v || !ref || !v->nvals[m] || !ref->nvals[m])
        return out;
    if (v == ref) { /* a grid point at the defaults is the default build: exactly 1 */
        out.r = (mpb_ratio_t){1, 1, 1};
        out.ok = 1, out.n = out.nref = ref->nvals[m];
        return out;
    }
    out.ok = mpb_stats_ratio(v->vals[m], v->nvals[m], ref->vals[m], ref->nvals[m], &out.r) == 0;
    out.n = v->nvals[m], out.nref = ref->nvals[m];
    return out;
}

double mpb_sweepdata_value(const mpb_sweepdata_t *d, size_t row, size_t k) {
    const char *v = mpb_table_get(&d->tab, row, d->tun[k]);
    char *end;
    double x = v ? strtod(v, &end) : NAN;
    return v && *v && !*end ? x : NAN;
}

/* Geometric mean over workloads of metric m's ratio; NAN when any is missing. */
static double geo_ratio(const mpb_sweepdata_t *d, size_t row, int threads, int m) {
    double logsum = 0;
    for (size_t w = 0; w < d->cs->nworkloads; w++) {
        mpb_sweepratio_t r = mpb_sweepdata_ratio(d, row, d->cs->workloads[w], threads, m);
        if (!r.ok || !(r.r.ratio > 0))
            return NAN;
        logsum += log(r.r.ratio);
    }
    return d->cs->nworkloads ? exp(logsum / (double)d->cs->nworkloads) : NAN;
}

int mpb_sweepdata_point(const mpb_sweepdata_t *d, size_t row, const char *wl, int threads,
                        double *time, double *rss) {
    if (wl) {
        mpb_sweepratio_t t = mpb_sweepdata_ratio(d, row, wl, threads, MPB_M_WALL);
        mpb_sweepratio_t r = mpb_sweepdata_ratio(d, row, wl, threads, MPB_M_RSS);
        *time = t.ok ? t.r.ratio : NAN;
        *rss = r.ok ? r.r.ratio : NAN;
    } else {
        *time = geo_ratio(d, row, threads, MPB_M_WALL);
        *rss = geo_ratio(d, row, threads, MPB_M_RSS);
    }
    return isnan(*time) || isnan(*rss) ? -1 : 0;
}

int mpb_sweepdata_pareto(const mpb_sweepdata_t *d, size_t row, const char *wl, int threads) {
    double t, r, t2, r2;
    if (mpb_sweepdata_point(d, row, wl, threads, &t, &r) != 0)
        return 0;
    for (size_t o = 0; o < d->tab.nrows; o++) {
        if (o == row || mpb_sweepdata_point(d, o, wl, threads, &t2, &r2) != 0)
            continue;
        if (t2 <= t && r2 <= r && (t2 < t || r2 < r))
            return 0; /* o dominates row */
    }
    return 1;
}
