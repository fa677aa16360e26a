/* The per-core chunk cache (see chunkcache.h): per order a LIFO stack of
 * blocks, the newest on top. A refill takes several blocks from the backend
 * in one lock acquisition; a full stack or a cache over its byte budget gives
 * its oldest half back in one. Decay follows the backend's generations: at
 * each turn, the blocks that stayed below the stack's low-water mark for the
 * whole interval (never needed) go back. The clock is read every 64th call.
 * A miss also gives back the orders not asked for in the last 64 calls, so
 * that a program moving on to bigger blocks lets the backend merge them
 * (wl-pairs -s 0.2, 8 B .. 64 KiB phases: peak RSS 12.8 -> 10.0 MB, 9.3 MB
 * before the cache; 16 calls: 9.8 MB but 1,108 backend lock acquisitions
 * per 1M calls on wl-mixed-sizes, 64 calls: 911). */
#include "core.h"

#define BLOCK_SIZE(order) (MPA_CHUNK_SIZE << (order))
#define CC_TICK_MASK      63u /* calls between decay checks, minus one */
#define CC_IDLE_OPS       64u /* an order not asked for in this many calls is idle */

void mpa_chunkcache_init(mpa_chunkcache_t *cc, mpa_backend_t *b) {
    cc->backend = b;
    atomic_store_explicit(&cc->epoch, atomic_load_explicit(&b->epoch_ms, memory_order_relaxed),
                          memory_order_relaxed);
}

/* Bytes the stacks hold, counted block by block (level 2: bounded by the
 * cache's slots), against which cc->bytes is checked. */
static uint64_t stacked_bytes(const mpa_chunkcache_t *cc) {
    uint64_t sum = 0;
    for (unsigned o = 0; o < MPA_CHUNKCACHE_ORDERS; o++)
        sum += (uint64_t)cc->n[o] * BLOCK_SIZE(o);
    return sum;
}

/* True when the blocks on the stack of order o are aligned to their size
 * and read "reserved" in the pagemap (what a cached block is; level 2). */
static bool stack_intact(const mpa_chunkcache_t *cc, unsigned o) {
    for (unsigned i = 0; i < cc->n[o]; i++) {
        void *p = mpa_blk_addr(cc->block[o][i], o);
        const mpa_pm_entry_t *e = mpa_pm_entry(p);
        if (((uintptr_t)p & (BLOCK_SIZE(o) - 1)) != 0 || mpa_pm_is_small(e) ||
            mpa_pm_kind(e) != MPA_PM_RESERVED)
            return false;
    }
    return true;
}

static void bytes_add(mpa_chunkcache_t *cc, int64_t delta) {
    uint64_t v = atomic_load_explicit(&cc->bytes, memory_order_relaxed);
    MPA_ASSERT(1, delta >= 0 || v >= (uint64_t)-delta);
    atomic_store_explicit(&cc->bytes, v + (uint64_t)delta, memory_order_relaxed);
}

/* Gives the k oldest blocks of order o back in one batch. pre: locked. */
static void spill_oldest(mpa_chunkcache_t *cc, unsigned o, unsigned k) {
    MPA_ASSERT(1, mpa_lock_is_held(&cc->lock) && o < MPA_CHUNKCACHE_ORDERS && k <= cc->n[o]);
    MPA_ASSERT(1, cc->low[o] <= cc->n[o]);
    if (k == 0)
        return;
    MPA_ASSERT(2, stack_intact(cc, o));
    mpa_backend_free_batch(cc->backend, cc->block[o], k, o);
    unsigned n = cc->n[o];
    for (unsigned i = k; i < n; i++)
        cc->block[o][i - k] = cc->block[o][i];
    cc->n[o] = (uint8_t)(n - k);
    cc->low[o] = (uint8_t)(cc->low[o] > k ? cc->low[o] - k : 0);
    bytes_add(cc, -(int64_t)(k * BLOCK_SIZE(o)));
    mpa_count1(&cc->spills);
}

/* Empty stack of order o: takes a batch (a sixteenth of the byte budget, at
 * least one block, at most half the slots) from the backend. pre: locked. */
/* A miss: orders nobody asked for lately go back to the backend, where
 * they can merge into the larger blocks a phase change now needs (a program
 * that moves on to bigger objects must not keep the smaller blocks here).
 * pre: locked. */
