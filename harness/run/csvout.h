/* Writing results.csv: the header, CSV quoting, and appending one row at a
 * time with fsync so a run killed at any moment leaves every finished row
 * readable. Write failures (ENOSPC, EIO) are returned, never ignored. */
#ifndef MPB_CSVOUT_H
#define MPB_CSVOUT_H

#include <stddef.h>

#include "catalog/alloc.h"
#include "measure/child.h"
#include "common/csvio.h"

/* results.csv's header line (without the newline): common/schema.h's
 * mpb_schema_run. */
const char *mpb_csv_header(void);

/* Opens path for appending. A new file gets the header; when resuming, a
 * last line cut short by a kill is removed first. Returns an fd or -1. */
int mpb_csv_open(const char *path, int resume);

/* 1 when the file at path is empty or starts with mpb_csv_header (rows of
 * this mpbench's shape can be appended), 0 when its header differs. */
int mpb_csv_header_ok(const char *path);

/* Appends line (which ends with '\n') in one write, then fsyncs.
 * Returns 0, or -1 with errno set. */
int mpb_csv_append(int fd, const char *line);

/* What one row says beyond the allocator and the run's result. */
typedef struct mpb_rowkey {
    const char *workload;
    int threads;
    int rep;
    double scale;
    const char *measure;      /* "time" or "instructions" */
    const char *instructions; /* callgrind Ir, or NULL to use the counter */
} mpb_rowkey_t;

/* Formats one results.csv row (with the newline) into buf. */
void mpb_csv_row(char *buf, size_t len, const mpb_alloc_t *a, const mpb_rowkey_t *k,
                 const mpb_result_t *r);

#endif /* MPB_CSVOUT_H */
