/* Comparing two results folders (compare.c, `mpbench compare A B`): what
 * is compared and how, and the comparison as a function the command line
 * (cli/compare_cmd.c) calls. */
#ifndef MPB_COMPARE_H
#define MPB_COMPARE_H

#include "analysis/cells.h"

typedef struct mpb_cmpopts {
    const char *a, *b; /* the base folder and the candidate */
    double threshold;  /* fraction: 0.05 for 5% */
    int metric;        /* MPB_M_*, or -1: wall_s (cycles_per_op for kernel-sim folders) */
    int force;         /* --force: compare other scales / measure modes (warning) */
    const char *export_json, *export_md; /* --export-json / --export-markdown, or NULL */
} mpb_cmpopts_t;

/* Compares folder o->b against o->a: the table, the summary per workload,
 * the exports. Returns compare's exit status: 0 no regression, 1 a
 * regression, 3 inconclusive, 2 bad input (message printed). */
int mpb_compare(const mpb_cmpopts_t *o);

#endif /* MPB_COMPARE_H */
