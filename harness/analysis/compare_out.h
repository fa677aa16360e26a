/* What `mpbench compare` tells besides its table: a summary per workload
 * at the end (cells faster / slower / same / not judged, the largest
 * changes with their intervals, noisy cells, the control's drift flags),
 * and the --export-json / --export-markdown files. compare.c keeps one row
 * per compared cell here, with the words its table printed. */
#ifndef MPB_COMPARE_OUT_H
#define MPB_COMPARE_OUT_H

#include <stdio.h>

#include "analysis/cells.h"
#include "analysis/verdict.h"

typedef struct mpb_cmprow {
    const mpb_cell_t *a, *b; /* the cell in each folder */
    mpb_verdict_t v;         /* B against A */
    char words[320];         /* the verdict column as printed */
} mpb_cmprow_t;

typedef struct mpb_cmpout {
    mpb_cmprow_t *rows;
    size_t n, cap;
    int metric;        /* the metric compared */
    double threshold;  /* a fraction */
    const char *a, *b; /* the folders */
} mpb_cmpout_t;

/* Keeps one compared cell. */
void mpb_cmpout_add(mpb_cmpout_t *o, const mpb_cell_t *a, const mpb_cell_t *b,
                    const mpb_verdict_t *v, const char *words);

/* The summary per workload, on f. */
void mpb_cmpout_print(FILE *f, const mpb_cmpout_t *o);

/* The comparison as JSON (every compared cell: medians, ratio, interval,
 * runs, noise, verdict; the cells only in A or B; the exit status and its
 * word) or as a Markdown table, into path. 0, or -1 with a message. */
int mpb_cmpout_json(const mpb_cmpout_t *o, const mpb_cellset_t *a, const mpb_cellset_t *b, int rc,
                    const char *path);
int mpb_cmpout_markdown(const mpb_cmpout_t *o, const mpb_cellset_t *a, const mpb_cellset_t *b,
                        int rc, const char *path);

void mpb_cmpout_free(mpb_cmpout_t *o);

#endif /* MPB_COMPARE_OUT_H */
