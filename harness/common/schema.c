/* results.csv's column names, the contract's written once (schema.h). */
#include "common/schema.h"

#include "common/csvio.h"

#include <pthread.h>
#include <string.h>

#define MPB_CONTRACT_NAMES                                                                       \
    "allocator", "variant", "workload", "threads", "rep", "status", "wall_s", "user_s", "sys_s", \
        "max_rss_kb", "minflt", "majflt", "ops", "ops_per_s"

static const char *const run_names[MPB_NCOLS] = {
    MPB_CONTRACT_NAMES, "exit_code",
    "signal",           "task_clock_ms",
    "page_faults",      "ctx_switches",
    "cycles",           "instructions",
    "cache_misses",     "live_peak_bytes",
    "rss_after_kb",     "scale",
    "measure",          "lib",
    "build_id",         "extra",
};

static const char *const kernel_names[KS_NCOLS] = {
    MPB_CONTRACT_NAMES,  "size",       "cycles_per_op", "ns_per_op",
    "empty_loop_cycles", "pages_held", "bytes_live",    "held_per_live",
    "frames_mapped",     "tsc_ghz",    "cores",         "oversubscribed",
    "measure",
};

const mpb_schema_t mpb_schema_run = {run_names, MPB_NCOLS};
const mpb_schema_t mpb_schema_kernel = {kernel_names, KS_NCOLS};

/* Headers of the two schemas, joined once (the names never change). */
static char run_header[512], kernel_header[512];
static pthread_once_t headers_once = PTHREAD_ONCE_INIT;

static void join(const mpb_schema_t *s, char *buf, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < s->n; i++)
        mpb_csv_field(buf, len, &o, s->names[i], i == 0);
}

static void make_headers(void) {
    join(&mpb_schema_run, run_header, sizeof run_header);
    join(&mpb_schema_kernel, kernel_header, sizeof kernel_header);
}

const char *mpb_schema_header(const mpb_schema_t *s) {
    pthread_once(&headers_once, make_headers);
    return s == &mpb_schema_kernel ? kernel_header : run_header;
}

int mpb_schema_row(const mpb_schema_t *s, const char *const *cells, char *buf, size_t len) {
    size_t o = 0;
    int rc = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n; i++)
        rc |= mpb_csv_field(buf, len, &o, cells[i] ? cells[i] : "", i == 0);
    if (o + 1 < len) {
        buf[o++] = '\n';
        buf[o] = '\0';
        return rc;
    }
    return -1;
}
