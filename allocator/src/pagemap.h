/* The pagemap: one entry per chunk, mapping an address to what lives there.
 * Small objects: owner core, slab and size class. Everything else has a
 * small kind tag in place of the owner (zero = unknown memory).
 * Two levels, so that it costs address space only where the heap is: a root
 * of MPA_PM_ROOT_SIZE words covers the 47-bit user address space, one word
 * per 2^MPA_PM_LEAF_BITS bytes (a "leaf span"); each word points at the
 * leaf of entries for that span, biased by the span's first chunk index so
 * that entry(p) = root[p >> LEAF_BITS] + (p >> CHUNK_BITS) * sizeof(entry),
 * one load more than a flat map and no mask. Spans the heap never used
 * point at one shared, never-written zero leaf, so a lookup of any user
 * address (NULL, a foreign pointer) is safe. Leaves are reserved when the
 * backend first reserves address space in their span, and committed by
 * touch (by the backend on platforms without lazy commit). */
#ifndef MPA_PAGEMAP_H
#define MPA_PAGEMAP_H

#include "common.h"

/* Kinds of chunks that are not part of a small-object slab (owner bits 0). */
enum {
    MPA_PM_UNKNOWN = 0,        /* never handed out by the backend */
    MPA_PM_FREE = 1,           /* head of a free block (clean, decommitted) */
    MPA_PM_DIRTY = 2,          /* head of a free block kept committed for reuse */
    MPA_PM_LARGE = 3,          /* first chunk of a large object */
    MPA_PM_LARGE_INTERIOR = 4, /* later chunks of a large object */
    MPA_PM_RESERVED = 5,       /* inside a block handed out, not yet labelled */
    MPA_PM_RELEASED = 6,       /* first chunk of a huge block given back to the OS */
};

typedef struct mpa_pm_entry {
    uintptr_t owner; /* small: core address; else kind | order << 4 (< MPA_PM_TAG_LIMIT) */
    void *meta;      /* small: slab; free/dirty: next block; large: base */
    void *aux;       /* free/dirty: previous block; large: usable size */
    uintptr_t cls;   /* small: size class; dirty: its generation */
} mpa_pm_entry_t;

#define MPA_PM_ADDRESS_BITS 47 /* the user half of x86-64 and arm64 (48-bit VA) */
#define MPA_PM_LEAF_BITS    32 /* bytes of address space per leaf = 2^bits (leaf: 8 MiB) */
#define MPA_PM_ROOT_SIZE    ((size_t)1 << (MPA_PM_ADDRESS_BITS - MPA_PM_LEAF_BITS))
#define MPA_PM_LEAF_ENTRIES ((size_t)1 << (MPA_PM_LEAF_BITS - MPA_CHUNK_BITS))

/* Root words: leaf address minus (span index << (LEAF_BITS - CHUNK_BITS))
 * entries. Written under the global backend lock, read by every lookup. */
MPA_HIDDEN extern uintptr_t mpa_pm_root[MPA_PM_ROOT_SIZE];

/* The entry of the chunk holding p. pre: p < 2^MPA_PM_ADDRESS_BITS (every
 * user-space address on 4-level paging). */
MPA_INLINE mpa_pm_entry_t *mpa_pm_entry(const void *p) {
    /* A plain load (it folds into the add): a root word only ever changes
     * from the zero leaf to a leaf made before the span's memory exists. */
    uintptr_t leaf = mpa_pm_root[(uintptr_t)p >> MPA_PM_LEAF_BITS];
    return (mpa_pm_entry_t *)(leaf + ((uintptr_t)p >> MPA_CHUNK_BITS) * sizeof(mpa_pm_entry_t));
}

/* True when p is an address the pagemap can look up. */
MPA_INLINE bool mpa_pm_covers(const void *p) { return (uintptr_t)p >> MPA_PM_ADDRESS_BITS == 0; }

/* The owner word of an entry the caller does not own may be read by the
 * backend (to merge buddies) while its owner labels it: such accesses are
 * relaxed atomics (plain moves on x86-64), everything else is plain. */
MPA_INLINE uintptr_t mpa_pm_owner_load(const mpa_pm_entry_t *e) {
    return __atomic_load_n(&e->owner, __ATOMIC_RELAXED);
}

MPA_INLINE void mpa_pm_owner_store(mpa_pm_entry_t *e, uintptr_t v) {
    __atomic_store_n(&e->owner, v, __ATOMIC_RELAXED);
}

/* Tags of non-small entries stay below this; core addresses are far above. */
#define MPA_PM_TAG_LIMIT ((uintptr_t)1 << 16)

MPA_INLINE bool mpa_pm_is_small(const mpa_pm_entry_t *e) { return e->owner >= MPA_PM_TAG_LIMIT; }

/* pre: !mpa_pm_is_small(e) */
MPA_INLINE unsigned mpa_pm_kind(const mpa_pm_entry_t *e) { return (unsigned)(e->owner & 15); }

MPA_INLINE unsigned mpa_pm_order(const mpa_pm_entry_t *e) { return (unsigned)(e->owner >> 4); }

MPA_INLINE uintptr_t mpa_pm_tag(unsigned kind, unsigned order) {
    return (uintptr_t)kind | (uintptr_t)order << 4;
}

#endif /* MPA_PAGEMAP_H */
