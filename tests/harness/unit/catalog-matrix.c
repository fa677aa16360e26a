/* catalog/matrix.c, table-driven: thread lists and shard specs accepted and
 * refused as `mpbench run` documents them, and matrix.txt written and read
 * back unchanged (what --resume relies on), with damaged files refused. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/matrix.h"

typedef struct threads_case {
    const char *list;
    int ok;
    size_t n;
    int first, last;
} threads_case_t;

static const threads_case_t threads_cases[] = {
    {"1", 1, 1, 1, 1},   {"1,2,4,8", 1, 4, 1, 8}, {"16,1", 1, 2, 16, 1}, {"4096", 1, 1, 4096, 4096},
    {"", 0, 0, 0, 0},    {"0", 0, 0, 0, 0},       {"-1", 0, 0, 0, 0},    {"4097", 0, 0, 0, 0},
    {"2,2", 0, 0, 0, 0}, {"1,x", 0, 0, 0, 0},     {"1.5", 0, 0, 0, 0},   {"1,,2", 1, 2, 1, 2},
};

Test(matrix, threads) {
    for (size_t i = 0; i < sizeof threads_cases / sizeof threads_cases[0]; i++) {
        const threads_case_t *c = &threads_cases[i];
        mpb_matrix_t m;
        memset(&m, 0, sizeof m);
        int rc = mpb_matrix_parse_threads(&m, c->list);
        cr_assert_eq(rc == 0, c->ok, "'%s': rc %d", c->list, rc);
        if (!c->ok)
            continue;
        cr_assert_eq(m.nthreads, c->n, "'%s'", c->list);
        cr_assert_eq(m.threads[0], c->first);
        cr_assert_eq(m.threads[m.nthreads - 1], c->last);
    }
}

Test(matrix, too_many_thread_counts) {
    char list[4096] = "1";
    for (int t = 2; t <= MPB_MAX_THREADS + 1; t++)
        snprintf(list + strlen(list), sizeof list - strlen(list), ",%d", t);
    mpb_matrix_t m;
    memset(&m, 0, sizeof m);
    cr_assert_eq(mpb_matrix_parse_threads(&m, list), -1);
}

typedef struct shard_case {
    const char *spec;
    int ok, i, n;
} shard_case_t;

static const shard_case_t shard_cases[] = {
    {"1/1", 1, 1, 1}, {"2/3", 1, 2, 3}, {"3/3", 1, 3, 3},  {"4/3", 0, 0, 0},
    {"0/3", 0, 0, 0}, {"1/0", 0, 0, 0}, {"1", 0, 0, 0},    {"/3", 0, 0, 0},
    {"1/", 0, 0, 0},  {"a/b", 0, 0, 0}, {"-1/2", 0, 0, 0},
};

Test(matrix, shard) {
    for (size_t i = 0; i < sizeof shard_cases / sizeof shard_cases[0]; i++) {
        const shard_case_t *c = &shard_cases[i];
        mpb_matrix_t m;
        memset(&m, 0, sizeof m);
        int rc = mpb_matrix_parse_shard(&m, c->spec);
        cr_assert_eq(rc == 0, c->ok, "'%s': rc %d", c->spec, rc);
        if (c->ok)
            cr_assert(m.shard_i == c->i && m.shard_n == c->n, "'%s': %d/%d", c->spec, m.shard_i,
                      m.shard_n);
    }
}

/* A temporary file name for matrix.txt. */
static void tmp_path(char *buf, size_t len) {
    snprintf(buf, len, "/tmp/mpb-matrix-test-%d.txt", (int)getpid());
}

Test(matrix, save_then_load_is_the_same_matrix) {
    mpb_matrix_t m, back;
    memset(&m, 0, sizeof m);
    mpb_strlist_split(&m.allocs, "glibc,mpalloc,/opt/lib/libx.so");
    mpb_strlist_split(&m.workloads, "pairs,larson@0.5");
    cr_assert_eq(mpb_matrix_parse_threads(&m, "1,2,16"), 0);
    m.repeat = 7, m.scale = 0.1, m.timeout_s = 120.5, m.warmup = 0.25, m.pin = 1;
    m.shard_i = 2, m.shard_n = 3, m.measure = MPB_MEASURE_INSTRUCTIONS, m.seed = 4000000000u;
    m.sample_ms = 2.5;
    snprintf(m.started, sizeof m.started, "2026-12-07T03:00:00Z");
    char path[64];
    tmp_path(path, sizeof path);
    cr_assert_eq(mpb_matrix_save(&m, path), 0);
    cr_assert_eq(mpb_matrix_load(&back, path), 0);
    unlink(path);
    cr_assert_eq(back.allocs.n, 3);
    cr_assert_str_eq(back.allocs.v[2], "/opt/lib/libx.so");
    cr_assert_str_eq(back.workloads.v[1], "larson@0.5");
    cr_assert_eq(back.nthreads, 3);
    cr_assert_eq(back.threads[2], 16);
    cr_assert_eq(back.repeat, 7);
    cr_assert_eq(back.scale, 0.1, "%.17g written exactly");
    cr_assert_eq(back.timeout_s, 120.5);
    cr_assert_eq(back.warmup, 0.25);
    cr_assert(back.pin == 1 && back.shard_i == 2 && back.shard_n == 3);
    cr_assert_eq(back.measure, MPB_MEASURE_INSTRUCTIONS);
    cr_assert_eq(back.seed, 4000000000u);
    cr_assert_eq(back.sample_ms, 2.5);
    cr_assert_str_eq(back.started, m.started);
    mpb_matrix_free(&m);
    mpb_matrix_free(&back);
}

typedef struct damaged_case {
    const char *text;
} damaged_case_t;

static const damaged_case_t damaged_cases[] = {
    {""},
    {"alloc=glibc\nthreads=1\nrepeat=1\nshard=1/1\n"},                 /* no workload */
    {"alloc=glibc\nworkload=pairs\nrepeat=1\nshard=1/1\n"},            /* no threads */
    {"alloc=glibc\nworkload=pairs\nthreads=1\nrepeat=0\nshard=1/1\n"}, /* repeat 0 */
    {"alloc=glibc\nworkload=pairs\nthreads=1\nrepeat=1\nshard=2/1\n"}, /* bad shard */
    {"alloc=glibc\nworkload=pairs\nthreads=1\nrepeat=1\nshard=1/1\nscale=-1\n"},
    {"alloc=glibc\nworkload=pairs\nthreads=1\nrepeat=1\nshard=1/1\nmeasure=cycles\n"},
    {"alloc=glibc\nworkload=pairs\nthreads=1\nrepeat=1\nshard=1/1\npin=2\n"},
};

Test(matrix, damaged, .init = cr_redirect_stderr) {
    for (size_t i = 0; i < sizeof damaged_cases / sizeof damaged_cases[0]; i++) {
        const damaged_case_t *c = &damaged_cases[i];
        char path[64];
        tmp_path(path, sizeof path);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(c->text, f);
        fclose(f);
        mpb_matrix_t m;
        int rc = mpb_matrix_load(&m, path);
        unlink(path);
        mpb_matrix_free(&m);
        cr_assert_eq(rc, -1, "accepted: %s", c->text);
    }
}

Test(matrix, missing_file_is_refused, .init = cr_redirect_stderr) {
    mpb_matrix_t m;
    cr_assert_eq(mpb_matrix_load(&m, "/nonexistent/matrix.txt"), -1);
}
