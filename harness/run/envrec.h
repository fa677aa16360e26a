/* The caller's environment as far as it can change what a run measures:
 * variables read by any allocator under test or by the loader (glibc's
 * GLIBC_TUNABLES and MALLOC_*, jemalloc's MALLOC_CONF / JE_MALLOC_CONF /
 * _RJEM_MALLOC_CONF, MIMALLOC_*, TCMALLOC_*, MPALLOC_*, SNMALLOC_*,
 * SCUDO_OPTIONS, TBB_MALLOC_*, PYTHONMALLOC, LD_*, the workloads' WL_*),
 * and the CPU frequency policy (governor, frequencies, turbo) where /sys
 * has it. Recorded in meta.json ("environment") and the report.
 * What reaches the runs: every such variable is passed on (it is how a
 * user sets an allocator's options), except LD_PRELOAD, which mpbench
 * replaces with its own (an inherited one would stack another library on
 * the allocator under test): it is stripped with a warning, and recorded. */
#ifndef MPB_ENVREC_H
#define MPB_ENVREC_H

#include "common/json.h"

/* 1 when variable NAME (without "=value") is one the record keeps. */
int mpb_env_relevant(const char *name);

/* {"variables": {NAME: value, ...}, "passed_to_runs": "...",
 *  "stripped": {"LD_PRELOAD": value} (when set), "cpu_frequency": {...}}
 * for this process (new reference). */
json_t *mpb_env_record(void);

/* Prints on stderr, once per process, what the environment changes in the
 * runs: the variables passed on, and an LD_PRELOAD stripped. */
void mpb_env_warn(void);

/* The variables of two records that differ, "NAME=a / NAME=b; ..." into
 * buf; returns how many (0 when either record lacks them). */
int mpb_env_diff(const json_t *a, const json_t *b, char *buf, size_t len);

#endif /* MPB_ENVREC_H */
