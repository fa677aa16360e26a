/* The per-core layer under load: threads churn windows of mixed sizes
 * (16 B..1 MiB, log-uniform, so slabs and medium objects both move through
 * the chunk caches), hand a share of their objects to the next thread to
 * free (remote frees, medium blocks landing in a foreign core's cache),
 * while a drainer thread empties every core's cache again and again, as the
 * idle purger and malloc_trim do. Every object's contents are checked
 * before it is freed. Fixed seeds; behaviour only, never timing. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "core.h" /* internals first: test_api.h may rename malloc & co. */
#include "test_api.h"

enum { THREADS = 4, WINDOW = 64, STEPS = 6000, HANDOFF = 256 };

#define CHECKED_BYTES 512 /* pattern written and checked at the start of each object */

static atomic_size_t bad;
static atomic_int running;
static _Atomic(void *) handoff[THREADS][HANDOFF]; /* thread t fills row t, thread t+1 frees it */
static _Atomic size_t handoff_seed[THREADS][HANDOFF];

static size_t size_of(uint64_t *rng) {
    unsigned bits = 4 + (unsigned)(mpa_test_rand(rng) % 17); /* 16 B .. 1 MiB */
    size_t base = (size_t)1 << bits;
    return base + mpa_test_rand(rng) % base;
}

static void *obtain(size_t n, uint64_t seed) {
    void *p = malloc(n);
    if (p == NULL)
        abort();
    mpa_test_fill(p, n < CHECKED_BYTES ? n : CHECKED_BYTES, seed);
    return p;
}

static void release(void *p, size_t n, uint64_t seed) {
    size_t k = n < CHECKED_BYTES ? n : CHECKED_BYTES;
    if (mpa_test_check(p, k, seed) != k)
        atomic_fetch_add(&bad, 1);
    free(p);
}

static void *churner(void *arg) {
    size_t t = (size_t)(uintptr_t)arg;
    uint64_t rng = 0x5eed0000u + t;
    void *slot[WINDOW] = {0};
    size_t size[WINDOW] = {0}, seed[WINDOW] = {0};
    for (size_t i = 0; i < STEPS; i++) {
        size_t k = (size_t)(mpa_test_rand(&rng) % WINDOW);
        if (slot[k])
            release(slot[k], size[k], seed[k]);
        size[k] = size_of(&rng);
        seed[k] = t * 1000003u + i;
        slot[k] = obtain(size[k], seed[k]);
        /* Every few steps: give an object away, free one given to us. */
        if (i % 8 == 0) {
            size_t h = (i / 8) % HANDOFF;
            size_t n = 1 + (size_t)(mpa_test_rand(&rng) % 300000);
            size_t s = seed[k] ^ 0xabcdefu;
            void *p = obtain(n, s);
            atomic_store(&handoff_seed[t][h], s ^ (n << 20));
            void *old = atomic_exchange(&handoff[t][h], p);
            if (old)
                free(old); /* not ours to check: its seed was overwritten */
            size_t from = (t + THREADS - 1) % THREADS;
            void *q = atomic_exchange(&handoff[from][h], NULL);
            if (q)
                free(q);
        }
    }
    for (size_t k = 0; k < WINDOW; k++)
        if (slot[k])
            release(slot[k], size[k], seed[k]);
    return NULL;
}

static void *drainer(void *arg) {
    (void)arg;
    while (atomic_load(&running)) {
        mpa_core_drain_caches();
        sched_yield();
    }
    return NULL;
}

Test(chunkcache_stress, churn_handoff_and_drain, .timeout = 120) {
    atomic_store(&running, 1);
    pthread_t d, th[THREADS];
    cr_assert_eq(pthread_create(&d, NULL, drainer, NULL), 0);
    for (size_t t = 0; t < THREADS; t++)
        cr_assert_eq(pthread_create(&th[t], NULL, churner, (void *)(uintptr_t)t), 0);
    for (size_t t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    atomic_store(&running, 0);
    pthread_join(d, NULL);
    for (size_t t = 0; t < THREADS; t++)
        for (size_t h = 0; h < HANDOFF; h++)
            free(atomic_exchange(&handoff[t][h], NULL));
    cr_assert_eq(atomic_load(&bad), 0, "%zu objects were corrupted", atomic_load(&bad));
    /* Every thread exited: their cores are pooled and, once the frees still
     * travelling to them are taken in (the purger does that in the
     * background; mpa_pool_purge does it now), hold no cached chunk. The
     * purger may be halfway through a pass when we look: allow it 2 s. */
    uint64_t cached = 0;
    for (int tries = 0; tries < 200; tries++) {
        mpa_pool_purge();
        if (mpa_local.core != NULL) /* a thread that only freed binds no core */
            mpa_core_drain_cache(mpa_local.core);
        cached = 0;
        for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next)
            cached += atomic_load(&c->cache.bytes);
        if (cached == 0)
            break;
        usleep(10000);
    }
    cr_assert_eq(cached, 0, "%llu bytes still cached after every thread left",
                 (unsigned long long)cached);
}
