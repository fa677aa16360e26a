/* analysis/cells.c, table-driven: how rows of results.csv become cells
 * (allocator x workload x threads, sized kernel-sim rows keyed test/<size>B),
 * which rows count (ok), which are counted by status, which are skipped
 * (warm-up, a repeated rep, a malformed value), which baseline ratios go to
 * (glibc, or buddy-slab for kernel-sim rows), and which folders are refused
 * (mixed measure modes, one cell mixing scales). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/cells.h"

#define HDR "allocator,variant,workload,threads,rep,status,wall_s,max_rss_kb,ops_per_s\n"

/* Writes text as DIR/results.csv in a fresh temporary folder; returns DIR. */
static const char *folder(const char *text) {
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/mpb-cells-%d", (int)getpid());
    mkdir(dir, 0755);
    char path[96];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return dir;
}

static void cleanup(const char *dir) {
    char path[96];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    unlink(path);
    rmdir(dir);
}

Test(cells, grouping_statuses_and_skips, .init = cr_redirect_stderr) {
    const char *dir = folder(HDR "glibc,,pairs,1,0,warmup,9,9,9\n"
                                 "glibc,,pairs,1,1,ok,1.0,100,10\n"
                                 "glibc,,pairs,1,2,ok,3.0,300,30\n"
                                 "glibc,,pairs,1,2,ok,5.0,500,50\n" /* rep 2 again: skipped */
                                 "glibc,,pairs,1,3,ok,2.0,200,20\n"
                                 "mpalloc,,pairs,1,1,ok,0.5,50,40\n"
                                 "mpalloc,,pairs,1,2,crashed,,,\n"
                                 "mpalloc,,pairs,1,3,timeout,,,\n"
                                 "mpalloc,,pairs,1,4,ok,abc,60,40\n" /* malformed: skipped */
                                 "mpalloc,,pairs,2,1,ok,0.25,70,80\n"
                                 "jemalloc,,larson,1,1,ok,1,1,1\n");
    mpb_cellset_t cs;
    cr_assert_eq(mpb_cells_load(dir, &cs), 0);
    cleanup(dir);
    cr_assert_eq(cs.ncells, 4);
    cr_assert_eq(cs.nwarmup, 1);
    cr_assert_eq(cs.ndup, 1);
    cr_assert_eq(cs.nbad, 1);
    cr_assert_str_eq(cs.baseline, "glibc");
    cr_assert_eq(cs.nthreads, 2);
    cr_assert(cs.threads[0] == 1 && cs.threads[1] == 2);
    cr_assert_str_eq(cs.allocs[0], "glibc", "known rivals first");
    const mpb_cell_t *g = mpb_cells_find(&cs, "glibc", "pairs", 1);
    cr_assert_not_null(g);
    cr_assert_eq(g->n_ok, 3);
    cr_assert_eq(g->nvals[MPB_M_WALL], 3);
    const mpb_cell_t *m = mpb_cells_find(&cs, "mpalloc", "pairs", 1);
    cr_assert_not_null(m);
    cr_assert_eq(m->n_ok, 1);
    cr_assert_eq(m->n_failed, 3, "crashed, timeout and the malformed row: counted, not measured");
    cr_assert_eq(m->nfails, 3);
    cr_assert_str_eq(m->fails[2].status, "bad-value");
    cr_assert_null(mpb_cells_find(&cs, "mpalloc", "larson", 1));
    mpb_cellstat_t s;
    cr_assert_eq(mpb_cells_stat(&cs, g, MPB_M_WALL, &s), 0);
    cr_assert_eq(s.st.median, 2.0);
    cr_assert_eq(mpb_cells_stat(&cs, m, MPB_M_WALL, &s), 0);
    cr_assert(s.has_ratio, "mpalloc's cell has a glibc cell to be compared with");
    cr_assert_float_eq(s.ratio.ratio, 0.25, 1e-12, "0.5 / 2.0");
    const mpb_cell_t *j = mpb_cells_find(&cs, "jemalloc", "larson", 1);
    cr_assert_eq(mpb_cells_stat(&cs, j, MPB_M_WALL, &s), 0);
    cr_assert_not(s.has_ratio, "no glibc cell for larson: no ratio");
    mpb_cells_free(&cs);
}

Test(cells, kernel_rows_are_sized_cells_with_their_own_baseline) {
    const char *dir = folder("allocator,variant,workload,threads,rep,status,size,cycles_per_op\n"
                             "buddy-slab,kernel,pair,1,1,ok,64,10\n"
                             "buddy-slab,kernel,pair,1,1,ok,4096,20\n"
                             "mpalloc,kernel,pair,1,1,ok,64,5\n"
                             "mpalloc,kernel,pair,1,1,ok,4096,30\n");
    mpb_cellset_t cs;
    cr_assert_eq(mpb_cells_load(dir, &cs), 0);
    cleanup(dir);
    cr_assert_eq(cs.ncells, 4, "one cell per size");
    cr_assert_str_eq(cs.baseline, "buddy-slab");
    cr_assert_eq(cs.nsizes, 2);
    const mpb_cell_t *c = mpb_cells_find(&cs, "mpalloc", "pair/4096B", 1);
    cr_assert_not_null(c);
    mpb_cellstat_t s;
    cr_assert_eq(mpb_cells_stat(&cs, c, MPB_M_CYCLES, &s), 0);
    cr_assert(s.has_ratio);
    cr_assert_float_eq(s.ratio.ratio, 1.5, 1e-12);
    mpb_cells_free(&cs);
}

typedef struct refused_case {
    const char *csv;
    const char *why;
} refused_case_t;

static const refused_case_t refused[] = {
    {"allocator,variant,workload,threads,rep,status,wall_s,measure\n"
     "glibc,,pairs,1,1,ok,1,time\nglibc,,pairs,1,2,ok,1,instructions\n",
     "measure modes mixed in one folder"},
    {"allocator,variant,workload,threads,rep,status,wall_s,scale\n"
     "glibc,,pairs,1,1,ok,1,0.1\nglibc,,pairs,1,2,ok,1,1\n",
     "one cell mixing scales"},
};

Test(cells, folders_that_mix_experiments_are_refused, .init = cr_redirect_stderr) {
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *dir = folder(refused[i].csv);
        mpb_cellset_t cs;
        int rc = mpb_cells_load(dir, &cs);
        cleanup(dir);
        if (rc == 0)
            mpb_cells_free(&cs);
        cr_assert_eq(rc, -1, "accepted: %s", refused[i].why);
    }
}

Test(cells, missing_results_are_refused, .init = cr_redirect_stderr) {
    mpb_cellset_t cs;
    cr_assert_eq(mpb_cells_load("/nonexistent-folder", &cs), -1);
}

typedef struct key_case {
    const char *test;
    long size;
    const char *key;
} key_case_t;

static const key_case_t keys[] = {
    {"pairs", 0, "pairs"},
    {"pair", 64, "pair/64B"},
    {"remote", 16384, "remote/16384B"},
};

Test(cells, workload_keys) {
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char buf[64];
        cr_assert_str_eq(mpb_cells_key(keys[i].test, keys[i].size, buf, sizeof buf), keys[i].key);
    }
}
