/* wl-mixed: churn like wl-churn, but with a realistic skewed size mix from
 * 8 B to 256 KiB: mostly small objects, some medium, rare large ones, so one
 * window mixes slab-served classes with large-object paths. Each thread keeps
 * a window of 4096 slots and replaces a random slot at each step. Prints the
 * peak of bytes held live (summed over threads). */
#include "wl_slots.h"

#define MIXED_SLOTS 4096
#define MIXED_STEPS 3000000.0 /* replacements per thread at scale 1 */

static const wl_info_t mixed_info = {
    "mixed",
    "Random churn with a skewed size mix: 85% small (8 B .. 256 B), 13% medium\n"
    "(257 B .. 8 KiB), 2% large (8 KiB .. 256 KiB), each log-uniform inside its\n"
    "band. A window of slots; each step replaces a random slot's object. Stresses\n"
    "the mix of small-class and large-object paths; prints mpbench-live-peak-bytes.",
    "4096 slots per thread, 3000000 replacements per thread.",
    "N independent copies in N threads (live-peak-bytes is the sum of the\n"
    "                   threads' peaks)",
    "random churn with a skewed small/medium/large size mix",
};

static size_t mixed_size(wl_rng_t *r) {
    uint64_t band = wl_rng_below(r, 100);
    if (band < 85)
        return wl_rng_logsize(r, 8, 256);
    if (band < 98)
        return wl_rng_logsize(r, 257, 8192);
    return wl_rng_logsize(r, 8193, 256 * 1024);
}

static void *mixed_worker(void *arg) {
    wl_worker_t *w = arg;
    wl_slot_t *s = wl_slots_new(MIXED_SLOTS);
    wl_slots_fill(w, s, MIXED_SLOTS, mixed_size);
    wl_slots_churn(w, s, MIXED_SLOTS, wl_scaled(MIXED_STEPS, w->o->scale, 1), mixed_size);
    wl_slots_drain(w, s, MIXED_SLOTS);
    free(s);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &mixed_info);
    double t0 = wl_now();
    uint64_t ops, peak;
    wl_run_workers(&o, mixed_worker, &ops, &peak);
    wl_report(&o, t0, ops);
    wl_report_kv("live-peak-bytes", peak);
    return 0;
}
