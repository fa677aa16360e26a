/* wl-phase: a phase change. Each thread builds a big live set (512 MiB at
 * scale 1) of objects of 16 B .. 4 KiB, frees a random 95% of it, then runs a
 * long small-object churn (16..256 B) with the 5% still live. At the end the
 * resident set is read from /proc/self/statm: does the freed memory go back
 * to the system, or stay pinned by the survivors and caches? */
#include "wl_slots.h"

#define PHASE_BYTES  (512.0 * 1024 * 1024) /* live set per thread at scale 1 */
#define PHASE_KEEP   20                    /* one survivor in PHASE_KEEP */
#define PHASE_WINDOW 4096                  /* slots of the churn phase */
#define PHASE_STEPS  1000000.0             /* churn steps per thread at scale 1 */

static const wl_info_t phase_info = {
    "phase",
    "Phase change: build a live set of objects of 16 B .. 4 KiB (log-uniform),\n"
    "free a random 95% of it, then churn small objects (16..256 B) in a window\n"
    "of 4096 slots while the 5% survive. Prints mpbench-rss-after-kb (resident\n"
    "set from /proc/self/statm after the churn, survivors still live) and\n"
    "mpbench-live-peak-bytes: does memory go back after a phase ends?",
    "512 MiB live set per thread, 1000000 churn steps per thread (--scale\n"
    "multiplies both).",
    "N independent copies in N threads (live-peak-bytes is the sum of the\n"
    "                   threads' peaks; the RSS is read once all have churned)",
    "phase change: free 95% of a big live set, then churn small objects (does memory go back?)",
};

static pthread_barrier_t phase_barrier;
static uint64_t phase_rss_kb;

static size_t phase_big(wl_rng_t *r) { return wl_rng_logsize(r, 16, 4096); }

static size_t phase_small(wl_rng_t *r) { return wl_rng_logsize(r, 16, 256); }

/* Resident set in KiB from /proc/self/statm (0 when unreadable). */
static uint64_t phase_read_rss_kb(void) {
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

/* Builds the live set until it holds `bytes`; returns the slot count. */
static size_t phase_build(wl_worker_t *w, wl_slot_t **sp, uint64_t bytes) {
    size_t n = 0, cap = 1024;
    wl_slot_t *s = wl_slots_new(cap);
    while (w->live < bytes) {
        if (n == cap) {
            s = realloc(s, 2 * cap * sizeof *s);
            if (!s)
                wl_oom(2 * cap * sizeof *s);
            cap *= 2;
        }
        wl_slot_put(w, &s[n++], phase_big(&w->rng));
    }
    *sp = s;
    return n;
}

static void phase_thin(wl_worker_t *w, wl_slot_t *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (wl_rng_below(&w->rng, PHASE_KEEP) != 0)
            wl_slot_drop(w, &s[i]);
}

static void *phase_worker(void *arg) {
    wl_worker_t *w = arg;
    wl_slot_t *big, *win = wl_slots_new(PHASE_WINDOW);
    size_t n = phase_build(w, &big, wl_scaled(PHASE_BYTES, w->o->scale, 1 << 20));
    phase_thin(w, big, n);
    wl_slots_fill(w, win, PHASE_WINDOW, phase_small);
    wl_slots_churn(w, win, PHASE_WINDOW, wl_scaled(PHASE_STEPS, w->o->scale, 1), phase_small);
    pthread_barrier_wait(&phase_barrier);
    if (w->idx == 0)
        phase_rss_kb = phase_read_rss_kb();
    pthread_barrier_wait(&phase_barrier);
    wl_slots_drain(w, win, PHASE_WINDOW);
    wl_slots_drain(w, big, n);
    free(win);
    free(big);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &phase_info);
    double t0 = wl_now();
    uint64_t ops, peak;
    pthread_barrier_init(&phase_barrier, NULL, (unsigned)o.threads);
    wl_run_workers(&o, phase_worker, &ops, &peak);
    wl_report(&o, t0, ops);
    wl_report_kv("live-peak-bytes", peak);
    wl_report_kv("rss-after-kb", phase_rss_kb);
    return 0;
}
