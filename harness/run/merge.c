/* Joining the results folders of shards (run with --shard I/N, possibly on
 * several machines) into one: `mpbench merge OUT DIR...` (cli/merge_cmd.c
 * then analyses OUT). Rows are read and written again through csvio (a
 * torn last row is dropped), headers must match, meta.json is the first
 * shard's plus "merged_from", and matrix.txt becomes unsharded so
 * `mpbench run --resume OUT` would fill any gap. */
#include "common/csvio.h"
#include "common/json.h"
#include "common/lock.h"
#include "run/merge.h"
#include "common/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Appends the rows (not the header) of DIR/name to out through the CSV
 * writer; the first folder's header is kept in *first and the others must
 * match it. An optional file a folder lacks adds nothing. */
static int add_rows(FILE *out, const char *dir, const char *name, int optional,
                    mpb_table_t *first) {
    char path[PATH_MAX];
    mpb_table_t t;
    mpb_fmt(path, sizeof path, "%s/%s", dir, name);
    if (optional && !mpb_is_file(path))
        return 0;
    if (mpb_table_load(path, &t) != 0)
        return 2;
    const mpb_table_t *h = first->cols ? first : &t;
    int same = h->ncols == t.ncols;
    for (size_t j = 0; same && j < t.ncols; j++)
        same = !strcmp(h->cols[j], t.cols[j]);
    if (!same) {
        fprintf(stderr, "mpbench merge: %s: header differs from the first folder's\n", path);
        mpb_table_free(&t);
        return 2;
    }
    if (!first->cols)
        mpb_csv_line(out, (const char *const *)t.cols, t.ncols);
    for (size_t i = 0; i < t.nrows; i++)
        mpb_csv_line(out, (const char *const *)t.rows[i], t.ncols);
    if (first->cols)
        mpb_table_free(&t);
    else
        *first = t;
    return 0;
}

/* OUT/meta.json: the first shard's meta with "merged_from" added. */
static int write_meta(const char *out, char **dirs, int n) {
    char path[PATH_MAX];
    mpb_fmt(path, sizeof path, "%s/meta.json", dirs[0]);
    json_t *meta = mpb_json_load(path), *from = json_array();
    long warmups = 0;
    if (!meta)
        meta = json_object();
    for (int i = 0; i < n; i++) {
        char real[PATH_MAX];
        json_array_append_new(from, mpb_json_text(realpath(dirs[i], real) ? real : dirs[i]));
        mpb_fmt(path, sizeof path, "%s/meta.json", dirs[i]);
        json_t *m = mpb_json_load(path); /* each shard made its own warm-ups */
        json_t *w = json_object_get(json_object_get(m, "matrix"), "warmup_runs");
        warmups += json_is_integer(w) ? (long)json_integer_value(w) : 0;
        json_decref(m);
    }
    json_object_set_new(meta, "merged_from", from);
    mpb_merge_mark(meta, dirs, n);
    if (json_is_object(json_object_get(meta, "matrix")))
        json_object_set_new(json_object_get(meta, "matrix"), "warmup_runs", json_integer(warmups));
    mpb_fmt(path, sizeof path, "%s/meta.json", out);
    int rc = mpb_json_save(path, meta);
    json_decref(meta);
    return rc;
}

/* OUT/matrix.txt: the first shard's with shard=1/1. */
static int write_matrix(const char *out, const char *first) {
    char path[PATH_MAX], *text = NULL, *save = NULL;
    size_t len = 0;
    mpb_fmt(path, sizeof path, "%s/matrix.txt", first);
    char *m = mpb_read_file(path);
    if (!m)
        return 0;
    FILE *f = open_memstream(&text, &len);
    for (char *l = strtok_r(m, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        fprintf(f, "%s\n", strncmp(l, "shard=", 6) ? l : "shard=1/1");
    fclose(f);
    mpb_fmt(path, sizeof path, "%s/matrix.txt", out);
    int rc = mpb_write_file(path, text);
    free(m), free(text);
    return rc;
}

/* OUT/name from every DIR's (results.csv; timeline.csv, optional: written
 * when some DIR has one). */
static int write_csv(const char *out, char **dirs, int n, const char *name, int optional) {
    char path[PATH_MAX], *text = NULL;
    size_t len = 0;
    mpb_table_t first = {0};
    FILE *f = open_memstream(&text, &len);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = add_rows(f, dirs[i], name, optional, &first);
    fclose(f);
    if (rc == 0 && first.cols) {
        mpb_fmt(path, sizeof path, "%s/%s", out, name);
        rc = mpb_write_file(path, text) == 0 ? 0 : 4;
        if (rc)
            fprintf(stderr, "mpbench merge: cannot write %s: %s\n", path, strerror(errno));
    }
    mpb_table_free(&first);
    free(text);
    return rc;
}

int mpb_merge(const char *out, char **dirs, int n, const mpb_merge_opts_t *mo) {
    struct stat st;
    if (stat(out, &st) == 0) {
        fprintf(stderr, "mpbench merge: %s already exists; choose a new OUT\n", out);
        return 2;
    }
    int rc = mpb_merge_check(dirs, n);
    if (rc == 0)
        rc = mpb_merge_check_context(dirs, n, mo);
    if (rc != 0)
        return rc;
    if (mkdir(out, 0755) != 0) {
        fprintf(stderr, "mpbench merge: cannot create %s: %s\n", out, strerror(errno));
        return 4;
    }
    if ((rc = mpb_lock_take(out, "mpbench merge")) != 0)
        return rc < 0 ? 4 : rc;
    rc = write_csv(out, dirs, n, "results.csv", 0);
    if (rc == 0)
        rc = write_csv(out, dirs, n, "timeline.csv", 1);
    if (rc == 0 && (write_meta(out, dirs, n) != 0 || write_matrix(out, dirs[0]) != 0)) {
        fprintf(stderr, "mpbench merge: cannot write into %s: %s\n", out, strerror(errno));
        rc = 4;
    }
    mpb_lock_release(out);
    return rc;
}
