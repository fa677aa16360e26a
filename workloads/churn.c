/* wl-churn: random churn with a steady live set. Each thread keeps a window
 * of 8192 slots filled with objects of random sizes 16 B .. 1 KiB and replaces
 * a random slot at each step: local frees only, a constant live set, sizes
 * mixed so free lists of many size classes interleave. Prints the peak of
 * bytes held live (summed over threads). */
#include "wl_slots.h"

#define CHURN_SLOTS 8192
#define CHURN_STEPS 10000000.0 /* replacements per thread at scale 1 */

static const wl_info_t churn_info = {
    "churn",
    "Random churn with a steady live set: a window of slots holding objects of\n"
    "uniform random sizes 16 B .. 1 KiB; each step frees a random slot's object\n"
    "and allocates a new one in its place (all frees local). Stresses size-class\n"
    "free lists under a constant live set; prints mpbench-live-peak-bytes.",
    "8192 slots per thread, 10000000 replacements per thread.",
    "N independent copies in N threads (live-peak-bytes is the sum of the\n"
    "                   threads' peaks)",
    "random churn with a steady live set of 16 B .. 1 KiB objects",
};

static size_t churn_size(wl_rng_t *r) { return wl_rng_range(r, 16, 1024); }

static void *churn_worker(void *arg) {
    wl_worker_t *w = arg;
    wl_slot_t *s = wl_slots_new(CHURN_SLOTS);
    wl_slots_fill(w, s, CHURN_SLOTS, churn_size);
    wl_slots_churn(w, s, CHURN_SLOTS, wl_scaled(CHURN_STEPS, w->o->scale, 1), churn_size);
    wl_slots_drain(w, s, CHURN_SLOTS);
    free(s);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &churn_info);
    double t0 = wl_now();
    uint64_t ops, peak;
    wl_run_workers(&o, churn_worker, &ops, &peak);
    wl_report(&o, t0, ops);
    wl_report_kv("live-peak-bytes", peak);
    return 0;
}
