/* Writing replay plans (replay/plan_format.h) from traces, and the
 * `trace:PATH` workloads of mpbench run that use them. */
#ifndef MPB_TRACE_PLAN_H
#define MPB_TRACE_PLAN_H

#include <stddef.h>

/* Loads the trace at trace_path, refuses it when it is corrupt, unreadable
 * or empty (message on stderr naming the trace and what is wrong), warns
 * when it is truncated (planned up to its last whole block, flagged), and
 * writes its plan to plan_path. *nthreads gets the number of recorded
 * threads. Returns 0 or -1. */
int mpb_plan_build(const char *trace_path, const char *plan_path, int *nthreads);

#endif /* MPB_TRACE_PLAN_H */
