/* The per-core chunk cache (allocator/src/chunkcache.h) and its use by the
 * core: freed blocks are reused newest first without the backend lock,
 * refills and spills are batched, the cache stays within its bounds, another
 * thread can drain it, it decays, and a thread's exit gives its cached
 * chunks and empty slabs back. Behaviour only, never timing. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "mpalloc.h"

#define BLOCK(order) (MPA_CHUNK_SIZE << (order))

static void heap_start(void) { mpa_free(mpa_malloc(1)); }

TestSuite(chunkcache, .init = heap_start);

static uint64_t locks(void) { return atomic_load(&mpa_backend_global.lock_acquired); }

static mpa_chunkcache_t *my_cache(void) { return &mpa_local.core->cache; }

Test(chunkcache, freed_block_reused_without_backend_lock) {
    mpa_chunkcache_t *cc = my_cache();
    bool zeroed;
    void *p = mpa_chunkcache_alloc(cc, 1, &zeroed);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p % BLOCK(1), 0, "block not aligned to its size");
    memset(p, 0xab, BLOCK(1));
    mpa_chunkcache_free(cc, p, 1);
    uint64_t before = locks();
    for (int i = 0; i < 100; i++) {
        void *q = mpa_chunkcache_alloc(cc, 1, &zeroed);
        cr_assert_eq(q, p, "round %d: the newest freed block was not handed out first", i);
        cr_assert(!zeroed, "a reused block is not known to be zero");
        mpa_chunkcache_free(cc, q, 1);
    }
    cr_assert_eq(locks(), before, "cache hits took the backend lock %llu times",
                 (unsigned long long)(locks() - before));
}

Test(chunkcache, refill_is_one_batch) {
    mpa_chunkcache_t *cc = my_cache();
    mpa_chunkcache_drain(cc);
    uint64_t refills = atomic_load(&cc->refills), before = locks();
    bool zeroed;
    void *a = mpa_chunkcache_alloc(cc, 0, &zeroed);
    cr_assert_not_null(a);
    cr_assert_eq(atomic_load(&cc->refills), refills + 1);
    cr_assert_gt(cc->n[0], 0, "an order-0 refill brings more than one block");
    unsigned extra = cc->n[0];
    void *more[MPA_CORE_CACHE_SLOTS];
    for (unsigned i = 0; i < extra; i++)
        cr_assert_not_null(more[i] = mpa_chunkcache_alloc(cc, 0, &zeroed));
    cr_assert_eq(atomic_load(&cc->refills), refills + 1, "the batch served %u more", extra);
    cr_assert_leq(locks() - before, 2, "a batch refill should be one backend acquisition");
    for (unsigned i = 0; i < extra; i++)
        mpa_chunkcache_free(cc, more[i], 0);
    mpa_chunkcache_free(cc, a, 0);
}

Test(chunkcache, bounded_per_order_and_in_bytes) {
    mpa_chunkcache_t *cc = my_cache();
    mpa_chunkcache_drain(cc);
    enum { N = 3 * MPA_CORE_CACHE_SLOTS };
    static void *blocks[N];
    bool zeroed;
    for (int i = 0; i < N; i++)
        cr_assert_not_null(blocks[i] = mpa_backend_alloc(0, &zeroed));
    for (int i = 0; i < N; i++) {
        mpa_chunkcache_free(cc, blocks[i], 0);
        cr_assert_leq(cc->n[0], MPA_CORE_CACHE_SLOTS);
    }
    cr_assert_lt(cc->n[0], N, "nothing was spilled");
    /* Bytes: the largest cached order fills the budget, never beyond. */
    unsigned top = MPA_CHUNKCACHE_ORDERS - 1;
    size_t count = MPA_CORE_CACHE / BLOCK(top) + 2;
    for (size_t i = 0; i < count; i++) {
        void *p = mpa_backend_alloc(top, &zeroed);
        cr_assert_not_null(p);
        mpa_chunkcache_free(cc, p, top);
        cr_assert_leq(atomic_load(&cc->bytes), MPA_CORE_CACHE, "cache over its byte budget");
    }
    size_t held = 0;
    for (unsigned o = 0; o < MPA_CHUNKCACHE_ORDERS; o++)
        held += cc->n[o] * BLOCK(o);
    cr_assert_eq(held, atomic_load(&cc->bytes), "byte count disagrees with the stacks");
    cr_assert_eq(mpa_chunkcache_drain(cc), held);
}

static void *drain_other(void *core) { return (void *)mpa_core_drain_cache(core); }

