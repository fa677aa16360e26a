/* wl-large: large objects. Each thread keeps a window of 4 slots holding
 * objects of 64 KiB .. 32 MiB (log-uniform) and replaces a random one at each
 * step; every page of a new object is written once and checked before free.
 * Stresses the large-object path: mapping, page faults, and how much freed
 * memory the allocator keeps around for reuse versus gives back. */
#include "wl_slots.h"

#define LARGE_SLOTS 4
#define LARGE_STEPS 50.0 /* replacements per thread at scale 1 */

static const wl_info_t large_info = {
    "large",
    "Large objects: a window of 4 slots with objects of 64 KiB .. 32 MiB\n"
    "(log-uniform); each step frees a random slot's object and allocates a new\n"
    "one, writing every page once (checked before the free). Stresses mapping,\n"
    "page faults and the caching/decommit of large chunks.",
    "4 slots per thread, 50 replacements per thread.",
    "N independent copies in N threads (live-peak-bytes is the sum of the\n"
    "                   threads' peaks)",
    "large objects (64 KiB .. 32 MiB) allocated and freed in a small window",
};

static size_t large_size(wl_rng_t *r) {
    return wl_rng_logsize(r, (size_t)64 << 10, (size_t)32 << 20);
}

static void *large_worker(void *arg) {
    wl_worker_t *w = arg;
    wl_slot_t *s = wl_slots_new(LARGE_SLOTS);
    wl_slots_fill(w, s, LARGE_SLOTS, large_size);
    wl_slots_churn(w, s, LARGE_SLOTS, wl_scaled(LARGE_STEPS, w->o->scale, 1), large_size);
    wl_slots_drain(w, s, LARGE_SLOTS);
    free(s);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &large_info);
    double t0 = wl_now();
    uint64_t ops, peak;
    wl_run_workers(&o, large_worker, &ops, &peak);
    wl_report(&o, t0, ops);
    wl_report_kv("live-peak-bytes", peak);
    return 0;
}