static void spill_idle(mpa_chunkcache_t *cc, unsigned o) {
    for (unsigned i = 0; i < MPA_CHUNKCACHE_ORDERS; i++)
        if (i != o && cc->n[i] != 0 && cc->ops - cc->used_at[i] > CC_IDLE_OPS)
            spill_oldest(cc, i, cc->n[i]);
}

static bool refill(mpa_chunkcache_t *cc, unsigned o) {
    MPA_ASSERT(1, mpa_lock_is_held(&cc->lock) && cc->n[o] == 0);
    spill_idle(cc, o);
    size_t k = (MPA_CORE_CACHE / 16) >> (MPA_CHUNK_BITS + o);
    k = k < 1 ? 1 : k > MPA_CORE_CACHE_SLOTS / 2 ? MPA_CORE_CACHE_SLOTS / 2 : k;
    size_t got = mpa_backend_alloc_batch(cc->backend, o, cc->block[o], k);
    for (size_t i = 0; i < got / 2; i++) { /* lowest address on top: used in address order */
        uintptr_t t = cc->block[o][i];
        cc->block[o][i] = cc->block[o][got - 1 - i];
        cc->block[o][got - 1 - i] = t;
    }
    cc->n[o] = (uint8_t)got;
    bytes_add(cc, (int64_t)(got * BLOCK_SIZE(o)));
    MPA_ASSERT(2, stack_intact(cc, o) &&
                      stacked_bytes(cc) == atomic_load_explicit(&cc->bytes, memory_order_relaxed));
    mpa_count1(&cc->refills);
    return got != 0;
}

static void turn_locked(mpa_chunkcache_t *cc) {
    uint64_t epoch = atomic_load_explicit(&cc->backend->epoch_ms, memory_order_relaxed);
    if (epoch == atomic_load_explicit(&cc->epoch, memory_order_relaxed))
        return;
    atomic_store_explicit(&cc->epoch, epoch, memory_order_relaxed);
    for (unsigned o = 0; o < MPA_CHUNKCACHE_ORDERS; o++) {
        spill_oldest(cc, o, cc->low[o]);
        cc->low[o] = cc->n[o];
    }
    mpa_count1(&cc->turns);
}

void mpa_chunkcache_tick(mpa_chunkcache_t *cc) {
    atomic_fetch_add_explicit(&cc->decay_checks, 1, memory_order_relaxed);
    mpa_backend_tick_in(cc->backend);
    if (atomic_load_explicit(&cc->backend->epoch_ms, memory_order_relaxed) ==
        atomic_load_explicit(&cc->epoch, memory_order_relaxed))
        return;
    mpa_lock(&cc->lock);
    turn_locked(cc);
    mpa_unlock(&cc->lock);
}

/* Owner only (ops is not shared): every 64th call looks at the clock. */
static void pace(mpa_chunkcache_t *cc) {
    if ((++cc->ops & CC_TICK_MASK) == 0)
        mpa_chunkcache_tick(cc);
}

uintptr_t mpa_chunkcache_alloc_blk(mpa_chunkcache_t *cc, unsigned order) {
    pace(cc);
    uintptr_t v;
    if (order >= MPA_CHUNKCACHE_ORDERS)
        return mpa_backend_alloc_batch(cc->backend, order, &v, 1) ? v : 0;
    mpa_lock(&cc->lock);
    cc->used_at[order] = cc->ops;
    if (cc->n[order] != 0)
        mpa_count1(&cc->hits);
    else if (!refill(cc, order)) {
        mpa_unlock(&cc->lock);
        return 0;
    }
    MPA_ASSERT(1, cc->n[order] > 0 && cc->n[order] <= MPA_CORE_CACHE_SLOTS);
    unsigned n = --cc->n[order];
    if (cc->low[order] > n)
        cc->low[order] = (uint8_t)n;
    v = cc->block[order][n];
    bytes_add(cc, -(int64_t)BLOCK_SIZE(order));
    mpa_unlock(&cc->lock);
    return v;
}

void *mpa_chunkcache_alloc(mpa_chunkcache_t *cc, unsigned order, bool *zeroed) {
    uintptr_t v = mpa_chunkcache_alloc_blk(cc, order);
    *zeroed = mpa_blk_zero(v);
    return v ? mpa_blk_addr(v, order) : NULL;
}

