/* wl-remote-random: threads allocate and free in random patterns, and every
 * second loop each hands a batch of objects it just allocated to another
 * thread, which frees them (the shape of rpmalloc's random-pattern
 * benchmark). Allocations are a mix of calloc and memalign with small
 * alignments, every byte of each object written, sizes 16 B .. 16000 B with
 * small ones most likely. Stresses remote frees of many sizes arriving in
 * bursts while the receiver allocates and frees its own objects. */
#include "wl_common.h"

#include <malloc.h>
#include <stdatomic.h>

#define RR_SLOTS 1000    /* live slots per thread */
#define RR_OPS   100     /* allocations per loop at most */
#define RR_LOOPS 30000.0 /* loops per thread at scale 1 */
#define RR_CROSS 2       /* every RR_CROSS-th loop hands a batch on */
#define RR_MIN   16
#define RR_MAX   16000

static const wl_info_t rr_info = {
    "remote-random",
    "Random-pattern remote frees: each thread keeps 1000 slots and, per loop,\n"
    "frees a random number of random slots, frees the batches other threads\n"
    "handed it, allocates a random number of objects into random slots, and every\n"
    "second loop allocates one more batch that it hands to the next thread (a\n"
    "record and a pointer array, allocated too). Sizes 16 B .. 16000 B (small most\n"
    "likely), allocated by calloc (a third) or memalign(8 or 16) + memset: every\n"
    "byte written. Stresses remote frees of many sizes in bursts mixed with local\n"
    "churn, and calloc/memalign.",
    "1000 slots per thread, 30 .. 100 allocations and 24 .. 80 frees per loop,\n"
    "30000 loops per thread, a batch handed on every 2nd loop.",
    "N threads; each hands its batches to the others in turn (N=1: no hand-off)",
    "random-pattern churn with batches freed by other threads (calloc, memalign)",
};

/* A batch handed to another thread: a record and a separately allocated
 * array of objects, each made by rr_new. */
typedef struct rr_batch {
    struct rr_batch *next;
    void **obj;
    size_t n;
} rr_batch_t;

typedef struct rr_thread {
    wl_worker_t w;
    _Atomic(rr_batch_t *) inbox; /* batches handed to this thread */
    struct rr_thread *all;       /* every thread (index by w.idx) */
    char pad[64];
} rr_thread_t;

static pthread_barrier_t rr_done; /* every thread has handed its last batch */

/* 16 .. 16000 B, small most likely: the range times u0 * |u1 + u2 - 1|. */
static size_t rr_size(wl_rng_t *r) {
    double u0 = (double)(wl_rng_next(r) >> 11) * 0x1p-53;
    double u1 = (double)(wl_rng_next(r) >> 11) * 0x1p-53;
    double u2 = (double)(wl_rng_next(r) >> 11) * 0x1p-53;
    return RR_MIN + (size_t)((RR_MAX - RR_MIN) * u0 * fabs(u1 + u2 - 1.0));
}

/* The byte every byte but the first 16 of an object of `key` holds: 0 for
 * the third made by calloc (key % 3 == 0), else one derived from the key. */
static unsigned char rr_byte(uint64_t key) {
    return key % 3 == 0 ? 0 : (unsigned char)(key >> 56 | 1);
}

/* An object of `size` bytes: calloc (a third) or memalign(8 or 16) + memset
 * (every byte written either way), then size and key in its first 16. */
static void *rr_new(wl_worker_t *w, size_t size) {
    uint64_t key = wl_rng_next(&w->rng);
    unsigned how = (unsigned)(key % 3);
    unsigned char *p = how == 0 ? calloc(1, size) : memalign(how == 1 ? 8 : 16, size);
    if (!p)
        wl_oom(size);
    if (how != 0)
        memset(p, rr_byte(key), size);
    uint64_t h[2] = {(uint64_t)size, key};
    memcpy(p, h, sizeof h);
    w->ops++;
    return p;
}

