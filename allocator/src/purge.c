/* Idle give-back: freed memory that is not reused goes back to the OS even
 * when the program makes no further allocator calls. A background thread
 * (like jemalloc's background_thread), started the first time memory is
 * cached, wakes every MPA_DECAY_MS / 2: it turns the backend's dirty-cache
 * generations (so a freed block is decommitted 250-375 ms after its free
 * with the default decay), lets every core's chunk cache decay, and takes in
 * the messages of pooled cores, giving their emptied slabs back. When two
 * rounds find nothing cached it exits (the next cached byte starts another):
 * an idle program has no extra thread. It also leaves for good once the
 * main thread has called pthread_exit, so that it never keeps a process
 * alive (with every signal blocked, it could not even be stopped by one).
 * It holds no lock while asleep, takes locks as any thread does (so fork's
 * prepare handler waits for it), and is started again lazily in a fork
 * child. The thread comes from the PAL (mpa_pal_thread_start: detached,
 * every signal blocked, a small stack); a platform without
 * MPA_PAL_BACKGROUND has no purger. MPA_PURGER=0 (build) or the option
 * MPALLOC_PURGER=0 (environment) turns it off; decay then runs on the
 * allocator's own calls only. Also malloc_trim's work: every byte at once. */
#include "core.h"

bool mpa_trim_all(void) {
    if (!mpa_heap_init())
        return false;
    size_t before = mpa_backend_committed();
    mpa_thread_trim();
    mpa_pool_purge();
    mpa_chunkcache_drain_all();
    mpa_backend_release_in(&mpa_backend_global);
    return mpa_backend_committed() < before;
}

#if !MPA_PURGER

void mpa_purger_start(void) {}
void mpa_purger_fork_child(void) {}

#else

enum { PURGER_OFF = 0, PURGER_STARTING = 1, PURGER_RUNNING = 2, PURGER_DISABLED = 3 };
static atomic_int purger_state;

/* One round: decay everywhere; returns the bytes still cached or moved. */
static size_t purge_round(void) {
    mpa_backend_tick();
    size_t held = mpa_pool_purge();
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        if (c->backend != &mpa_backend_global)
            continue; /* mspaces decay on their own calls */
        mpa_cc_tick(&c->cache);
        held += atomic_load_explicit(&c->cache.bytes, memory_order_relaxed);
    }
    return held + mpa_backend_dirty();
}

static void purger_main(void) {
    unsigned period = MPA_DECAY_MS / 2 ? MPA_DECAY_MS / 2 : 1;
    for (unsigned idle = 0; idle < 2;) {
        mpa_pal_sleep_ms(period);
        if (mpa_pal_main_thread_gone()) {
            atomic_store(&purger_state, PURGER_DISABLED); /* decay stays on calls */
            break;
        }
        idle = purge_round() == 0 ? idle + 1 : 0;
        if (idle < 2)
            continue;
        /* Exit, unless memory was cached meanwhile and its start call saw
         * this thread still running. */
        atomic_store(&purger_state, PURGER_OFF);
        int expected = PURGER_OFF;
        if (purge_round() != 0 &&
            atomic_compare_exchange_strong(&purger_state, &expected, PURGER_RUNNING))
            idle = 0;
    }
}

/* Off on a platform without background threads, or by the option. */
static bool disabled(void) {
    if ((mpa_pal_features() & MPA_PAL_BACKGROUND) == 0)
        return true;
    const char *v = mpa_pal_option("MPALLOC_PURGER");
    return v != NULL && v[0] == '0' && v[1] == '\0';
}

/* On failure (no threads left, a tight limit) decay stays on the
 * allocator's own calls; a later call tries again. */
static void purger_create(void) {
    bool ok = mpa_pal_thread_start(purger_main, "mpalloc-purge") == 0;
    atomic_store(&purger_state, ok ? PURGER_RUNNING : PURGER_OFF);
}

/* Only a thread with a core of its own starts the purger: starting a thread
 * allocates (pthread_create does), and a thread after its teardown may hold the orphan lock, the
 * purger itself the pool lock (neither may allocate then). */
void mpa_purger_start(void) {
    if (MPA_LIKELY(atomic_load_explicit(&purger_state, memory_order_relaxed) != PURGER_OFF))
        return;
    if (mpa_local.state != MPA_THREAD_ACTIVE)
        return;
    int expected = PURGER_OFF;
    if (!atomic_compare_exchange_strong(&purger_state, &expected, PURGER_STARTING))
        return;
    if (disabled()) {
        atomic_store(&purger_state, PURGER_DISABLED);
        return;
    }
    purger_create();
}

/* The child has no purger thread; it starts one when it caches memory. */
void mpa_purger_fork_child(void) {
    if (atomic_load(&purger_state) != PURGER_DISABLED)
        atomic_store(&purger_state, PURGER_OFF);
}

#endif
