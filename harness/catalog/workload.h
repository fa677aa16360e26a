/* Workload programs: `wl-<name>` executables in mpbench's own folder, or
 * any executable given by path. Finds them, and reads the first line of a
 * workload's --help for `mpbench list`. */
#ifndef MPB_WORKLOAD_H
#define MPB_WORKLOAD_H

#include <limits.h>
#include <stddef.h>

#include "common/util.h"

typedef struct mpb_workload {
    char name[256];       /* workload column: "larson" for wl-larson */
    char path[PATH_MAX];  /* executable */
    double scale;         /* NAME@F: this workload's own scale F; 0: the matrix's */
    char trace[PATH_MAX]; /* trace:PATH workloads: the trace (absolute), else "" */
    char plan[PATH_MAX];  /* its replay plan, made by mpb_workload_plan */
    int trace_threads;    /* trace workloads: threads the trace recorded (the only
                               thread count it runs at), set by mpb_workload_plan; else 0 */
} mpb_workload_t;

/* Every wl-* executable beside mpbench, sorted by name, appended to l. */
void mpb_workload_discover(mpb_strlist_t *l);

/* A name (wl-<name> beside mpbench) or a path, optionally followed by
 * "@F" (F > 0: run it at scale F whatever the matrix's scale, so workloads
 * of different natural lengths fit one matrix); or trace:TRACE (replayed by
 * mpb-replay beside mpbench; workload name trace-<file name without
 * extension>; no @F). Returns 0, or -1 when there is no such executable or
 * trace (w->path says where it was looked for) or F is bad. */
int mpb_workload_resolve(const char *name, mpb_workload_t *w);

/* For a trace workload: builds its replay plan in a temporary file (removed
 * when mpbench exits) and sets w->trace_threads. Returns 0 (also for other workloads), or -1 with a
 * message when the trace cannot be replayed (truncated, corrupt, ...). */
int mpb_workload_plan(mpb_workload_t *w);

/* The workload's one-line description: the line `<path> --describe` prints
 * (every workload declares one), or a note that it printed none. */
void mpb_workload_describe(const char *path, char *buf, size_t len);

#endif /* MPB_WORKLOAD_H */
