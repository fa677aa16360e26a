/* The digest of a results folder, as hyperfine and mimalloc-bench users
 * expect one: per workload and thread count the allocators ranked by the
 * cell's time (wall time; a replay's own time; instructions under
 * --measure instructions; cycles in kernel-sim), "X ran N x [lo, hi] faster
 * than Y" only where the verdict rule (verdict.h) allows it, noise flags;
 * and the warnings a reader must see first: runs too short to time (how
 * long, and the scale that would fix it), noisy cells, replays of truncated
 * traces. Printed at the end of `mpbench run`, written into report.md
 * (warnings), and exported as Markdown or JSON (--export-markdown,
 * --export-json). */
#ifndef MPB_DIGEST_H
#define MPB_DIGEST_H

#include <stdio.h>

#include "analysis/analysis.h"
#include "common/json.h"
#include "common/util.h"

#define MPB_SHORT_RUN_S  0.1 /* a run shorter than this is mostly start-up and noise */
#define MPB_TARGET_RUN_S 0.2 /* what a --scale suggestion aims for */

/* The warnings about a folder, one line each, appended to out: short runs
 * with the scale that fixes them, noisy cells, truncated traces. */
void mpb_digest_warnings(const mpb_analysis_t *an, mpb_strlist_t *out);

/* The terminal summary of a finished run: a ranking line and a verdict
 * line per (workload, threads), then the warnings. */
void mpb_digest_print(FILE *f, const mpb_analysis_t *an);

/* The report's "Warnings" section (nothing when there are none). */
void mpb_digest_report(FILE *f, const mpb_analysis_t *an);

/* The whole digest as Markdown (a table per workload and thread count, as
 * hyperfine's --export-markdown: median, min, max, relative to the fastest
 * with its interval) into path. Returns 0, or -1 with a message. */
int mpb_digest_export_markdown(const mpb_analysis_t *an, const char *path);

/* The whole folder as JSON into path: meta.json, every cell's statistics
 * of every metric (values included), the rankings and the warnings.
 * Returns 0, or -1 with a message. */
int mpb_digest_export_json(const mpb_analysis_t *an, const char *path);

#endif /* MPB_DIGEST_H */
