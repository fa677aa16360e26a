/* wl-frag: fragmentation. Each round builds a live set of many small objects
 * (16..128 B), frees a random 90% of them, then allocates objects of a
 * different, larger distribution (129 B .. 1 KiB) until the live bytes are
 * back at the peak: the survivors pin the small-object memory, so the new
 * objects cannot reuse it unless the allocator copes. Prints the live peak. */
#include "wl_slots.h"

#define FRAG_SET     400000    /* objects of the small live set, per round */
#define FRAG_OBJECTS 2400000.0 /* small objects per thread at scale 1 (6 rounds) */
#define FRAG_KEEP    10        /* one survivor in FRAG_KEEP */

static const wl_info_t frag_info = {
    "frag",
    "Fragmentation: build a live set of small objects (uniform 16..128 B), free a\n"
    "random 90%, then allocate larger objects (uniform 129 B .. 1 KiB) until the\n"
    "live bytes reach the earlier peak; free everything; repeat. max RSS over\n"
    "mpbench-live-peak-bytes shows the memory lost to fragmentation.",
    "live sets of 400000 small objects (about 29 MB), 6 rounds per thread (the\n"
    "--scale multiplies the objects: fewer than 400000 means one smaller round).",
    "N independent copies in N threads (live-peak-bytes is the sum of the\n"
    "                   threads' peaks)",
    "fragmentation: free 90% of a small-object live set, then allocate larger objects",
};

static size_t frag_small(wl_rng_t *r) { return wl_rng_range(r, 16, 128); }

static size_t frag_large(wl_rng_t *r) { return wl_rng_range(r, 129, 1024); }

/* Frees a random (1 - 1/FRAG_KEEP) of the window's objects. */
static void frag_thin(wl_worker_t *w, wl_slot_t *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (wl_rng_below(&w->rng, FRAG_KEEP) != 0)
            wl_slot_drop(w, &s[i]);
}

/* Allocates larger objects into `big` until live bytes reach `target`. */
static void frag_refill(wl_worker_t *w, wl_slot_t *big, size_t n, uint64_t target) {
    for (size_t i = 0; i < n && w->live < target; i++)
        wl_slot_put(w, &big[i], frag_large(&w->rng));
}

static void frag_round(wl_worker_t *w, wl_slot_t *small, wl_slot_t *big, size_t n) {
    wl_slots_fill(w, small, n, frag_small);
    uint64_t target = w->live;
    frag_thin(w, small, n);
    frag_refill(w, big, n, target);
    wl_slots_drain(w, small, n);
    wl_slots_drain(w, big, n);
}

static void *frag_worker(void *arg) {
    wl_worker_t *w = arg;
    uint64_t total = wl_scaled(FRAG_OBJECTS, w->o->scale, 1000);
    size_t n = total < FRAG_SET ? (size_t)total : FRAG_SET;
    uint64_t rounds = (total + n - 1) / n;
    wl_slot_t *small = wl_slots_new(n), *big = wl_slots_new(n);
    for (uint64_t r = 0; r < rounds; r++)
        frag_round(w, small, big, n);
    free(small);
    free(big);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &frag_info);
    double t0 = wl_now();
    uint64_t ops, peak;
    wl_run_workers(&o, frag_worker, &ops, &peak);
    wl_report(&o, t0, ops);
    wl_report_kv("live-peak-bytes", peak);
    return 0;
}
