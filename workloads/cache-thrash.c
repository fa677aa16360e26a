/* wl-cache-thrash: active false sharing. Every thread repeatedly allocates a
 * small (8 B) object, writes it many times, and frees it. An allocator that
 * carves objects for different threads out of one cache line makes those
 * writes bounce the line between cores; one with per-thread slabs does not.
 * With one thread it is a baseline (no sharing possible). */
#include "wl_hammer.h"

#define THRASH_SIZE  8
#define THRASH_REPS  1000      /* writes of the object per allocation */
#define THRASH_ITERS 2000000.0 /* allocations per thread at scale 1 */

static const wl_info_t thrash_info = {
    "cache-thrash",
    "Active false sharing: each thread allocates an 8 B object, reads and\n"
    "rewrites it 1000 times, checks and frees it, over and over. Objects of\n"
    "different threads sharing a cache line make the writes slow.",
    "2000000 allocations per thread, 1000 writes each, objects of 8 B.",
    "N threads, each allocating and writing its own objects",
    "active false sharing: each thread rewrites its own small objects over and over",
};

static void *thrash_worker(void *arg) {
    wl_worker_t *w = arg;
    uint64_t iters = wl_scaled(THRASH_ITERS, w->o->scale, 1);
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t key = wl_rng_next(&w->rng);
        void *p = malloc(THRASH_SIZE);
        if (!p)
            wl_oom(THRASH_SIZE);
        wl_hammer(p, THRASH_SIZE, key, THRASH_REPS);
        wl_hammer_free(p, THRASH_SIZE, key, THRASH_REPS);
    }
    w->ops = 2 * iters;
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &thrash_info);
    double t0 = wl_now();
    uint64_t ops;
    wl_run_workers(&o, thrash_worker, &ops, NULL);
    wl_report(&o, t0, ops);
    return 0;
}
