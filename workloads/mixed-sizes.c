/* wl-mixed-sizes: the allocator's own cost across its whole size range. Each
 * thread allocates log-uniform sizes from 8 B to 256 KiB (every power of two
 * equally likely) and frees them from a small random window of 64 live
 * objects, so slabs of many classes and medium/large objects are created and
 * released all the time: the paths between the per-thread caches and the
 * global backend. One byte written per object (and checked before the free). */
#include "wl_slots.h"

#define MS_SLOTS 64
#define MS_MIN   8
#define MS_MAX   (256 * 1024)
#define MS_STEPS 150000000.0 /* replacements per thread at scale 1 */

static const wl_info_t ms_info = {
    "mixed-sizes",
    "Allocator cost across the size range: log-uniform sizes 8 B .. 256 KiB\n"
    "(each power of two equally likely), freed from a random window of 64 live\n"
    "objects, so slabs and large objects come and go all the time.\n"
    "One byte written per object (minimal touching).",
    "64 slots per thread, 150000000 replacements per thread; seed fixed per\n"
    "thread (RNG stream = thread index).",
    "N independent copies in N threads (ops grow N-fold)",
    "allocator cost across the size range 8 B .. 256 KiB, one byte touched per object",
};

static size_t ms_size(wl_rng_t *r) { return wl_rng_logsize(r, MS_MIN, MS_MAX); }

static void *ms_worker(void *arg) {
    wl_worker_t *w = arg;
    wl_slot_t *s = wl_slots_new(MS_SLOTS);
    wl_slots_run_light(w, s, MS_SLOTS, wl_scaled(MS_STEPS, w->o->scale, 1), ms_size);
    free(s);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &ms_info);
    double t0 = wl_now();
    uint64_t ops;
    wl_run_workers(&o, ms_worker, &ops, NULL);
    wl_report(&o, t0, ops);
    return 0;
}
