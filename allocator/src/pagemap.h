/* The pagemap: one entry per chunk of the heap range, mapping an address to
 * what lives there. Small objects: owner core, slab and size class.
 * Everything else has a small kind tag in place of the owner. Entries are
 * reserved up front (zero = unknown memory) and committed by first touch.
 * Where the platform cannot reserve a pagemap for the whole address space,
 * the backend confines the heap to an arena and the pagemap covers that. */
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
};

typedef struct mpa_pm_entry {
    uintptr_t owner; /* small: core address; else kind | order << 4 (< MPA_PM_TAG_LIMIT) */
    void *meta;      /* small: slab; free/dirty: next block; large: base */
    void *aux;       /* free/dirty: previous block; large: usable size */
    uintptr_t cls;   /* small: size class; dirty: its generation */
} mpa_pm_entry_t;

/* Biased so that entry(p) = base[p >> CHUNK_BITS] for every p in the range. */
MPA_HIDDEN extern uintptr_t mpa_pm_biased;
MPA_HIDDEN extern uintptr_t mpa_pm_lo, mpa_pm_hi; /* the covered range */

MPA_INLINE mpa_pm_entry_t *mpa_pm_entry(const void *p) {
    return (mpa_pm_entry_t *)(mpa_pm_biased +
                              ((uintptr_t)p >> MPA_CHUNK_BITS) * sizeof(mpa_pm_entry_t));
}

/* True when p lies in the range the pagemap covers. */
MPA_INLINE bool mpa_pm_covers(const void *p) {
    return (uintptr_t)p - mpa_pm_lo < mpa_pm_hi - mpa_pm_lo;
}

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

MPA_INLINE bool mpa_pm_is_small(const mpa_pm_entry_t *e) {
    return e->owner >= MPA_PM_TAG_LIMIT;
}

/* pre: !mpa_pm_is_small(e) */
MPA_INLINE unsigned mpa_pm_kind(const mpa_pm_entry_t *e) {
    return (unsigned)(e->owner & 15);
}

MPA_INLINE unsigned mpa_pm_order(const mpa_pm_entry_t *e) {
    return (unsigned)(e->owner >> 4);
}

MPA_INLINE uintptr_t mpa_pm_tag(unsigned kind, unsigned order) {
    return (uintptr_t)kind | (uintptr_t)order << 4;
}

#endif /* MPA_PAGEMAP_H */
