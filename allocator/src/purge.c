/* Idle give-back: freed memory that is not reused goes back to the OS even
 * when the program makes no further allocator calls. A background thread
 * (like jemalloc's background_thread) wakes every MPA_DECAY_MS / 2 while
 * memory is cached and runs a round of the work it was launched with
 * (reclaim.c: turns the backend's dirty-cache generations, so a freed block
 * is decommitted 250-375 ms after its free with the default decay, lets
 * every core's chunk cache decay, takes in the messages of pooled cores
 * and drains idle threads' cores). This file is the thread's driver only,
 * the lowest but two of the core layer: the paths that cache memory wake
 * it, and what a round does comes in from the layer above (the round
 * calls the core, so the core never calls the purger's work). When a round finds nothing
 * cached it parks (mpa_pal_park) until a path that caches memory wakes it
 * (mpa_purger_wake: one futex wake, which never blocks), or for at most
 * PARK_MS.
 *
 * It is started once, by mpa_purger_launch, which only the layer above the
 * core calls (with a started heap and the round to run), and never from a
 * malloc/free path: the C library and the
 * loader call malloc and free holding locks that pthread_create needs
 * (glibc's stack-cache lock while it frees old threads' TLS blocks; see
 * the table in allocator/src/README.md). The override layer launches it
 * when the program creates its first thread (the PAL's pthread_create
 * hook): a single-threaded process never gets a thread of ours (unshare
 * and setns need a single-threaded caller), and decay there runs on the
 * allocator's own calls. It leaves for good once the main thread has
 * called pthread_exit, so that it never keeps a process alive (with every
 * signal blocked, it could not even be stopped by one). It holds no lock
 * while parked, takes locks as any thread does (so fork's prepare handler
 * waits for it); a fork child has no purger until it creates a thread.
 * MPA_PURGER=0 (build) or the option MPALLOC_PURGER=0 (environment) turns
 * it off; a platform without MPA_PAL_BACKGROUND has none. */
#include "core.h"

#if !MPA_PURGER

void mpa_purger_launch(size_t (*round)(void)) { (void)round; }
void mpa_purger_wake(void) {}
void mpa_purger_fork_child(void) {}

#else

enum {
    PURGER_OFF = 0,
    PURGER_STARTING = 1,
    PURGER_RUNNING = 2,
    PURGER_GONE = 3,
    PURGER_DISABLED = 4
};
static atomic_int purger_state;
/* What each round does (reclaim.c's mpa_reclaim_round): set before the
 * thread starts. */
static size_t (*purge_round)(void);
/* 1 while the purger is parked (or about to park); a waker that swaps it to
 * 0 wakes it. A wake that races with parking is caught by the timeout. */
static _Atomic uint32_t purger_parked;

/* Longest park: the purger looks at the main thread (and at pooled cores'
 * messages a lost wake left behind) this often while idle. */
#define PARK_MS 1000u

/* Parks until woken or PARK_MS passed, unless memory was cached after the
 * last round. */
static void park(void) {
    atomic_store(&purger_parked, 1);
    if (purge_round() == 0)
        mpa_pal_park((uint32_t *)&purger_parked, 1, PARK_MS);
    atomic_store(&purger_parked, 0);
}

static void purger_main(void) {
    unsigned period = MPA_DECAY_MS / 2 ? MPA_DECAY_MS / 2 : 1;
    for (size_t held = purge_round();; held = purge_round()) {
        if (held == 0)
            park();
        else
            mpa_pal_sleep_ms(period);
        if (mpa_pal_main_thread_gone()) {
            atomic_store(&purger_state, PURGER_GONE); /* decay stays on calls */
            return;
        }
    }
}

/* Off on a platform without background threads, or by the option. */
static bool disabled(void) {
    if ((mpa_pal_features() & MPA_PAL_BACKGROUND) == 0)
        return true;
    const char *v = mpa_pal_option("MPALLOC_PURGER");
    return v != NULL && v[0] == '0' && v[1] == '\0';
}

/* pre: called outside every malloc/free path (the override layer's thread
 * creation hook or its constructor): starting a thread takes the C
 * library's locks. On failure (no threads left, a tight limit) decay stays
 * on the allocator's own calls and a later launch tries again. */
void mpa_purger_launch(size_t (*round)(void)) {
    if (MPA_LIKELY(atomic_load_explicit(&purger_state, memory_order_relaxed) != PURGER_OFF))
        return;
    int expected = PURGER_OFF;
    if (!atomic_compare_exchange_strong(&purger_state, &expected, PURGER_STARTING))
        return;
    if (disabled()) {
        atomic_store(&purger_state, PURGER_DISABLED);
        return;
    }
    purge_round = round;
    bool ok = mpa_pal_thread_start(purger_main, "mpalloc-purge") == 0;
    atomic_store(&purger_state, ok ? PURGER_RUNNING : PURGER_OFF);
}

/* Called where memory gets cached, on any path in any context: one relaxed
 * load, and a futex wake (a system call that never blocks) when parked. */
void mpa_purger_wake(void) {
    if (MPA_UNLIKELY(atomic_load_explicit(&purger_parked, memory_order_relaxed) != 0) &&
        atomic_exchange(&purger_parked, 0) != 0)
        mpa_pal_unpark((uint32_t *)&purger_parked);
}

/* The child has no purger thread (only the forking thread survives fork);
 * the next thread it creates launches one. Atomic stores only: what a fork
 * child handler may do. */
void mpa_purger_fork_child(void) {
    atomic_store(&purger_parked, 0);
    if (atomic_load(&purger_state) != PURGER_DISABLED)
        atomic_store(&purger_state, PURGER_OFF);
}

#endif
