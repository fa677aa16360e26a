/* `mpbench merge OUT DIR...`: joins the results folders of shards (run
 * with --shard I/N, possibly on several machines) into one. Rows are
 * read and written again through csvio (a torn last row is dropped),
 * headers must match, meta.json is the first shard's plus "merged_from", and matrix.txt
 * becomes unsharded so `mpbench run --resume OUT` would fill any gap. */
#include "commands.h"
#include "csvio.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char merge_help[] =
"usage: mpbench merge OUT DIR...\n"
"Joins results folders (shards of one matrix, see `mpbench run --shard I/N`)\n"
"into the new folder OUT: results.csv rows concatenated (headers must match),\n"
"meta.json of the first DIR with a \"merged_from\" list, matrix.txt unsharded.\n"
"Then runs summary, plot and report on OUT and prints OUT/report.md.\n"
"OUT must not exist. Exit: 0 done, 2 bad usage or mismatched headers,\n"
"4 OUT could not be written.\n";

/* Appends DIR's rows (not its header) to out through the CSV writer; the
 * first folder's header is kept in *first and the others must match it. */
static int add_rows(FILE *out, const char *dir, mpb_table_t *first)
{
    char path[PATH_MAX];
    mpb_table_t t;
    mpb_fmt(path, sizeof path, "%s/results.csv", dir);
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
static int write_meta(const char *out, char **dirs, int n)
{
    char path[PATH_MAX];
    mpb_fmt(path, sizeof path, "%s/meta.json", dirs[0]);
    json_t *meta = mpb_json_load(path), *from = json_array();
    if (!meta)
        meta = json_object();
    for (int i = 0; i < n; i++) {
        char real[PATH_MAX];
        json_array_append_new(from, mpb_json_text(realpath(dirs[i], real) ? real : dirs[i]));
    }
    json_object_set_new(meta, "merged_from", from);
    mpb_fmt(path, sizeof path, "%s/meta.json", out);
    int rc = mpb_json_save(path, meta);
    json_decref(meta);
    return rc;
}

/* OUT/matrix.txt: the first shard's with shard=1/1. */
static int write_matrix(const char *out, const char *first)
{
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

/* results.csv of OUT from every DIR. */
static int write_results(const char *out, char **dirs, int n)
{
    char path[PATH_MAX], *text = NULL;
    size_t len = 0;
    mpb_table_t first = { 0 };
    FILE *f = open_memstream(&text, &len);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = add_rows(f, dirs[i], &first);
    fclose(f);
    if (rc == 0) {
        mpb_fmt(path, sizeof path, "%s/results.csv", out);
        rc = mpb_write_file(path, text) == 0 ? 0 : 4;
        if (rc)
            fprintf(stderr, "mpbench merge: cannot write %s: %s\n", path, strerror(errno));
    }
    mpb_table_free(&first);
    free(text);
    return rc;
}

int mpb_cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(merge_help, stdout);
            return 0;
        }
        fprintf(stderr, "mpbench merge: unknown option '%s' (see mpbench merge --help)\n",
                argv[optind - 1]);
        return 2;
    }
    argc -= optind - 1, argv += optind - 1;  /* argv[1] is OUT from here on */
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
    if (mkdir(out, 0755) != 0) {
        fprintf(stderr, "mpbench merge: cannot create %s: %s\n", out, strerror(errno));
        return 4;
    }
    int rc = write_results(out, argv + 2, argc - 2);
    if (rc == 0 && (write_meta(out, argv + 2, argc - 2) != 0 || write_matrix(out, argv[2]) != 0)) {
        fprintf(stderr, "mpbench merge: cannot write into %s: %s\n", out, strerror(errno));
        rc = 4;
    }
    if (rc != 0)
        return rc;
    char *args[] = { "summary", (char *)out, NULL };
    if (mpb_cmd_summary(2, args) != 0 || (args[0] = "plot", mpb_cmd_plot(2, args)) != 0 ||
        (args[0] = "report", mpb_cmd_report(2, args)) != 0)
        fprintf(stderr, "mpbench merge: warning: %s of %s failed\n", args[0], out);
    printf("%s/report.md\n", out);
    return 0;
}
