/* What a sweep records beside the runner's files: DIR/sweep.csv (one row per
 * variant: name, status, flags, the swept tunables' values, the compiler's
 * message when it failed; the default build first, as the reference) and,
 * in results.csv, a `build-failed` row per failed variant, workload and
 * thread count, so the failure shows wherever the results are read; and a
 * "sweep" member in meta.json (tunables swept, build failures). */
#include "run/csvout.h"
#include "common/json.h"
#include "common/schema.h"
#include "catalog/matrix.h"
#include "common/outfmt.h"
#include "sweep/sweep.h"
#include "catalog/workload.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One sweep.csv row. */
static void csv_row(FILE *f, const mpb_sweep_t *s, const char *variant, const char *alloc,
                    const char *status, const char *flags, char (*vals)[32], const char *msg) {
    mpb_csv_put(f, variant, 1);
    mpb_csv_put(f, alloc, 0);
    mpb_csv_put(f, status, 0);
    mpb_csv_put(f, flags, 0);
    for (size_t k = 0; k < s->ntun; k++)
        mpb_csv_put(f, vals ? vals[k] : s->defs[k], 0);
    mpb_csv_put(f, msg, 0);
    fputc('\n', f);
}

int mpb_sweep_write_csv(const mpb_sweep_t *s) {
    char path[PATH_MAX], alloc[200];
    FILE *f = fopen(mpb_path(path, sizeof path, s->dir, "sweep.csv"), "w");
    if (!f) {
        perror(path);
        return -1;
    }
    fputs("variant,allocator,status,flags", f);
    for (size_t k = 0; k < s->ntun; k++)
        mpb_csv_put(f, s->names[k], 0);
    fputs(",message\n", f);
    csv_row(f, s, "default", MPB_SWEEP_REF, "reference", "", NULL, "");
    for (size_t i = 0; i < s->npts; i++) {
        const mpb_sweep_point_t *p = &s->pts[i];
        mpb_fmt(alloc, sizeof alloc, "mpalloc-%s", p->name);
        if (!strcmp(p->status, "default")) /* its values are the defaults: the reference */
            mpb_copy(alloc, sizeof alloc, MPB_SWEEP_REF);
        csv_row(f, s, p->name, alloc, p->status, p->flags, (char(*)[32])p->vals, p->message);
    }
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

/* A results.csv line for a run that could not happen: the named columns
 * filled, every other column empty. */
static void fail_line(char *buf, size_t len, const mpb_sweep_point_t *p, const char *wl,
                      int threads) {
    char alloc[200], th[16];
    mpb_fmt(alloc, sizeof alloc, "mpalloc-%s", p->name);
    mpb_fmt(th, sizeof th, "%d", threads);
    const char *v[MPB_NCOLS] = {
        [MPB_COL_ALLOCATOR] = alloc, [MPB_COL_VARIANT] = p->name,
        [MPB_COL_WORKLOAD] = wl,     [MPB_COL_THREADS] = th,
        [MPB_COL_REP] = "1",         [MPB_COL_STATUS] = "build-failed",
        [MPB_COL_MEASURE] = "time",  [MPB_COL_EXTRA] = p->message,
    };
    mpb_schema_row(&mpb_schema_run, v, buf, len);
}

/* The failed point's rows for every workload and thread count of m. */
static int fail_rows_of(int fd, const mpb_sweep_point_t *p, const mpb_matrix_t *m) {
    char line[4096];
    int rc = 0;
    for (size_t w = 0; w < m->workloads.n; w++) {
        mpb_workload_t wl;
        if (mpb_workload_resolve(m->workloads.v[w], &wl) != 0)
            mpb_copy(wl.name, sizeof wl.name, m->workloads.v[w]);
        for (size_t t = 0; t < m->nthreads && rc == 0; t++) {
            fail_line(line, sizeof line, p, wl.name, m->threads[t]);
            rc = mpb_csv_append(fd, line);
        }
    }
    return rc;
}

int mpb_sweep_fail_rows(const mpb_sweep_t *s) {
    char path[PATH_MAX];
    mpb_matrix_t m;
    if (mpb_matrix_load(&m, mpb_path(path, sizeof path, s->dir, "matrix.txt")) != 0)
        return -1;
    int fd = mpb_csv_open(mpb_path(path, sizeof path, s->dir, "results.csv"), 1), rc = 0;
    if (fd < 0) {
        perror(path);
        mpb_matrix_free(&m);
        return -1;
    }
    for (size_t i = 0; i < s->npts && rc == 0; i++)
        if (!strcmp(s->pts[i].status, "build-failed"))
            rc = fail_rows_of(fd, &s->pts[i], &m);
    close(fd);
    mpb_matrix_free(&m);
    return rc;
}

/* The "sweep" member: tunables swept, and each failed point's flags and error. */
static json_t *sweep_json(const mpb_sweep_t *s) {
    json_t *o = json_object(), *tun = json_array(), *fails = json_object();
    for (size_t k = 0; k < s->ntun; k++)
        json_array_append_new(tun, mpb_json_text(s->names[k]));
    for (size_t i = 0; i < s->npts; i++) {
        if (strcmp(s->pts[i].status, "build-failed") != 0)
            continue;
        json_t *f = json_object();
        mpb_json_set_text(f, "flags", s->pts[i].flags);
        mpb_json_set_text(f, "error", s->pts[i].message);
        json_object_set_new(fails, s->pts[i].name, f);
    }
    json_object_set_new(o, "tunables", tun);
    json_object_set_new(o, "build_failures", fails);
    return o;
}

int mpb_sweep_meta(const mpb_sweep_t *s) {
    char path[PATH_MAX];
    json_t *meta = mpb_json_load(mpb_path(path, sizeof path, s->dir, "meta.json"));
    if (!meta)
        return -1;
    json_object_set_new(meta, "sweep", sweep_json(s));
    int rc = mpb_json_save(path, meta);
    json_decref(meta);
    return rc;
}
