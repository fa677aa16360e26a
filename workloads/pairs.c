/* wl-pairs: malloc+free pairs across a size sweep. For each size from 8 B to
 * 64 KiB (powers of two and the sizes halfway between) a thread runs a loop
 * of malloc/fill/check/free pairs, then a batch variant: allocate 100 objects,
 * free the 100. Measures the allocator's fast paths size by size; each of the
 * N threads (-t) runs an independent copy. */
#include "wl_common.h"

#define PAIRS_BATCH  100
#define PAIRS_ITERS  400000.0 /* pairs per size at scale 1 */
#define PAIRS_ROUNDS 500.0    /* batch rounds per size <= 256 B at scale 1 */
#define PAIRS_FULL   256      /* above this size batch rounds shrink as 1/size */

static const wl_info_t pairs_info = {
    "pairs",
    "malloc+free pairs over a size sweep 8 B .. 64 KiB (powers of two and the\n"
    "sizes halfway between), then per size a batch variant: allocate 100, free\n"
    "100. Stresses the allocation/free fast paths and size-class lookup.",
    "per size 400000 pairs, then 500 rounds of the 100-object batch for\n"
    "sizes <= 256 B, shrinking as 256/size above (at least 4 rounds), so that\n"
    "large sizes do not dominate the time (31 sizes).",
    "N independent copies in N threads",
    "malloc+free pairs and batches of 100 over sizes 8 B .. 64 KiB",
};

/* The size sweep: 8, 12, 16, 24, 32, ... 49152, 65536. */
static size_t pairs_sizes(size_t *out) {
    size_t n = 0;
    for (size_t p = 8; p <= 65536; p *= 2) {
        out[n++] = p;
        if (p < 65536)
            out[n++] = p + p / 2;
    }
    return n;
}

static uint64_t pairs_loop(size_t size, uint64_t iters, uint64_t key) {
    for (uint64_t i = 0; i < iters; i++) {
        void *p = wl_new(size, key + i);
        wl_delete(p, size, key + i);
    }
    return 2 * iters;
}

static uint64_t pairs_batch(size_t size, uint64_t rounds, uint64_t key) {
    void *objs[PAIRS_BATCH];
    for (uint64_t r = 0; r < rounds; r++) {
        for (int i = 0; i < PAIRS_BATCH; i++)
            objs[i] = wl_new(size, key + (uint64_t)i);
        for (int i = 0; i < PAIRS_BATCH; i++)
            wl_delete(objs[i], size, key + (uint64_t)i);
    }
    return 2 * PAIRS_BATCH * rounds;
}

static void *pairs_worker(void *arg) {
    wl_worker_t *w = arg;
    size_t sizes[40];
    size_t n = pairs_sizes(sizes);
    uint64_t iters = wl_scaled(PAIRS_ITERS, w->o->scale, 1);
    for (size_t i = 0; i < n; i++) {
        double shrink = sizes[i] <= PAIRS_FULL ? 1.0 : (double)PAIRS_FULL / (double)sizes[i];
        uint64_t rounds = wl_scaled(PAIRS_ROUNDS * shrink, w->o->scale, 4);
        w->ops += pairs_loop(sizes[i], iters, wl_rng_next(&w->rng));
        w->ops += pairs_batch(sizes[i], rounds, wl_rng_next(&w->rng));
    }
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &pairs_info);
    double t0 = wl_now();
    uint64_t ops;
    wl_run_workers(&o, pairs_worker, &ops, NULL);
    wl_report(&o, t0, ops);
    return 0;
}
