/* common/schema.c: both writers' headers start with the contract's fourteen
 * columns (DESIGN.md) and are byte for byte what results.csv and ks-bench
 * have always written (readers, committed results and other tools match
 * them); a row puts each cell under its column, quotes like csvio, leaves
 * missing cells empty, and says when it was cut. */
#include <criterion/criterion.h>
#include <string.h>

#include "common/csvio.h"
#include "common/schema.h"

static const char contract[] = "allocator,variant,workload,threads,rep,status,wall_s,user_s,"
                               "sys_s,max_rss_kb,minflt,majflt,ops,ops_per_s";

Test(schema, run_header_as_results_csv_has_it) {
    cr_assert_str_eq(mpb_schema_header(&mpb_schema_run),
                     "allocator,variant,workload,threads,rep,status,wall_s,user_s,sys_s,"
                     "max_rss_kb,minflt,majflt,ops,ops_per_s,exit_code,signal,task_clock_ms,"
                     "page_faults,ctx_switches,cycles,instructions,cache_misses,"
                     "live_peak_bytes,rss_after_kb,scale,measure,lib,build_id,extra");
}

Test(schema, kernel_header_as_ks_bench_has_it) {
    cr_assert_str_eq(mpb_schema_header(&mpb_schema_kernel),
                     "allocator,variant,workload,threads,rep,status,wall_s,user_s,sys_s,"
                     "max_rss_kb,minflt,majflt,ops,ops_per_s,size,cycles_per_op,ns_per_op,"
                     "empty_loop_cycles,pages_held,bytes_live,held_per_live,frames_mapped,"
                     "tsc_ghz,cores,oversubscribed,measure");
}

Test(schema, both_start_with_the_contract) {
    const mpb_schema_t *s[] = {&mpb_schema_run, &mpb_schema_kernel};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(strncmp(mpb_schema_header(s[i]), contract, strlen(contract)), 0);
        cr_assert_eq(mpb_schema_header(s[i])[strlen(contract)], ',');
    }
    cr_assert_str_eq(mpb_schema_run.names[MPB_COL_OPS_PER_S], "ops_per_s");
    cr_assert_str_eq(mpb_schema_run.names[MPB_COL_EXTRA], "extra");
    cr_assert_str_eq(mpb_schema_kernel.names[KS_COL_MEASURE], "measure");
}

Test(schema, row_cells_under_their_columns) {
    const char *v[MPB_NCOLS] = {[MPB_COL_ALLOCATOR] = "mi3",
                                [MPB_COL_WORKLOAD] = "a,b",
                                [MPB_COL_STATUS] = "ok",
                                [MPB_COL_EXTRA] = "say \"hi\""};
    char buf[1024];
    cr_assert_eq(mpb_schema_row(&mpb_schema_run, v, buf, sizeof buf), 0);
    mpb_table_t t;
    char text[2048];
    snprintf(text, sizeof text, "%s\n%s", mpb_schema_header(&mpb_schema_run), buf);
    cr_assert_eq(mpb_table_parse(text, strlen(text), &t), 0);
    cr_assert_eq(t.nrows, 1);
    cr_assert_eq(t.ncols, MPB_NCOLS);
    cr_assert_str_eq(mpb_table_get(&t, 0, "allocator"), "mi3");
    cr_assert_str_eq(mpb_table_get(&t, 0, "workload"), "a,b");
    cr_assert_str_eq(mpb_table_get(&t, 0, "variant"), "");
    cr_assert_str_eq(mpb_table_get(&t, 0, "extra"), "say \"hi\"");
    mpb_table_free(&t);
}

Test(schema, a_row_cut_to_fit_says_so) {
    const char *v[MPB_NCOLS] = {[MPB_COL_EXTRA] = "0123456789012345678901234567890123456789"};
    char buf[32];
    cr_assert_eq(mpb_schema_row(&mpb_schema_run, v, buf, sizeof buf), -1);
    cr_assert_lt(strlen(buf), sizeof buf);
}
