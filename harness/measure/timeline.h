/* Memory over time: the RSS of a run's process tree sampled while it runs
 * (from /proc/PID/statm, children found through /proc/PID/task/TID/children)
 * and the results folder's timeline.csv, one row per sample:
 * allocator,variant,workload,threads,rep,t_ms,rss_kb. */
#ifndef MPB_TIMELINE_H
#define MPB_TIMELINE_H

#include <stddef.h>
#include <sys/types.h>

#include "catalog/alloc.h"

typedef struct mpb_timeline {
    double period_ms; /* sampling period; <= 0: no sampling */
    double *t_ms;     /* sample times since the run started */
    long *rss_kb;
    size_t n, cap;
} mpb_timeline_t;

/* timeline.csv's header line (without the newline). */
extern const char mpb_timeline_header[];

/* Resident set of pid and all its descendants, KiB; -1 when pid is gone. */
long mpb_tree_rss_kb(pid_t pid);

/* Takes one sample of pid's tree at t_ms (dropped when the tree is gone). */
void mpb_timeline_sample(mpb_timeline_t *tl, pid_t pid, double t_ms);

/* Appends tl's samples to DIR/timeline.csv (created with its header), in one
 * write plus fsync. Returns 0, or -1 with errno set. */
int mpb_timeline_append(const char *dir, const mpb_alloc_t *a, const char *workload, int threads,
                        int rep, const mpb_timeline_t *tl);

/* Forgets the samples (keeps the period). */
void mpb_timeline_reset(mpb_timeline_t *tl);
void mpb_timeline_free(mpb_timeline_t *tl);

#endif /* MPB_TIMELINE_H */
