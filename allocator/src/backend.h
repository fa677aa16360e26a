/* The backend: address space from the platform, carved into power-of-two
 * blocks of chunks by a buddy allocator, labelled in the pagemap, and given
 * back. Freed blocks stay committed for a short while (a bounded, decaying
 * cache of dirty blocks) so that churn does not fault pages in again and
 * again; older ones are decommitted. All functions are thread-safe. */
#ifndef MPA_BACKEND_H
#define MPA_BACKEND_H

#include "pagemap.h"

/* Largest block order (a block holds 2^order chunks). */
#define MPA_MAX_ORDER    (47 - MPA_CHUNK_BITS)
#define MPA_REGION_ORDER (MPA_REGION_BITS - MPA_CHUNK_BITS)

/* A backend: the global one serves every thread; an mspace has its own,
 * confined to one block of the global one. */
typedef struct mpa_backend {
    mpa_lock_t lock;
    unsigned young;         /* generation receiving new dirty blocks */
    unsigned merge_order;   /* blocks never merge beyond this order */
    unsigned huge_order;    /* global: larger blocks are mapped alone */
    bool trim;              /* address space is limited: large objects
                                               hold chunks, not power-of-two blocks */
    size_t page_mapped_min; /* global, under a limit: huge blocks at least
                                               * this large may be mapped to the page */
    size_t dirty_bytes, used_bytes;
    size_t dirty_blocks;                      /* blocks filed in dirty_head (stats) */
    size_t peak_bytes;                        /* most used + dirty bytes at once (stats) */
    size_t reserved_bytes;                    /* address space reserved from the platform */
    size_t huge_bytes, huge_blocks;           /* huge blocks mapped alone: bytes, count */
    size_t huge_peak_bytes, huge_peak_blocks; /* ... at most at once */
    _Atomic uint64_t epoch_ms;                /* when the generations last turned */
    _Atomic uint64_t lock_acquired;           /* acquisitions of lock (stats) */
    _Atomic uint64_t lock_contended;          /* ... that found it held and waited */
    _Atomic uint64_t decay_checks;            /* clock reads by mpa_backend_tick (the purger;
                                               * the cores count theirs in their caches) */
    uintptr_t arena_next, arena_end;          /* mspace: the arena not yet handed out (global: 0) */
    void *clean_head[MPA_MAX_ORDER + 1];      /* decommitted free blocks, by order */
    void *dirty_head[2][MPA_MAX_ORDER + 1];   /* committed free blocks, by generation */
} mpa_backend_t;

MPA_HIDDEN extern mpa_backend_t mpa_backend_global;

/* Blocks passed between the backend, the chunk caches and large objects
 * are one word each (an mpa_blk): the block's address (aligned to its size,
 * at least a chunk), bit 0 set when it reads as zero, and from bit 1 up its
 * clean tail: how many chunks at its end are known not to be resident
 * (untouched since they were last decommitted). A tail of 0 is always
 * true (anything may be resident); the order comes from the context. */
#define MPA_BLK_SIZE(order) (MPA_CHUNK_SIZE << (order))
MPA_INLINE uintptr_t mpa_blk(void *p, bool zero, size_t tail) {
    return (uintptr_t)p | (uintptr_t)zero | (uintptr_t)tail << 1;
}
MPA_INLINE void *mpa_blk_addr(uintptr_t v, unsigned order) {
    return (void *)(v & ~(uintptr_t)(MPA_BLK_SIZE(order) - 1));
}
MPA_INLINE bool mpa_blk_zero(uintptr_t v) { return (v & 1) != 0; }
MPA_INLINE size_t mpa_blk_tail(uintptr_t v, unsigned order) {
    return (size_t)(v & (MPA_BLK_SIZE(order) - 1)) >> 1;
}

/* The same operations on a given backend (the functions below use the global). */
MPA_HIDDEN void *mpa_backend_alloc_in(mpa_backend_t *b, unsigned order, bool *zeroed);
MPA_HIDDEN void mpa_backend_free_in(mpa_backend_t *b, void *p, unsigned order);
MPA_HIDDEN void mpa_backend_tick_in(mpa_backend_t *b);
/* Up to n blocks of one order in one lock acquisition (per-core refills):
 * fills out[] (mpa_blk words) and returns how many. Commit, where the PAL
 * needs it, runs unlocked. */
MPA_HIDDEN size_t mpa_backend_alloc_batch(mpa_backend_t *b, unsigned order, uintptr_t *out,
                                          size_t n);
/* Returns n blocks (mpa_blk words, their zero bit ignored) of one order in
 * one lock acquisition; decommit of what goes over budget runs unlocked. */
MPA_HIDDEN void mpa_backend_free_batch(mpa_backend_t *b, const uintptr_t *blocks, size_t n,
                                       unsigned order);
/* Takes b's lock, counting the acquisition (and whether it had to wait). */
MPA_HIDDEN void mpa_backend_lock(mpa_backend_t *b);
MPA_HIDDEN size_t mpa_backend_committed_in(mpa_backend_t *b);
MPA_HIDDEN size_t mpa_backend_dirty_in(mpa_backend_t *b);
/* Sets up b over the block [base, base + chunk << order), clean and unused. */
MPA_HIDDEN void mpa_backend_init_in(mpa_backend_t *b, void *base, unsigned order);
MPA_HIDDEN size_t mpa_backend_arena_used(mpa_backend_t *b);

/* Sets up the pagemap root and sizes regions to the address-space limit;
 * false when the platform's heap range lies beyond the pagemap's reach. */
MPA_HIDDEN bool mpa_backend_init(void);

