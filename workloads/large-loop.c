/* wl-large-loop: large blocks allocated, written whole and freed at once, in
 * a loop (the shape of mimalloc-bench's malloc-large, which does this with 2
 * MiB blocks). Sizes are log-uniform from 256 KiB to 8 MiB, so blocks of
 * several orders come and go. Nothing stays live between steps: what it
 * measures is whether the allocator keeps a freed large block ready for the
 * next request (no new mapping, no page faults) without holding memory. */
#include "wl_common.h"

#define LL_MIN   ((size_t)256 << 10)
#define LL_MAX   ((size_t)8 << 20)
#define LL_STEPS 4000.0 /* blocks per thread at scale 1 */

static const wl_info_t ll_info = {
    "large-loop",
    "Large blocks in a loop: each step allocates a block of 256 KiB .. 8 MiB\n"
    "(log-uniform), writes every byte, checks three bytes and frees it; nothing is\n"
    "live between steps. Stresses how the allocator keeps freed large blocks\n"
    "ready for reuse (mappings, page faults, locks) against giving them back.",
    "4000 blocks per thread.",
    "N independent copies in N threads (live-peak-bytes is the sum of the\n"
    "                   threads' largest blocks)",
    "large blocks (256 KiB .. 8 MiB) allocated, written whole and freed in a loop",
};

static void *ll_worker(void *arg) {
    wl_worker_t *w = arg;
    uint64_t steps = wl_scaled(LL_STEPS, w->o->scale, 1);
    for (uint64_t i = 0; i < steps; i++) {
        size_t size = wl_rng_logsize(&w->rng, LL_MIN, LL_MAX);
        unsigned char b = (unsigned char)(wl_rng_next(&w->rng) | 1);
        unsigned char *p = malloc(size);
        if (!p)
            wl_oom(size);
        memset(p, b, size);
        wl_live_add(w, size);
        wl_escape(p);
        if (p[0] != b || p[size / 2] != b || p[size - 1] != b)
            wl_corrupted(p, size, 0);
        free(p);
        w->live -= size;
        w->ops += 2;
    }
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &ll_info);
    double t0 = wl_now();
    uint64_t ops, peak;
    wl_run_workers(&o, ll_worker, &ops, &peak);
    wl_report(&o, t0, ops);
    wl_report_kv("live-peak-bytes", peak);
    return 0;
}
