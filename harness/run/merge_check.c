/* What `mpbench merge` checks before it joins folders: they are distinct
 * folders, none is being written, each is a run folder whose matrix.txt
 * describes the same matrix (allocators, workloads, threads, repetitions,
 * scale, measure mode, warm-up, pinning, shard count) as distinct shards,
 * and no run (allocator, workload, threads, rep) appears twice: pooling
 * such folders would count runs twice or mix different experiments under
 * one cell. */
#include "common/lock.h"
#include "catalog/matrix.h"
#include "run/merge.h"
#include "common/csvio.h"
#include "common/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One run's identity, for finding overlaps. */
typedef struct runkey {
    char *key;    /* allocator \x1f workload \x1f threads \x1f rep */
    int dir;      /* index of its folder */
    size_t row;   /* its line in results.csv */
    double scale; /* its scale column (-1: none) */
} runkey_t;

/* Same folder twice (by device and inode)? Returns 0 or 2. */
static int check_distinct(char **dirs, int n) {
    struct stat *st = mpb_xrealloc(NULL, (size_t)n * sizeof *st);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        if (stat(dirs[i], &st[i]) != 0 || !S_ISDIR(st[i].st_mode)) {
            fprintf(stderr, "mpbench merge: %s is not a folder\n", dirs[i]);
            rc = 2;
        }
        for (int j = 0; j < i && !rc; j++)
            if (st[i].st_dev == st[j].st_dev && st[i].st_ino == st[j].st_ino) {
                fprintf(stderr,
                        "mpbench merge: %s and %s are the same folder: its runs "
                        "would be counted twice\n",
                        dirs[j], dirs[i]);
                rc = 2;
            }
    }
    free(st);
    return rc;
}

/* 1 when lists a and b hold the same items (any order). */
static int same_set(const mpb_strlist_t *a, const mpb_strlist_t *b) {
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        size_t j = 0;
        while (j < b->n && strcmp(a->v[i], b->v[j]))
            j++;
        if (j == b->n)
            return 0;
    }
    return 1;
}

/* 1 when the thread lists hold the same counts. */
static int same_threads(const mpb_matrix_t *a, const mpb_matrix_t *b) {
    if (a->nthreads != b->nthreads)
        return 0;
    for (size_t i = 0; i < a->nthreads; i++) {
        size_t j = 0;
        while (j < b->nthreads && a->threads[i] != b->threads[j])
            j++;
        if (j == b->nthreads)
            return 0;
    }
    return 1;
}

/* The first way matrix b differs from a, or NULL. */
static const char *matrix_difference(const mpb_matrix_t *a, const mpb_matrix_t *b) {
    if (!same_set(&a->allocs, &b->allocs))
        return "allocators";
    if (!same_set(&a->workloads, &b->workloads))
        return "workloads";
    if (!same_set(&a->commands, &b->commands) || !same_set(&a->prepare, &b->prepare) ||
        !same_set(&a->ops_from, &b->ops_from))
        return "commands (--command, --prepare, --ops-from)";
    if (!same_threads(a, b))
        return "thread counts";
    if (a->repeat != b->repeat)
        return "repetitions";
    if (a->scale != b->scale)
        return "scale";
    if (a->measure != b->measure)
        return "measure mode";
    if (a->warmup != b->warmup)
        return "warm-up";
    if (a->pin != b->pin)
        return "pinning";
    if (a->shard_n != b->shard_n)
        return "shard count (--shard I/N)";
    return NULL;
}

/* Every folder's matrix.txt against the first's, shards distinct. */
static int check_matrices(char **dirs, int n, mpb_matrix_t *m) {
    char path[PATH_MAX + 16];
    for (int i = 0; i < n; i++) {
        mpb_fmt(path, sizeof path, "%s/matrix.txt", dirs[i]);
        if (mpb_matrix_load(&m[i], path) != 0) {
            fprintf(stderr,
                    "mpbench merge: %s is not the folder of an `mpbench run` (no "
                    "readable matrix.txt)\n",
                    dirs[i]);
            return 2;
        }
        const char *diff = i ? matrix_difference(&m[0], &m[i]) : NULL;
        if (diff) {
            fprintf(stderr,
                    "mpbench merge: %s and %s were not run with the same matrix (%s "
                    "differ): they are not shards of one run\n",
                    dirs[0], dirs[i], diff);
            return 2;
        }
        if (i && m[0].timeout_s != m[i].timeout_s)
            fprintf(stderr, "mpbench merge: warning: %s and %s used different timeouts\n", dirs[0],
                    dirs[i]);
        if (i && m[0].sample_ms != m[i].sample_ms)
            fprintf(stderr,
                    "mpbench merge: warning: %s and %s sampled RSS every %g and %g ms (0: off): "
                    "the sampler shares the CPUs with the runs\n",
                    dirs[0], dirs[i], m[0].sample_ms, m[i].sample_ms);
        for (int j = 0; j < i; j++)
            if (m[j].shard_i == m[i].shard_i) {
                fprintf(stderr, "mpbench merge: %s and %s are both shard %d/%d\n", dirs[j], dirs[i],
                        m[i].shard_i, m[i].shard_n);
                return 2;
            }
    }
    return 0;
}