Test(chunkcache, drained_from_another_thread) {
    mpa_chunkcache_t *cc = my_cache();
    void *p[4];
    for (int i = 0; i < 4; i++)
        cr_assert_not_null(p[i] = mpa_malloc(200 * 1024)); /* medium: through the cache */
    for (int i = 0; i < 4; i++)
        mpa_free(p[i]);
    size_t held = (size_t)atomic_load(&cc->bytes);
    cr_assert_geq(held, 4 * (size_t)200 * 1024, "freed medium objects were not cached");
    size_t committed = mpa_backend_committed();
    pthread_t t;
    void *got;
    pthread_create(&t, NULL, drain_other, mpa_local.core);
    pthread_join(t, &got);
    cr_assert_eq((size_t)got, held);
    cr_assert_eq(atomic_load(&cc->bytes), 0);
    for (unsigned o = 0; o < MPA_CHUNKCACHE_ORDERS; o++)
        cr_assert_eq(cc->n[o], 0);
    /* The blocks are the backend's again: still committed (dirty) until it
     * decays them, and handed out again by it. */
    cr_assert_eq(mpa_backend_committed(), committed);
    void *q = mpa_malloc(200 * 1024);
    cr_assert_not_null(q);
    mpa_free(q);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Held busy (as in a slow path) while a test works this thread's cache by
 * hand and sleeps: the purger would otherwise take it for an idle thread's
 * and drain it (core.c, "lending"). */
static void hold_core(bool hold) { atomic_store(&mpa_local.core->busy, hold ? 1u : 0u); }

Test(chunkcache, unused_blocks_decay) {
    if (MPA_DECAY_MS == 0)
        cr_skip_test("this build keeps nothing");
    mpa_chunkcache_t *cc = my_cache();
    hold_core(true);
    mpa_chunkcache_drain(cc);
    bool zeroed;
    void *p[4];
    for (int i = 0; i < 4; i++)
        cr_assert_not_null(p[i] = mpa_backend_alloc(2, &zeroed));
    for (int i = 0; i < 4; i++)
        mpa_chunkcache_free(cc, p[i], 2);
    cr_assert_eq(cc->n[2], 4);
    uint64_t turns = atomic_load(&cc->turns);
    for (int waited = 0; cc->n[2] != 0 && waited < 8 * MPA_DECAY_MS + 2000; waited += 10) {
        mpa_chunkcache_tick(cc);
        sleep_ms(10);
    }
    hold_core(false);
    cr_assert_eq(cc->n[2], 0, "blocks unused for %d ms are still cached", 8 * MPA_DECAY_MS);
    cr_assert_geq(atomic_load(&cc->turns), turns + 2, "gone before two turns");
}

Test(chunkcache, blocks_in_use_do_not_decay) {
    if (MPA_DECAY_MS == 0)
        cr_skip_test("this build keeps nothing");
    mpa_chunkcache_t *cc = my_cache();
    hold_core(true);
    mpa_chunkcache_drain(cc);
    bool zeroed;
    void *p = mpa_backend_alloc(2, &zeroed);
    cr_assert_not_null(p);
    mpa_chunkcache_free(cc, p, 2);
    uint64_t turns = atomic_load(&cc->turns);
    for (int waited = 0; atomic_load(&cc->turns) < turns + 3 && waited < 10 * MPA_DECAY_MS;
         waited += 5) {
        void *q = mpa_chunkcache_alloc(cc, 2, &zeroed); /* used in every interval */
        cr_assert_eq(q, p);
        mpa_chunkcache_free(cc, q, 2);
        mpa_chunkcache_tick(cc);
        sleep_ms(5);
    }
    hold_core(false);
    cr_assert_geq(atomic_load(&cc->turns), turns + 3);
    cr_assert_eq(cc->n[2], 1, "a block used in every interval was given back");
}

static mpa_core_t *exited_core;

static void *churn_and_exit(void *arg) {
    (void)arg;
    void *p[64];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 64; i++)
            p[i] = mpa_malloc(i % 2 ? 100 * 1024 : 8 * 1024);
        for (int i = 0; i < 64; i++)
            mpa_free(p[i]);
    }
    exited_core = mpa_local.core;
    return NULL;
}

Test(chunkcache, thread_exit_gives_everything_back) {
    pthread_t t;
    pthread_create(&t, NULL, churn_and_exit, NULL);
    pthread_join(t, NULL);
    mpa_core_t *c = exited_core;
    cr_assert_not_null(c);
    cr_assert_eq(atomic_load(&c->cache.bytes), 0, "a pooled core keeps %llu cached bytes",
                 (unsigned long long)atomic_load(&c->cache.bytes));
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++)
        cr_assert_eq(c->empties[cls], 0, "class %u keeps an empty slab", cls);
    /* A slab may stay with objects out that live on (glibc's blocks for a
     * thread started meanwhile): the only one a pooled core keeps. */
    size_t kept = 0;
    for (mpa_slab_t *s = c->all_slabs; s != NULL; s = s->all_next, kept++)
        cr_assert_neq(s->state, MPA_SLAB_EMPTY, "an empty slab of class %u stays", s->cls);
    cr_assert_leq(kept, 1, "a pooled core keeps %zu slabs", kept);
    cr_assert_eq(atomic_load(&c->slabs_created) - atomic_load(&c->slabs_released), kept);
}

Test(chunkcache, stats_report_layers) {
    const char *json = mpa_stats_json();
    const char *keys[] = {"\"lock_acquisitions\":", "\"lock_contended\":",   "\"decay_checks\":",
                          "\"chunk_cache_bytes\":", "\"chunk_cache_hits\":", "\"slabs_created\":",
                          "\"slabs_released\":",    "\"decay_turns\":"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_assert_not_null(strstr(json, keys[i]), "%s missing from %s", keys[i], json);
    uint64_t before = locks();
    mpa_free(mpa_malloc(300 * 1024));
    cr_assert_gt(locks(), 0);
    cr_assert_geq(locks(), before);
}
