/* What a workload says about itself: lines `mpbench-<key>: <value>` on its
 * stdout (`mpbench-ops: N` is the operation count). Output arrives in
 * pieces through a pipe; this collects the lines and keeps the values. */
#ifndef MPB_WLOUT_H
#define MPB_WLOUT_H

#include <stddef.h>

typedef struct mpb_wlout {
    char ops[32];               /* mpbench-ops */
    char live_peak_bytes[32];   /* mpbench-live_peak_bytes (or live-peak-bytes) */
    char rss_after_kb[32];      /* mpbench-rss_after_kb (or rss-after-kb) */
    char extra[1024];           /* any other keys, "key=value;key=value" */
    char line[512];             /* partial line being assembled */
    size_t len;
} mpb_wlout_t;

void mpb_wlout_init(mpb_wlout_t *w);
/* Feeds n bytes of stdout. */
void mpb_wlout_feed(mpb_wlout_t *w, const char *buf, size_t n);
/* Handles a last line without a newline. */
void mpb_wlout_finish(mpb_wlout_t *w);

#endif /* MPB_WLOUT_H */