/* One row's key into keys[*nk]; checks its identity columns. Returns 0 or 2. */
static int add_key(const mpb_table_t *t, size_t r, const mpb_matrix_t *m, const char *csv,
                   runkey_t *k, int dir) {
    const char *a = mpb_table_get(t, r, "allocator"), *w = mpb_table_get(t, r, "workload");
    const char *th = mpb_table_get(t, r, "threads"), *rep = mpb_table_get(t, r, "rep");
    const char *sc = mpb_table_get(t, r, "scale"), *me = mpb_table_get(t, r, "measure");
    long tv, rv;
    double sv;
    if (!a || !w || !th || !rep || !*a || !*w || mpb_parse_long(th, 1, 1 << 20, &tv) ||
        mpb_parse_long(rep, 1, 1000000, &rv)) {
        fprintf(stderr,
                "mpbench merge: %s line %zu: no valid allocator, workload, threads "
                "and rep\n",
                csv, r + 2);
        return 2;
    }
    int known = 0;
    for (size_t i = 0; i < m->nthreads; i++)
        known |= m->threads[i] == tv;
    if (rv > m->repeat || !known) {
        fprintf(stderr,
                "mpbench merge: %s line %zu: %s %ld is outside its matrix (--repeat %d, threads "
                "as in matrix.txt): a row its run did not write (joined from another "
                "results.csv or edited by hand)\n",
                csv, r + 2, rv > m->repeat ? "rep" : "threads", rv > m->repeat ? rv : tv,
                m->repeat);
        return 2;
    }
    sv = -1;
    if ((sc && *sc && mpb_parse_double(sc, 0, 1e12, &sv)) ||
        (me && *me && strcmp(me, mpb_matrix_measure_name(m->measure)))) {
        fprintf(stderr,
                "mpbench merge: %s line %zu: scale '%s' or measure '%s' is not its "
                "matrix's\n",
                csv, r + 2, sc ? sc : "", me ? me : "");
        return 2;
    }
    k->scale = sv;
    size_t len = strlen(a) + strlen(w) + 64;
    k->key = mpb_xrealloc(NULL, len);
    mpb_fmt(k->key, len, "%s\x1f%s\x1f%ld\x1f%ld", a, w, tv, rv);
    k->dir = dir;
    k->row = r + 2;
    return 0;
}

static int by_key(const void *x, const void *y) {
    return strcmp(((const runkey_t *)x)->key, ((const runkey_t *)y)->key);
}

/* Length of a key's allocator/workload/threads part (the cell). */
static size_t cell_len(const char *key) {
    const char *last = strrchr(key, '\x1f');
    return last ? (size_t)(last - key) : strlen(key);
}

/* Sorted keys: one run twice, or one cell at two scales. Returns 0 or 2. */
static int check_sorted(runkey_t *keys, size_t nk, char **dirs) {
    for (size_t i = 1; i < nk; i++) {
        runkey_t *p = &keys[i - 1], *k = &keys[i];
        int dup = !strcmp(k->key, p->key);
        int rescaled = !dup && cell_len(k->key) == cell_len(p->key) &&
                       !strncmp(k->key, p->key, cell_len(k->key)) && k->scale != p->scale;
        if (!dup && !rescaled)
            continue;
        for (char *c = k->key; *c; c++)
            *c = *c == '\x1f' ? ' ' : *c;
        fprintf(stderr,
                "mpbench merge: %s '%s' (allocator workload threads rep) %s %s line %zu "
                "and in %s line %zu\n",
                dup ? "the run" : "the cell of", k->key, dup ? "is in" : "has another scale in",
                dirs[p->dir], p->row, dirs[k->dir], k->row);
        return 2;
    }
    return 0;
}

/* Every row of every folder: valid identity, and no run twice. */
static int check_rows(char **dirs, int n, const mpb_matrix_t *m) {
    runkey_t *keys = NULL;
    size_t nk = 0;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        char csv[PATH_MAX + 16];
        mpb_table_t t;
        mpb_fmt(csv, sizeof csv, "%s/results.csv", dirs[i]);
        if (mpb_table_load(csv, &t) != 0)
            return 2;
        keys = mpb_xrealloc(keys, (nk + t.nrows + 1) * sizeof *keys);
        for (size_t r = 0; r < t.nrows && !rc; r++)
            if ((rc = add_key(&t, r, &m[i], csv, &keys[nk], i)) == 0)
                nk++;
        mpb_table_free(&t);
    }
    if (!rc) {
        qsort(keys, nk, sizeof *keys, by_key);
        rc = check_sorted(keys, nk, dirs);
    }
    for (size_t i = 0; i < nk; i++)
        free(keys[i].key);
    free(keys);
    return rc;
}

int mpb_merge_check(char **dirs, int n) {
    int rc = check_distinct(dirs, n);
    for (int i = 0; i < n && !rc; i++)
        if (mpb_lock_busy(dirs[i], "mpbench merge"))
            rc = MPB_EXIT_BUSY;
    mpb_matrix_t *m = calloc((size_t)n, sizeof *m);
    if (!rc)
        rc = check_matrices(dirs, n, m);
    if (!rc)
        rc = check_rows(dirs, n, m);
    for (int i = 0; i < n; i++)
        mpb_matrix_free(&m[i]);
    free(m);
    return rc;
}