/* A block of MPA_CHUNK_SIZE << order bytes aligned to its size, or NULL when
 * address space runs out. *zeroed says whether it is known to read as zero.
 * Its first pagemap entry reads MPA_PM_RESERVED until the caller labels it. */
MPA_HIDDEN void *mpa_backend_alloc(unsigned order, bool *zeroed);

/* Returns a block from mpa_backend_alloc. pre: the caller has cleared the
 * small-object labels of all its chunks (mpa_pm_label). */
MPA_HIDDEN void mpa_backend_free(void *p, unsigned order);

/* A block of the global backend for an arena (an mspace's backend, which
 * commits what it uses): reserved, not committed, reading as zero once
 * committed. NULL when address space runs out. */
MPA_HIDDEN void *mpa_backend_alloc_arena(unsigned order);

/* A large object's block where the limits count (the backend's `trim`):
 * a block of `order` of which only the first `chunks` chunks are kept and
 * committed; the rest goes back at once, never touched (nor committed).
 * *zeroed as for mpa_backend_alloc; NULL when out of address space or of
 * memory to commit (after giving cached memory back and one more try). */
MPA_HIDDEN void *mpa_backend_alloc_trimmed(mpa_backend_t *b, unsigned order, size_t chunks,
                                           bool *zeroed);

/* Returns a block to the global backend decommitted at once (no caching). */
MPA_HIDDEN void mpa_backend_free_clean(void *p, unsigned order);

/* Huge blocks (order above huge_order: a region, or less where address
 * space is limited; global backend only): mapped on their
 * own, `size` bytes (mpa_backend_huge_size: a multiple of the page) aligned to `align`
 * (a power of two; at least a chunk), unmapped when freed. NULL when the
 * platform refuses. */
MPA_HIDDEN bool mpa_backend_is_huge(const mpa_backend_t *b, unsigned order);
/* Bytes mapped for a huge block holding `usable` bytes (a page multiple):
 * usable rounded to the chunk, or to the page where b is under a limit,
 * usable >= b->page_mapped_min and the chunk would waste over 1/16 of it
 * (100,000-byte buffers: 102,400 bytes, not 114,688; each such block is a
 * kernel mapping of its own, hence the bound). A function of usable
 * alone: alloc, free and resize agree. */
MPA_HIDDEN size_t mpa_backend_huge_size(const mpa_backend_t *b, size_t usable);
MPA_HIDDEN void *mpa_backend_huge_alloc(mpa_backend_t *b, size_t size, size_t align);
MPA_HIDDEN void mpa_backend_huge_free(mpa_backend_t *b, void *p, size_t size);
/* Grows the huge block [p, p + size) to `grow` bytes (page multiples,
 * grow > size), keeping its contents: in place where the addresses after it
 * are free and in the window; else its pages move (no copy) to a new place
 * in the window, and the old range's entries read as a freed huge block.
 * Returns the block's address (p or the new one; the caller labels it), or
 * NULL when neither can be done (p unchanged: the caller copies). */
MPA_HIDDEN void *mpa_backend_huge_grow(mpa_backend_t *b, void *p, size_t size, size_t grow);
/* Unmaps the tail of a huge block beyond `keep` bytes (a page multiple). */
MPA_HIDDEN void mpa_backend_huge_shrink(mpa_backend_t *b, void *p, size_t size, size_t keep);

/* Returns chunks [from, to) of the block at p (aligned to a power of two of
 * at least `to` chunks) as aligned power-of-two blocks: decommitted at once
 * when `clean` (the caller touched them and wants them out of RSS now), or
 * into the dirty cache. Used to trim large objects and to shrink them. */
MPA_HIDDEN void mpa_backend_free_chunks_in(mpa_backend_t *b, void *p, size_t from, size_t to,
                                           bool clean);

/* Writes the entry `as` (mpa_pm_small, mpa_pm_plain, mpa_pm_interior) into
 * the entries of `chunks` chunks from p. */
MPA_HIDDEN void mpa_pm_label(void *p, size_t chunks, mpa_pm_entry_t as);

/* Zeroed metadata that is never freed (slab records, allocator cores). */
MPA_HIDDEN void *mpa_meta_alloc(size_t size, size_t align);

/* Decommits every cached dirty block of b at once; returns the bytes. */
MPA_HIDDEN size_t mpa_backend_release_in(mpa_backend_t *b);

/* Decommits dirty blocks older than MPA_DECAY_MS; reads the clock (callers
 * pace it: never on every slow path), cheap when nothing is due. */
MPA_HIDDEN void mpa_backend_tick(void);

/* A backend's figures at one moment (mallinfo, malloc_info, malloc_stats). */
typedef struct mpa_backend_info {
    size_t used, dirty, dirty_blocks, peak; /* bytes handed out, cached committed, ... */
    size_t reserved;                        /* address space reserved (regions, huge blocks) */
    size_t huge, huge_blocks, huge_peak, huge_peak_blocks; /* huge blocks, part of used */
} mpa_backend_info_t;

/* Reads b's figures under its lock. */
MPA_HIDDEN void mpa_backend_info_in(mpa_backend_t *b, mpa_backend_info_t *out);

/* Bytes handed out by the backend plus bytes it keeps committed. */
MPA_HIDDEN size_t mpa_backend_committed(void);
MPA_HIDDEN size_t mpa_backend_dirty(void);

/* The global backend's lock across fork (mpa_lock_fork). */
MPA_HIDDEN void mpa_backend_fork(mpa_fork_stage_t stage);

#endif /* MPA_BACKEND_H */
