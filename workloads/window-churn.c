/* wl-window-churn: the allocator's own cost on local churn. Each thread keeps
 * a window of 2000 slots with objects of uniform random sizes 16 B .. 1 KiB;
 * each step frees a random slot's object and allocates a new one into it.
 * Only one byte per object is written (and checked before the free), so the
 * time is malloc/free and the cache misses they cause, not the program's own
 * memory traffic: a freed object handed out again while hot is visible here. */
#include "wl_slots.h"

#define WC_SLOTS 2000
#define WC_MIN   16
#define WC_MAX   1024
#define WC_STEPS 250000000.0 /* replacements per thread at scale 1 */

static const wl_info_t wc_info = {
    "window-churn",
    "Allocator cost of local churn: a window of 2000 slots holding objects of\n"
    "uniform random sizes 16 B .. 1 KiB; each step frees a random slot's object\n"
    "and allocates a new one into it. One byte written per object (minimal\n"
    "touching), so the run measures malloc/free and the misses they cause.",
    "2000 slots per thread, 250000000 replacements per thread; seed fixed per\n"
    "thread (RNG stream = thread index).",
    "N independent copies in N threads (ops grow N-fold)",
    "allocator cost of local churn in a 2000-slot window, one byte touched per object",
};

static size_t wc_size(wl_rng_t *r) { return wl_rng_range(r, WC_MIN, WC_MAX); }

static void *wc_worker(void *arg) {
    wl_worker_t *w = arg;
    wl_slot_t *s = wl_slots_new(WC_SLOTS);
    wl_slots_run_light(w, s, WC_SLOTS, wl_scaled(WC_STEPS, w->o->scale, 1), wc_size);
    free(s);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &wc_info);
    double t0 = wl_now();
    uint64_t ops;
    wl_run_workers(&o, wc_worker, &ops, NULL);
    wl_report(&o, t0, ops);
    return 0;
}
