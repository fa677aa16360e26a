/* Memory-over-time plots for `mpbench plot`: plots/timeline_<workload>.png
 * from DIR/timeline.csv, RSS (MiB) against time, one line per allocator. */
#ifndef MPB_PLOT_TIMELINE_H
#define MPB_PLOT_TIMELINE_H

/* Draws one PNG per workload of dir/timeline.csv into plotdir with gnuplot
 * terminal line term. Sets *made and *failed (PNGs drawn / gnuplot
 * failures). A folder without timeline.csv draws nothing. Returns 0, or -1
 * when timeline.csv exists but cannot be read. */
int mpb_plot_timelines(const char *dir, const char *plotdir, const char *term, int *made,
                       int *failed);

#endif /* MPB_PLOT_TIMELINE_H */
