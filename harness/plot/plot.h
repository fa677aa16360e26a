/* The plots of a results folder (plot.c): bars per workload and thread
 * count, scaling and efficiency lines, kernel-sim's lines by size, RSS
 * timelines, as PNGs with their .dat and .gp in DIR/plots/. */
#ifndef MPB_PLOT_H
#define MPB_PLOT_H

#include "analysis/analysis.h"

/* Draws every plot the folder's cells allow into DIR/plots/ and prints
 * "wrote N plots to ...". Returns 0; 1 when no plot could be drawn (no ok
 * run with a value) or gnuplot failed on one; 2 without gnuplot or when
 * DIR/plots cannot be made. The caller holds the folder's lock. */
int mpb_plot_write(const mpb_analysis_t *an);

#endif /* MPB_PLOT_H */
