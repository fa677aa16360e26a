/* Thread scaling of a results folder: the per-thread efficiency of a cell
 * (how much of one thread's throughput each of N threads keeps) with its
 * interval, the ceiling an oversubscribed machine allows, and the report
 * section that tabulates both. Used by `mpbench report` and `mpbench plot`. */
#ifndef MPB_SCALING_H
#define MPB_SCALING_H

#include <jansson.h>
#include <stdio.h>

#include "analysis/cells.h"

/* Per-thread efficiency of (alloc, workload) at `threads`:
 *   E(N) = (ops/s at N / N) / (ops/s at B / B)
 * with B the smallest thread count of the matrix (normally 1), ops counted as
 * the workload counts them (its malloc/free calls). The interval is the
 * bootstrap interval of the ratio of median ops/s, scaled by B/N. Returns 0,
 * or -1 when either cell has no ops/s or the matrix has one thread count. */
int mpb_scaling_eff(const mpb_cellset_t *cs, const char *alloc, const char *workload, int threads,
                    mpb_ratio_t *e);

/* The best E(N) can be on `pus` hardware threads if each thread's throughput
 * stayed as at B threads: min(N, pus) / min(B, pus) * B / N. NAN when pus < 1
 * (unknown). Above 1 never: B <= N. */
double mpb_scaling_ceiling(const mpb_cellset_t *cs, int threads, int pus);

/* Hardware threads of the machine from a results folder's meta.json ("pus"),
 * or 0 when meta is NULL or does not say. */
int mpb_scaling_pus(const json_t *meta);

/* Writes the plot data DIR/plots/efficiency_<W>.dat for one workload: a row
 * per thread count: threads, ceiling ("?" when unknown), then E, lo, hi per
 * allocator in cs->allocs order ("?" when absent); the smallest count's row
 * is E = 1 (the definition), so lines start there. Returns the number of
 * measured points (rows above the smallest), or -1 when the file cannot be
 * written. */
int mpb_scaling_write_dat(const mpb_cellset_t *cs, const char *workload, int pus, const char *path,
                          double *ymax);

/* Writes the report's "Thread scaling" section (nothing when the matrix has
 * one thread count or no ops/s): definitions, how each thread count was
 * bound, then a table per workload of E(N) [95% CI] per allocator beside the
 * ceiling. meta: the folder's meta.json (hardware threads, binding), or NULL. */
void mpb_scaling_report(FILE *f, const mpb_cellset_t *cs, const json_t *meta);

#endif /* MPB_SCALING_H */
