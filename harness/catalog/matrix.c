/* The matrix description and matrix.txt. The file is plain text so a user
 * can read what a results folder was meant to hold; mpbench writes it once
 * at the start of a run and reads it back for --resume. */
#include "catalog/matrix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mpb_matrix_parse_threads(mpb_matrix_t *m, const char *list) {
    mpb_strlist_t l = {0};
    mpb_strlist_split(&l, list);
    int bad = l.n == 0 || l.n > MPB_MAX_THREADS;
    m->nthreads = 0;
    for (size_t i = 0; i < l.n && !bad; i++) {
        long t = 0;
        bad = mpb_parse_long(l.v[i], 1, 4096, &t) != 0;
        for (size_t k = 0; k < m->nthreads && !bad; k++)
            bad = m->threads[k] == (int)t; /* a cell listed twice */
        m->threads[m->nthreads++] = (int)t;
    }
    mpb_strlist_free(&l);
    return bad ? -1 : 0;
}

const char *mpb_matrix_measure_name(int measure) {
    return measure == MPB_MEASURE_INSTRUCTIONS ? "instructions" : "time";
}

int mpb_matrix_save(const mpb_matrix_t *m, const char *path) {
    size_t cap = 1024;
    for (size_t i = 0; i < m->allocs.n; i++)
        cap += strlen(m->allocs.v[i]) + 1;
    for (size_t i = 0; i < m->workloads.n; i++)
        cap += strlen(m->workloads.v[i]) + 1;
    char *text = mpb_xrealloc(NULL, cap), *a = mpb_xrealloc(NULL, cap),
         *w = mpb_xrealloc(NULL, cap);
    char t[MPB_MAX_THREADS * 6] = "";
    mpb_strlist_join(&m->allocs, a, cap);
    mpb_strlist_join(&m->workloads, w, cap);
    for (size_t i = 0; i < m->nthreads; i++)
        mpb_fmt(t + strlen(t), sizeof t - strlen(t), "%s%d", i ? "," : "", m->threads[i]);
    mpb_fmt(text, cap,
            "# mpbench matrix: read back by `mpbench run --resume DIR`\n"
            "alloc=%s\nworkload=%s\nthreads=%s\nrepeat=%d\nscale=%.17g\ntimeout=%.17g\n"
            "warmup=%.17g\npin=%d\nshard=%d/%d\nmeasure=%s\nseed=%u\nstarted=%s\n"
            "sample_ms=%.17g\n",
            a, w, t, m->repeat, m->scale, m->timeout_s, m->warmup, m->pin, m->shard_i, m->shard_n,
            mpb_matrix_measure_name(m->measure), m->seed, m->started, m->sample_ms);
    size_t off = strlen(text);
    const mpb_strlist_t *lists[] = {&m->commands, &m->prepare, &m->ops_from};
    static const char *const keys[] = {"command", "prepare", "ops_from"};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < lists[k]->n; i++) {
            size_t need = off + strlen(lists[k]->v[i]) + 16;
            if (need > cap)
                text = mpb_xrealloc(text, cap = need * 2);
            off += (size_t)mpb_fmt(text + off, cap - off, "%s=%s\n", keys[k], lists[k]->v[i]);
        }
    int rc = mpb_write_file(path, text);
    free(text), free(a), free(w);
    return rc;
}

int mpb_matrix_parse_shard(mpb_matrix_t *m, const char *val) {
    char buf[64];
    long i, n;
    size_t slash = strcspn(val, "/");
    if (!val[slash] || slash >= sizeof buf)
        return -1;
    mpb_fmt(buf, sizeof buf, "%.*s", (int)slash, val);
    if (mpb_parse_long(buf, 1, 1000000, &i) || mpb_parse_long(val + slash + 1, i, 1000000, &n))
        return -1;
    m->shard_i = (int)i, m->shard_n = (int)n;
    return 0;
}

/* Applies one key=value line; returns 0, or -1 for a bad value. */
static int load_line(mpb_matrix_t *m, const char *key, const char *val) {
    long v = 0;
    int bad = 0;
    if (!strcmp(key, "alloc"))
        mpb_strlist_split(&m->allocs, val);
    else if (!strcmp(key, "workload"))
        mpb_strlist_split(&m->workloads, val);
    else if (!strcmp(key, "command"))
        bad = !strchr(val, '\t'), mpb_strlist_add(&m->commands, val);
    else if (!strcmp(key, "prepare"))
        mpb_strlist_add(&m->prepare, val);
    else if (!strcmp(key, "ops_from"))
        mpb_strlist_add(&m->ops_from, val);
    else if (!strcmp(key, "threads"))
        return mpb_matrix_parse_threads(m, val);
    else if (!strcmp(key, "repeat"))
        bad = mpb_parse_long(val, 1, 1000000, &v), m->repeat = (int)v;
    else if (!strcmp(key, "scale"))
        bad = mpb_parse_double(val, 1e-9, 1e9, &m->scale) || m->scale <= 0;
    else if (!strcmp(key, "timeout"))
        bad = mpb_parse_double(val, 1e-3, 1e9, &m->timeout_s);
    else if (!strcmp(key, "warmup"))
        bad = mpb_parse_double(val, 0, 1e6, &m->warmup);
    else if (!strcmp(key, "pin"))
        bad = mpb_parse_long(val, 0, 1, &v), m->pin = (int)v;
    else if (!strcmp(key, "shard"))
        return mpb_matrix_parse_shard(m, val);
    else if (!strcmp(key, "measure"))
        bad = strcmp(val, "time") && strcmp(val, "instructions"),
        m->measure = !strcmp(val, "instructions") ? MPB_MEASURE_INSTRUCTIONS : MPB_MEASURE_TIME;
    else if (!strcmp(key, "seed"))
        bad = mpb_parse_long(val, 0, 4294967295L, &v), m->seed = (unsigned)v;
    else if (!strcmp(key, "sample_ms"))
        bad = mpb_parse_double(val, 0, 1e7, &m->sample_ms);
    else if (!strcmp(key, "started"))
        mpb_copy(m->started, sizeof m->started, val);
    if (bad)
        fprintf(stderr, "mpbench: matrix.txt: bad %s value '%s'\n", key, val);
    return bad ? -1 : 0;
}

int mpb_matrix_load(mpb_matrix_t *m, const char *path) {
    memset(m, 0, sizeof *m);
    m->sample_ms = MPB_SAMPLE_MS_DEFAULT;
    char *text = mpb_read_file(path);
    if (!text) {
        fprintf(stderr, "mpbench: cannot read %s\n", path);
        return -1;
    }
    int bad = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (line[0] == '#' || !eq)
            continue;
        *eq = '\0';
        bad |= load_line(m, line, eq + 1) != 0;
    }
    free(text);
    bad |= !m->allocs.n || (!m->workloads.n && !m->commands.n) || !m->nthreads || m->repeat < 1 ||
           m->shard_n < 1;
    if (bad)
        fprintf(stderr, "mpbench: %s is damaged or incomplete\n", path);
    return bad ? -1 : 0;
}

void mpb_matrix_free(mpb_matrix_t *m) {
    mpb_strlist_free(&m->allocs);
    mpb_strlist_free(&m->workloads);
    mpb_strlist_free(&m->commands);
    mpb_strlist_free(&m->prepare);
    mpb_strlist_free(&m->ops_from);
}
