/* Per-core layer: the per-core chunk cache, between a core and the global
 * backend (snmalloc's local chunk cache, mimalloc's per-thread page caches).
 * Blocks of chunks a core frees (slabs, medium objects up to
 * MPA_CORE_CACHE_MAX_BITS) stay with that core, newest first, and are reused
 * by it without the backend lock; refills take up to 8 blocks and spills give
 * back half a stack per lock acquisition. Bounded per size (16 blocks) and in
 * bytes (8 MiB), and decaying: blocks unused for a whole decay interval go
 * back, and a miss gives back orders unasked for in the last 64 calls (the
 * backend can merge them). A small per-cache lock (slow paths only) lets any
 * thread drain it (mpa_core_drain_cache*: purger, malloc_trim, thread exit).
 * Lock order: init -> pool -> mspace pool -> mspace -> per-core cache ->
 * backend. madvise never runs under the backend lock; the clock is read on
 * every 16th core slow path and 64th cache call.
 * Chosen by measurement (2-core VM; counts exact): global-backend lock
 * acquisitions per 1M malloc/free calls at steady state, wl-mixed-sizes
 * (8 B..256 KiB, window 64) 1/2/16 threads: 911/936/945, none contended
 * (before: ~134,000, one per medium object or slab event); wl-window-churn:
 * 0.2 (1 thread), 110 (16 threads on 2 cores); clock reads 6,100 per 1M calls
 * (before ~87,000). An 8 MiB budget, not 4: 85 vs 1,350 acquisitions per 1M
 * calls on the mixed loop (its live medium objects swing over 4 MiB).
 * Refills hand blocks out in address order: the reverse made kernel-sim
 * remote frees of 4 KiB objects 3x dearer (prefetch across pages). */
#ifndef MPA_CHUNKCACHE_H
#define MPA_CHUNKCACHE_H

#include "backend.h"

/* Orders (block = chunk << order) the cache holds: 0..MPA_CHUNKCACHE_ORDERS-1. */
#define MPA_CHUNKCACHE_ORDERS (MPA_CORE_CACHE_MAX_BITS - MPA_CHUNK_BITS + 1)

typedef struct mpa_chunkcache {
    mpa_lock_t lock; /* owner's slow paths and drainers */
    uint32_t ops;    /* alloc/free calls, to pace decay checks */
    _Atomic uint64_t
        epoch; /* backend epoch_ms at the last turn (read unlocked by mpa_chunkcache_tick) */
    mpa_backend_t *backend;                  /* where blocks come from and go back to */
    uint8_t n[MPA_CHUNKCACHE_ORDERS];        /* blocks held per order */
    uint8_t low[MPA_CHUNKCACHE_ORDERS];      /* fewest held since the last turn */
    uint32_t used_at[MPA_CHUNKCACHE_ORDERS]; /* ops at the last request of the order */
    uintptr_t block[MPA_CHUNKCACHE_ORDERS]
                   [MPA_CORE_CACHE_SLOTS]; /* [0] oldest; bit 0: reads as zero */
    _Atomic uint64_t bytes;                /* bytes held (stats read it unlocked) */
    _Atomic uint64_t hits;                 /* requests served from the cache */
    _Atomic uint64_t refills;              /* batches taken from the backend */
    _Atomic uint64_t spills;       /* batches given back (full, over budget, decay, drain) */
    _Atomic uint64_t turns;        /* decay turns */
    _Atomic uint64_t decay_checks; /* clock reads of mpa_chunkcache_tick: counted here, on a line of
                                    * this core's, not in the shared backend */
} mpa_chunkcache_t;

/* Sets up an empty cache in front of backend b (zeroed memory is fine but
 * for the backend pointer). */
MPA_HIDDEN void mpa_chunkcache_init(mpa_chunkcache_t *cc, mpa_backend_t *b);

/* A block of MPA_CHUNK_SIZE << order bytes aligned to its size, or NULL when
 * address space or memory runs out; *zeroed as for mpa_backend_alloc. Orders
 * beyond the cache go to the backend directly. The head entry reads
 * MPA_PM_RESERVED with its order until the caller labels it. */
MPA_HIDDEN void *mpa_chunkcache_alloc(mpa_chunkcache_t *cc, unsigned order, bool *zeroed);

/* The same as an mpa_blk word (address, zero bit, clean tail); 0 when none. */
MPA_HIDDEN uintptr_t mpa_chunkcache_alloc_blk(mpa_chunkcache_t *cc, unsigned order);

/* Gives a block back. pre: as mpa_backend_free (no small labels left in it). */
MPA_HIDDEN void mpa_chunkcache_free(mpa_chunkcache_t *cc, void *p, unsigned order);

/* The same for an mpa_blk word whose clean tail says how much of the block
 * is known not to be resident (its zero bit is ignored). */
MPA_HIDDEN void mpa_chunkcache_free_blk(mpa_chunkcache_t *cc, uintptr_t v, unsigned order);

/* Reads the clock (the caller paces this), lets the backend decay, and when
 * the backend's generations turned, gives back what stayed unused. */
MPA_HIDDEN void mpa_chunkcache_tick(mpa_chunkcache_t *cc);

/* Gives every cached block back to the backend; any thread. Returns bytes. */
MPA_HIDDEN size_t mpa_chunkcache_drain(mpa_chunkcache_t *cc);

/* The same, each block decommitted at once instead of decaying in the
 * backend's dirty cache (an idle thread's, which the purger drains). */
MPA_HIDDEN size_t mpa_chunkcache_drain_clean(mpa_chunkcache_t *cc);

/* Drops every block without returning it (its backend is going away). */
MPA_HIDDEN void mpa_chunkcache_forget(mpa_chunkcache_t *cc);

/* The cache's lock across fork (mpa_lock_fork). */
MPA_HIDDEN void mpa_chunkcache_fork(mpa_chunkcache_t *cc, mpa_fork_stage_t stage);

#endif /* MPA_CHUNKCACHE_H */
