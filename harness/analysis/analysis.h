/* A finished results folder read back once for everything made from it:
 * its cells (results.csv through cells.c; each cell's statistics computed
 * on first use and kept) and its meta.json. summary.csv, the plots,
 * report.md, the digest and the exports are all written from one such
 * load (export/analyse.h runs them in turn); each writer returns the exit
 * status its own command has (`mpbench summary` exits with summary's). */
#ifndef MPB_ANALYSIS_H
#define MPB_ANALYSIS_H

#include <limits.h>

#include "analysis/cells.h"
#include "common/json.h"

typedef struct mpb_analysis {
    char dir[PATH_MAX]; /* the results folder */
    mpb_cellset_t cs;   /* its results.csv as cells */
    json_t *meta;       /* its meta.json; NULL when missing or unreadable */
} mpb_analysis_t;

/* Reads dir's results.csv and meta.json. Returns 0, or -1 with a message on
 * stderr (results.csv unreadable or not one matrix: cells.h). */
int mpb_analysis_load(const char *dir, mpb_analysis_t *an);
void mpb_analysis_free(mpb_analysis_t *an);

/* DIR/summary.csv (summary.c): one row per cell and metric; prints "wrote
 * ...". Returns 0, 1 when results.csv holds no runs (nothing written), 2
 * when the file could not be written. The caller holds the folder's lock. */
int mpb_summary_write(const mpb_analysis_t *an);

/* DIR/report.md (report.c); the caller prints its path. Returns 0, 1 when
 * results.csv holds no runs (nothing written), 2 when it could not be
 * written. The caller holds the folder's lock. */
int mpb_report_write(const mpb_analysis_t *an);

#endif /* MPB_ANALYSIS_H */