/* The largest order holding blocks, or MPA_CHUNKCACHE_ORDERS when empty. */
static unsigned largest_held(const mpa_chunkcache_t *cc) {
    for (unsigned o = MPA_CHUNKCACHE_ORDERS; o-- > 0;)
        if (cc->n[o] != 0)
            return o;
    return MPA_CHUNKCACHE_ORDERS;
}

void mpa_chunkcache_free(mpa_chunkcache_t *cc, void *p, unsigned order) {
    mpa_chunkcache_free_blk(cc, (uintptr_t)p, order);
}

void mpa_chunkcache_free_blk(mpa_chunkcache_t *cc, uintptr_t v, unsigned order) {
    void *p = mpa_blk_addr(v, order);
    pace(cc);
    mpa_pm_owner_store(mpa_pm_entry(p), mpa_pm_tag(MPA_PM_RESERVED, order));
    v &= ~(uintptr_t)1; /* a freed block does not read as zero */
    if (order >= MPA_CHUNKCACHE_ORDERS) {
        mpa_backend_free_batch(cc->backend, &v, 1, order);
        return;
    }
    mpa_lock(&cc->lock);
    if (cc->n[order] == MPA_CORE_CACHE_SLOTS)
        spill_oldest(cc, order, MPA_CORE_CACHE_SLOTS / 2);
    while (atomic_load_explicit(&cc->bytes, memory_order_relaxed) + BLOCK_SIZE(order) >
           MPA_CORE_CACHE) {
        unsigned o =
            largest_held(cc); /* never MPA_CHUNKCACHE_ORDERS: a block fits an empty cache */
        spill_oldest(cc, o, (cc->n[o] + 1u) / 2);
    }
    MPA_ASSERT(1, cc->n[order] < MPA_CORE_CACHE_SLOTS);
    MPA_ASSERT(1, ((uintptr_t)p & (BLOCK_SIZE(order) - 1)) == 0);
    cc->block[order][cc->n[order]++] = v;
    bytes_add(cc, (int64_t)BLOCK_SIZE(order));
    MPA_ASSERT(1, atomic_load_explicit(&cc->bytes, memory_order_relaxed) <= MPA_CORE_CACHE);
    MPA_ASSERT(2, stacked_bytes(cc) == atomic_load_explicit(&cc->bytes, memory_order_relaxed));
    mpa_unlock(&cc->lock);
}

size_t mpa_chunkcache_drain(mpa_chunkcache_t *cc) {
    mpa_lock(&cc->lock);
    size_t bytes = (size_t)atomic_load_explicit(&cc->bytes, memory_order_relaxed);
    MPA_ASSERT(2, stacked_bytes(cc) == bytes);
    for (unsigned o = 0; o < MPA_CHUNKCACHE_ORDERS; o++)
        spill_oldest(cc, o, cc->n[o]);
    mpa_unlock(&cc->lock);
    return bytes;
}

size_t mpa_chunkcache_drain_clean(mpa_chunkcache_t *cc) {
    if (cc->backend != &mpa_backend_global)
        return mpa_chunkcache_drain(cc); /* (an mspace keeps its block: decay as usual) */
    mpa_lock(&cc->lock);
    size_t bytes = (size_t)atomic_load_explicit(&cc->bytes, memory_order_relaxed);
    MPA_ASSERT(2, stacked_bytes(cc) == bytes);
    for (unsigned o = 0; o < MPA_CHUNKCACHE_ORDERS; o++) {
        MPA_ASSERT(2, stack_intact(cc, o));
        for (unsigned i = 0; i < cc->n[o]; i++)
            mpa_backend_free_clean(mpa_blk_addr(cc->block[o][i], o), o);
        cc->n[o] = cc->low[o] = 0;
    }
    bytes_add(cc, -(int64_t)bytes);
    mpa_unlock(&cc->lock);
    return bytes;
}

void mpa_chunkcache_forget(mpa_chunkcache_t *cc) {
    mpa_lock(&cc->lock);
    for (unsigned o = 0; o < MPA_CHUNKCACHE_ORDERS; o++)
        cc->n[o] = cc->low[o] = 0;
    atomic_store_explicit(&cc->bytes, 0, memory_order_relaxed);
    mpa_unlock(&cc->lock);
}

void mpa_chunkcache_fork(mpa_chunkcache_t *cc, mpa_fork_stage_t stage) {
    mpa_lock_fork(&cc->lock, stage);
}
