/* What a workload says about itself: lines `mpbench-<key>: <value>` on its
 * stdout (`mpbench-ops: N` is the operation count; `mpbench-ops_s: S`, for a
 * workload that times its own work, the seconds those N operations took,
 * which ops_per_s then divides by instead of the run's wall time). Output
 * arrives in pieces through a pipe; this collects the lines and keeps the
 * values. */
#ifndef MPB_WLOUT_H
#define MPB_WLOUT_H

#include <stddef.h>

typedef struct mpb_wlout {
    char ops[32];             /* mpbench-ops, as printed (checked by mpb_wlout_check) */
    char ops_s[32];           /* mpbench-ops_s: seconds, a decimal > 0 ("" if not given) */
    char live_peak_bytes[32]; /* mpbench-live_peak_bytes (or live-peak-bytes) */
    char rss_after_kb[32];    /* mpbench-rss_after_kb (or rss-after-kb) */
    char problem[256];        /* first malformed or repeated known key, "" if none */
    char extra[1024];         /* any other keys, "key=value;key=value" */
    const void *ops_re;       /* a regex_t (set after init): the last line it matches gives
                                 the ops count when no mpbench-ops line does (--ops-from) */
    char ops_match[32];       /* the count that line gave ("" if none matched) */
    char line[512];           /* partial line being assembled */
    size_t len;
} mpb_wlout_t;

void mpb_wlout_init(mpb_wlout_t *w);
/* Feeds n bytes of stdout. */
void mpb_wlout_feed(mpb_wlout_t *w, const char *buf, size_t n);
/* Handles a last line without a newline; ops from the regex's last match
 * when no mpbench-ops line came. */
void mpb_wlout_finish(mpb_wlout_t *w);

/* The count in a line matched by an --ops-from regex (m: its matches, m[1]
 * the first group when the regex has one): the group's digits, else the
 * first number in the match; separators ',', '_' and '\'' dropped. Writes
 * "" when there is no digit. */
void mpb_wlout_count_of(const char *line, const void *m, size_t nm, char *out, size_t len);

/* Checks the known keys: each at most once, a whole number >= 0 written
 * with digits only (at most 18 of them); ops_s digits with at most one '.',
 * above 0. Returns 0; or -1 with the reason in why, the bad values emptied
 * so no reader takes them for numbers. */
int mpb_wlout_check(mpb_wlout_t *w, char *why, size_t len);

/* Checks ops_s (already valid) against wall_s, the run's own wall time in
 * seconds on mpbench's monotonic clock: the work a workload timed lies
 * inside its run, so more seconds than the run lasted (beyond 1% + 1 ms)
 * come from a clock that jumped (a wall clock set forward) or a wrong
 * figure. Returns 0; or -1 with the reason in why and ops_s emptied. */
int mpb_wlout_check_time(mpb_wlout_t *w, double wall_s, char *why, size_t len);

#endif /* MPB_WLOUT_H */
