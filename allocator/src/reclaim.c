/* What the idle purger does each round, and what malloc_trim does at once:
 * memory cached anywhere goes back (the backend's dirty generations turn,
 * every core's chunk cache decays, pooled cores take in their messages and
 * give their empty slabs back, idle threads' cores are drained: core.c,
 * "lending"). Above core.c in the core layer: the override layer launches
 * the purger (purge.c, the thread's driver, which the core wakes) with
 * mpa_reclaim_round, so that the core never calls up into this work. */
#include "core.h"

/* Idle threads (core.c, "lending"): a thread whose slow paths stopped for a
 * whole round gets its core drained while it sleeps in the kernel; one the
 * kernel reports running is tried again each round, and after LEND_TRIES
 * failures every 16th (it may be a thread that runs on fast paths alone).
 * Returns how many threads are still watched (not drained): the purger
 * does not park while one is. */
#define LEND_TRIES 3

static size_t reclaim_idle_threads(void) {
    size_t watched = 0;
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        if (atomic_load_explicit(&c->thread, memory_order_relaxed) == NULL)
            continue;
        uint32_t epoch = atomic_load_explicit(&c->epoch, memory_order_relaxed);
        bool fresh = epoch != c->seen_epoch;
        c->seen_epoch = epoch;
        if (atomic_load_explicit(&c->lent, memory_order_relaxed) != 0)
            continue;
        watched++;
        if (fresh) {
            c->idle_rounds = c->lend_tries = 0;
            continue;
        }
        c->idle_rounds++;
        if (c->lend_tries >= LEND_TRIES && c->idle_rounds % 16 != 0)
            continue;
        if (mpa_core_reclaim_idle(c)) {
            watched--;
            c->lend_tries = 0;
        } else {
            c->lend_tries++;
        }
    }
    return watched;
}

/* One round of the purger: decay everywhere, idle threads' memory back; returns the
 * bytes still cached or moved (and the threads still watched). */
size_t mpa_reclaim_round(void) {
    mpa_backend_tick();
    size_t held = mpa_pool_purge() + reclaim_idle_threads();
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        if (c->backend != &mpa_backend_global)
            continue; /* mspaces decay on their own calls */
        mpa_chunkcache_tick(&c->cache);
        held += atomic_load_explicit(&c->cache.bytes, memory_order_relaxed);
    }
    return held + mpa_backend_dirty();
}

bool mpa_reclaim_all(void) {
    if (!mpa_core_init())
        return false;
    size_t before = mpa_backend_committed();
    mpa_thread_trim();
    mpa_pool_purge();
    mpa_core_drain_caches();
    mpa_backend_release_in(&mpa_backend_global);
    return mpa_backend_committed() < before;
}
