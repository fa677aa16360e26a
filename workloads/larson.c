/* wl-larson: a Larson-style server. Each of N lineages owns an array of 1000
 * slots (objects of 8 B .. 1 KiB) held by one thread at a time: the thread
 * replaces random slots, then exits, and a new thread inherits the array, so
 * most frees are of objects allocated by an earlier, exited thread. Stresses
 * remote frees, thread teardown and allocator reuse across threads. */
#include "wl_slots.h"

#define LARSON_SLOTS  1000
#define LARSON_STEPS  20000 /* replacements per thread life */
#define LARSON_ROUNDS 400.0 /* thread lives per lineage at scale 1 */

static const wl_info_t larson_info = {
    "larson",
    "Larson-style server: each lineage owns an array of slots with objects of\n"
    "uniform random sizes 8 B .. 1 KiB. A thread replaces random slots, then\n"
    "exits; a new thread inherits the array and frees what the old one allocated.\n"
    "Stresses frees of objects from exited threads (remote frees, teardown).",
    "1000 slots per lineage, 20000 replacements per thread life, 400 lives per\n"
    "lineage (the --scale multiplies the lives, at least 2).",
    "N lineages running side by side (N threads alive at a time)",
    "Larson server: threads replace random slots and hand lineages to new threads",
};

/* What one thread life gets: the lineage state and whether it is the first
 * (fills the array) or the last (frees everything). */
typedef struct larson_life {
    wl_worker_t *w;
    wl_slot_t *slots;
    int first, last;
} larson_life_t;

static size_t larson_size(wl_rng_t *r) { return wl_rng_range(r, 8, 1024); }

static void *larson_life(void *arg) {
    larson_life_t *l = arg;
    if (l->first)
        wl_slots_fill(l->w, l->slots, LARSON_SLOTS, larson_size);
    wl_slots_churn(l->w, l->slots, LARSON_SLOTS, LARSON_STEPS, larson_size);
    if (l->last)
        wl_slots_drain(l->w, l->slots, LARSON_SLOTS);
    return NULL;
}

/* A lineage: runs its thread lives one after another, handing the array on. */
static void *larson_lineage(void *arg) {
    wl_worker_t *w = arg;
    uint64_t rounds = wl_scaled(LARSON_ROUNDS, w->o->scale, 2);
    larson_life_t l = {w, wl_slots_new(LARSON_SLOTS), 0, 0};
    for (uint64_t r = 0; r < rounds; r++) {
        l.first = r == 0;
        l.last = r + 1 == rounds;
        wl_run_threads(1, larson_life, &l, 0);
    }
    free(l.slots);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &larson_info);
    double t0 = wl_now();
    uint64_t ops;
    wl_run_workers(&o, larson_lineage, &ops, NULL);
    wl_report(&o, t0, ops);
    return 0;
}
