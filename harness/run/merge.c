/* `mpbench merge OUT DIR...`: joins the results folders of shards (run
 * with --shard I/N, possibly on several machines) into one. Rows are
 * read and written again through csvio (a torn last row is dropped),
 * headers must match, meta.json is the first shard's plus "merged_from", and matrix.txt
 * becomes unsharded so `mpbench run --resume OUT` would fill any gap. */
#include "cli/commands.h"
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

static const char merge_help[] =
    "usage: mpbench merge [--allow-mixed] [--allow-incomplete] OUT DIR...\n"
    "Joins results folders (shards of one matrix, see `mpbench run --shard I/N`)\n"
    "into the new folder OUT: results.csv rows concatenated (headers must match),\n"
    "timeline.csv rows likewise (from the folders that have one),\n"
    "meta.json of the first DIR with a \"merged_from\" list, matrix.txt unsharded.\n"
    "Then runs summary, plot and report on OUT and prints OUT/report.md.\n"
    "The folders must be distinct shards of one run: the same matrix.txt (but\n"
    "for the shard number), no run (allocator, workload, threads, rep) in two\n"
    "of them, none being written by a running mpbench, every allocator the\n"
    "same build in each (refused otherwise: two builds under one name), run on\n"
    "the same machine (host, CPU model, cores, kernel) with the same allocator\n"
    "environment, and complete (refused otherwise, unless:)\n"
    "  --allow-mixed       join shards of other machines or environments: each\n"
    "                      shard is recorded in meta.json (\"shards\") and the\n"
    "                      result marked (\"mixed\"; the report says so first)\n"
    "  --allow-incomplete  join interrupted or unfinished shards: the result's\n"
    "                      state is \"incomplete\"\n"
    "OUT must not exist. Exit: 0 done, 2 bad usage, mismatched headers or\n"
    "folders that are not shards of one run, 3 a folder is in use by another\n"
    "mpbench, 4 OUT could not be written.\n";

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

/* summary, plot and report of OUT (failures are warnings); prints the
 * report's path once it exists. */
static void analyse(const char *out) {
    static const char *const names[] = {"summary", "plot", "report"};
    int (*const cmds[])(int, char **) = {mpb_cmd_summary, mpb_cmd_plot, mpb_cmd_report};
    int rc = 0;
    for (int i = 0; i < 3; i++) {
        char *args[] = {(char *)names[i], (char *)out, NULL};
        fflush(stdout);
        mpb_nested++;
        rc = cmds[i](2, args);
        mpb_nested--;
        if (rc != 0)
            fprintf(stderr, "mpbench merge: warning: `mpbench %s %s` failed (exit %d)\n", names[i],
                    out, rc);
    }
    if (rc == 0 && !mpb_nested)
        printf("%s/report.md\n", out);
}

/* Takes --allow-mixed and --allow-incomplete out of argv (kept in o). */
static int take_options(int *argc, char **argv, mpb_merge_opts_t *o) {
    int k = 1;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--allow-mixed"))
            o->allow_mixed = 1;
        else if (!strcmp(argv[i], "--allow-incomplete"))
            o->allow_incomplete = 1;
        else
            argv[k++] = argv[i];
    }
    *argc = k;
    argv[k] = NULL;
    return 0;
}

int mpb_cmd_merge(int argc, char **argv) {
    mpb_merge_opts_t mo;
    take_options(&argc, argv, &mo);
    int first, rc = mpb_parse_help_only(argc, argv, merge_help, &first);
    if (rc >= 0)
        return rc;
    argc -= first - 1, argv += first - 1; /* argv[1] is OUT from here on */
    if (argc < 3) {
        fputs("mpbench merge: want OUT and at least one DIR (see mpbench merge --help)\n", stderr);
        return 2;
    }
    const char *out = argv[1];
    struct stat st;
    if (stat(out, &st) == 0) {
        fprintf(stderr, "mpbench merge: %s already exists; choose a new OUT\n", out);
        return 2;
    }
    rc = mpb_merge_check(argv + 2, argc - 2);
    if (rc == 0)
        rc = mpb_merge_check_context(argv + 2, argc - 2, &mo);
    if (rc != 0)
        return rc;
    if (mkdir(out, 0755) != 0) {
        fprintf(stderr, "mpbench merge: cannot create %s: %s\n", out, strerror(errno));
        return 4;
    }
    if ((rc = mpb_lock_take(out, "mpbench merge")) != 0)
        return rc < 0 ? 4 : rc;
    rc = write_csv(out, argv + 2, argc - 2, "results.csv", 0);
    if (rc == 0)
        rc = write_csv(out, argv + 2, argc - 2, "timeline.csv", 1);
    if (rc == 0 && (write_meta(out, argv + 2, argc - 2) != 0 || write_matrix(out, argv[2]) != 0)) {
        fprintf(stderr, "mpbench merge: cannot write into %s: %s\n", out, strerror(errno));
        rc = 4;
    }
    if (rc == 0)
        analyse(out);
    mpb_lock_release(out);
    return rc;
}