/* Checks the header and the last byte of an rr_new object and frees it. */
static void rr_delete(wl_worker_t *w, void *obj) {
    unsigned char *p = obj;
    uint64_t h[2];
    memcpy(h, p, sizeof h);
    if (h[0] < RR_MIN || h[0] > RR_MAX)
        wl_corrupted(p, (size_t)h[0], 0);
    if (h[0] > 16 && p[h[0] - 1] != rr_byte(h[1]))
        wl_corrupted(p, (size_t)h[0], (long)(h[0] - 1) / 8);
    free(p);
    w->ops++;
}

/* Frees every batch handed to t so far. */
static void rr_take_inbox(rr_thread_t *t) {
    rr_batch_t *b = atomic_exchange_explicit(&t->inbox, NULL, memory_order_acquire);
    while (b) {
        rr_batch_t *next = b->next;
        for (size_t i = 0; i < b->n; i++)
            rr_delete(&t->w, b->obj[i]);
        free(b->obj);
        free(b);
        t->w.ops += 2;
        b = next;
    }
}

/* Allocates n objects into a new batch and hands it to thread `to`. */
static void rr_hand_on(rr_thread_t *t, rr_thread_t *to, size_t n) {
    rr_batch_t *b = malloc(sizeof *b);
    void **obj = malloc(n * sizeof *obj);
    if (!b || !obj)
        wl_oom(n * sizeof *obj);
    t->w.ops += 2;
    for (size_t i = 0; i < n; i++)
        obj[i] = rr_new(&t->w, rr_size(&t->w.rng));
    b->obj = obj;
    b->n = n;
    b->next = atomic_load_explicit(&to->inbox, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&to->inbox, &b->next, b, memory_order_release,
                                                  memory_order_relaxed))
        ;
}

/* One loop: random frees, the inbox, random allocations (each into a random
 * slot, freeing what was there). Returns the allocations made. */
static size_t rr_loop(rr_thread_t *t, void **slot) {
    wl_worker_t *w = &t->w;
    size_t nfree = (size_t)wl_rng_range(&w->rng, RR_OPS * 3 / 10, RR_OPS) * 8 / 10;
    for (size_t i = 0; i < nfree; i++) {
        void **s = &slot[wl_rng_below(&w->rng, RR_SLOTS)];
        if (*s)
            rr_delete(w, *s), *s = NULL;
    }
    rr_take_inbox(t);
    size_t nalloc = wl_rng_range(&w->rng, RR_OPS * 3 / 10, RR_OPS);
    for (size_t i = 0; i < nalloc; i++) {
        void **s = &slot[wl_rng_below(&w->rng, RR_SLOTS)];
        if (*s)
            rr_delete(w, *s);
        *s = rr_new(w, rr_size(&w->rng));
    }
    return nalloc;
}

static void *rr_worker(void *arg) {
    rr_thread_t *t = arg;
    int n = t->w.o->threads;
    void **slot = calloc(RR_SLOTS, sizeof *slot);
    if (!slot)
        wl_oom(RR_SLOTS * sizeof *slot);
    uint64_t loops = wl_scaled(RR_LOOPS, t->w.o->scale, 1);
    int to = t->w.idx;
    for (uint64_t i = 0; i < loops; i++) {
        size_t made = rr_loop(t, slot);
        if (n > 1 && i % RR_CROSS == 0) {
            to = (to + 1) % n == t->w.idx ? (to + 2) % n : (to + 1) % n;
            rr_hand_on(t, &t->all[to], made);
        }
    }
    pthread_barrier_wait(&rr_done);
    rr_take_inbox(t);
    for (size_t i = 0; i < RR_SLOTS; i++)
        if (slot[i])
            rr_delete(&t->w, slot[i]);
    free(slot);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &rr_info);
    double t0 = wl_now();
    static rr_thread_t th[WL_MAX_THREADS];
    pthread_barrier_init(&rr_done, NULL, (unsigned)o.threads);
    for (int i = 0; i < o.threads; i++) {
        th[i].w = (wl_worker_t){.idx = i, .o = &o, .rng = wl_rng_make(o.seed, (uint64_t)i)};
        atomic_init(&th[i].inbox, NULL);
        th[i].all = th;
    }
    wl_run_threads(o.threads, rr_worker, th, sizeof th[0]);
    uint64_t ops = 0;
    for (int i = 0; i < o.threads; i++)
        ops += th[i].w.ops;
    wl_report(&o, t0, ops);
    return 0;
}
