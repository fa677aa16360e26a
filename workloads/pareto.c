/* wl-pareto: a multi-threaded allocation test (the shape of OLogN's
 * alloc-test and glibc's malloc-thread benchmark). Each thread owns its share
 * of 2^18 slots, starts with about half of them filled, and at every step
 * picks a slot by an 80/20 Pareto law: an empty slot gets a new object
 * (5 B .. 1 KiB, each halving of the size twice as likely; every byte
 * written), a full one has its object read through and freed. Threads
 * never share objects: what it stresses is how each thread's own heap
 * behaves beside others (shared lines, global state, memory placement). */
#include "wl_common.h"

#define PA_SLOTS    (1u << 18) /* slots over all threads */
#define PA_STEPS    4000000.0  /* steps per thread at scale 1 */
#define PA_BANDS    8          /* size bands (4 .. 8] << k, k < PA_BANDS */
#define PA_MAX_SIZE (8u << (PA_BANDS - 1))

static const wl_info_t pa_info = {
    "pareto",
    "Multi-threaded allocation test: each thread owns 2^18/N slots, fills about\n"
    "half, then at each step picks a slot by an 80/20 Pareto law (7 groups: the\n"
    "hottest, 0.0064% of the slots, drawn 26% of the time ... the coldest, 26% of\n"
    "the slots, 0.0064%): an empty slot gets a new object of 5 B .. 1 KiB (the\n"
    "band (4, 8] B half the time, each doubling half as likely), memset whole; a\n"
    "full slot's object is read whole, checked and freed. No object crosses\n"
    "threads: stresses per-thread heaps running side by side.",
    "2^18 slots shared out among the threads, 4000000 steps per thread.",
    "N threads, each with 2^18/N slots and the same number of steps",
    "alloc-test: per-thread random churn over Pareto-hot slots, sizes 5 B .. 1 KiB",
};

/* One slot: the object and its size (0: empty); the fill byte derives
 * from the address and size. */
typedef struct pa_slot {
    unsigned char *p;
    uint32_t size;
} pa_slot_t;

/* The 7 Pareto groups of one thread's slots: group g is drawn with
 * probability C(6,g) 0.8^(6-g) 0.2^g and holds that fraction of the slots
 * taken from the other end (group 6's share), so few hot slots take most
 * draws. cut[g] is the cumulative probability in 2^-32 units. */
typedef struct pa_groups {
    uint64_t cut[7];
    uint32_t start[8];
} pa_groups_t;

static void pa_groups_init(pa_groups_t *g, uint32_t slots) {
    static const double binom[7] = {1, 6, 15, 20, 15, 6, 1};
    double p[7], acc = 0;
    for (int k = 0; k < 7; k++)
        p[k] = binom[k] * pow(0.8, 6 - k) * pow(0.2, k);
    g->start[0] = 0;
    for (int k = 0; k < 7; k++) {
        acc += p[k];
        g->cut[k] = k == 6 ? UINT64_C(1) << 32 : (uint64_t)(acc * 4294967296.0);
        uint32_t n = (uint32_t)(slots * p[6 - k]);
        g->start[k + 1] = k == 6 ? slots : g->start[k] + (n ? n : 1);
    }
}

static uint32_t pa_pick(const pa_groups_t *g, wl_rng_t *r) {
    uint64_t x = wl_rng_next(r);
    uint64_t u = x >> 32;
    int k = 0;
    while (u >= g->cut[k])
        k++;
    uint32_t n = g->start[k + 1] - g->start[k];
    return g->start[k] + (uint32_t)((x & 0xffffffffu) % n);
}

/* 5 B .. 1 KiB: band k (sizes (4, 8] << k) with probability 2^-(k+1). */
static uint32_t pa_size(wl_rng_t *r) {
    uint64_t x = wl_rng_next(r);
    unsigned k = (unsigned)__builtin_ctzll(x | (UINT64_C(1) << (PA_BANDS - 1)));
    uint32_t lo = 4u << k;
    return lo + 1 + (uint32_t)((x >> 8) % lo);
}

static unsigned char pa_byte(const pa_slot_t *s) {
    return (unsigned char)(((uintptr_t)s->p >> 4) ^ s->size ^ 0x5A);
}

static void pa_new(wl_worker_t *w, pa_slot_t *s) {
    s->size = pa_size(&w->rng);
    s->p = malloc(s->size);
    if (!s->p)
        wl_oom(s->size);
    memset(s->p, pa_byte(s), s->size);
    w->ops++;
}

/* Reads the whole object (as the program uses it), checks it, frees it. */
static void pa_delete(wl_worker_t *w, pa_slot_t *s) {
    unsigned char want = pa_byte(s), diff = 0;
    for (uint32_t i = 0; i < s->size; i++)
        diff |= (unsigned char)(s->p[i] ^ want);
    if (diff)
        wl_corrupted(s->p, s->size, 0);
    free(s->p);
    s->p = NULL;
    s->size = 0;
    w->ops++;
}

static void *pa_worker(void *arg) {
    wl_worker_t *w = arg;
    uint32_t n = PA_SLOTS / (uint32_t)w->o->threads;
    n = n < 64 ? 64 : n;
    pa_slot_t *slot = calloc(n, sizeof *slot);
    if (!slot)
        wl_oom(n * sizeof *slot);
    pa_groups_t g;
    pa_groups_init(&g, n);
    for (uint32_t i = 0; i < n; i++)
        if (wl_rng_next(&w->rng) & 1)
            pa_new(w, &slot[i]);
    uint64_t steps = wl_scaled(PA_STEPS, w->o->scale, 1);
    for (uint64_t i = 0; i < steps; i++) {
        pa_slot_t *s = &slot[pa_pick(&g, &w->rng)];
        if (s->p)
            pa_delete(w, s);
        else
            pa_new(w, s);
    }
    for (uint32_t i = 0; i < n; i++)
        if (slot[i].p)
            pa_delete(w, &slot[i]);
    free(slot);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &pa_info);
    double t0 = wl_now();
    uint64_t ops;
    wl_run_workers(&o, pa_worker, &ops, NULL);
    wl_report(&o, t0, ops);
    return 0;
}
