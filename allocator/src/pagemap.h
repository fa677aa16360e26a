/* The pagemap: one entry per chunk, mapping an address to what lives there.
 * Small objects: owner core, slab and size class. Everything else has a
 * small kind tag in place of the owner (zero = unknown memory).
 * One flat array read through a runtime mask: entry(p) = base + ((p >> 9) &
 * mask), the chunk index modulo the map's size (a power of two of entries).
 * An unlimited process maps the whole user address space (a lazily touched
 * reservation); under an address-space limit (RLIMIT_AS, or when that big a
 * reservation is refused) the heap lives in a window of 2^k bytes, the map
 * holds the window's entries only, and addresses outside it alias entries
 * inside (mpa_pm_covers tells them apart; slow paths check it). The window
 * chunk whose entry NULL aliases is never handed out, so free(NULL) and
 * foreign pointers read "unknown" unless they alias a live chunk (fast
 * build only: the hardened builds check mpa_pm_covers on every free). */
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

/* Tag bit of a free block (MPA_PM_FREE, MPA_PM_DIRTY) filed by a backend
 * confined to an arena (an mspace's), above the kind's three bits: an
 * arena is one block of the global backend, whose head entry is also the
 * head of the arena's own largest free block, and the global backend
 * merges a block it frees with its buddy when the buddy's head reads as a
 * free block of the same order. Without this bit it took a live arena whose
 * backend had its whole block free for one of its own (and unlinked it
 * from its lists through the arena's links). mpa_pm_kind ignores it: the
 * one flag of a tag. */
#define MPA_PM_CONFINED 8u
_Static_assert(MPA_PM_RELEASED < MPA_PM_CONFINED, "kinds fit below the confined bit");

struct mpa_slab;
struct mpa_backend;

/* One chunk's entry: the owner word says which of the views below holds
 * (mpa_pm_is_small, else mpa_pm_kind). The views share the words after it;
 * a field keeps its offset in every build (free's fast path reads the
 * owner and small.cls). */
typedef struct mpa_pm_entry {
    uintptr_t owner; /* small: the owning core's address; else kind | flag | order << 4 */
    union {
        struct { /* mpa_pm_is_small: a chunk of a slab */
            struct mpa_slab *slab;
            char *base;    /* the slab's first object (checked builds' start-of-object test) */
            uintptr_t cls; /* the slab's size class */
        } small;
        struct {               /* MPA_PM_FREE, MPA_PM_DIRTY: the head chunk of a free block;
                  * MPA_PM_RESERVED: a block on a list to decommit (next only) */
            void *next, *prev; /* neighbours on its list (block addresses) */
            uintptr_t gen;     /* MPA_PM_DIRTY: the dirty generation it is filed in */
        } block;
        struct {                         /* MPA_PM_LARGE: first chunk; MPA_PM_LARGE_INTERIOR: base
                               * (and, in the second chunk, usable: see below) */
            void *base;                  /* the object's address */
            uintptr_t usable;            /* usable bytes (a page multiple), 0 once freed; hardened
                               * builds keep the request's slack in the bits below a page.
                               * Second chunk: the block's resident extent in chunks
                               * (large.c, extent_get) */
            struct mpa_backend *backend; /* the backend it goes back to */
        } large;
    };
} mpa_pm_entry_t;

#define MPA_PM_ENTRY_BITS 5 /* sizeof(mpa_pm_entry_t) = 2^bits: the mask needs a power of two */
_Static_assert(sizeof(mpa_pm_entry_t) == (1u << MPA_PM_ENTRY_BITS), "pagemap entry size");
_Static_assert(offsetof(mpa_pm_entry_t, small.slab) == 8 &&
                   offsetof(mpa_pm_entry_t, small.cls) == 24,
               "the views share the words after the owner");

/* Where the map is and what it covers. Set once by mpa_backend_init (the
 * library constructor, before the program's threads exist); until then
 * every lookup reads one static zero entry (mask 0). */
typedef struct mpa_pagemap {
    uintptr_t base; /* the map: entry of chunk index i at base + i * entry size */
    uintptr_t mask; /* (entries - 1) << MPA_PM_ENTRY_BITS */
    uintptr_t lo;   /* the heap window [lo, lo + span): every reservation lies in it */
    uintptr_t span;
} mpa_pagemap_t;

MPA_HIDDEN extern mpa_pagemap_t mpa_pm;

/* The entry of the chunk holding p (or of the window chunk p aliases when p
 * lies outside the window): 4 instructions, as a flat map. */
MPA_INLINE mpa_pm_entry_t *mpa_pm_entry(const void *p) {
    uintptr_t off = ((uintptr_t)p >> (MPA_CHUNK_BITS - MPA_PM_ENTRY_BITS)) & mpa_pm.mask;
    return (mpa_pm_entry_t *)(mpa_pm.base + off);
}

/* True when p lies in the heap window, so that its entry is its own. */
MPA_INLINE bool mpa_pm_covers(const void *p) { return (uintptr_t)p - mpa_pm.lo < mpa_pm.span; }

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
MPA_INLINE unsigned mpa_pm_kind(const mpa_pm_entry_t *e) { return (unsigned)(e->owner & 7); }

MPA_INLINE unsigned mpa_pm_order(const mpa_pm_entry_t *e) { return (unsigned)(e->owner >> 4); }

MPA_INLINE uintptr_t mpa_pm_tag(unsigned kind, unsigned order) {
    return (uintptr_t)kind | (uintptr_t)order << 4;
}

/* Entries to write with mpa_pm_label (backend.h): a chunk of core's slab
 * of class cls starting at base; a chunk of kind (a tag of mpa_pm_tag) with no other field;
 * a later chunk of the large object at base. */
MPA_INLINE mpa_pm_entry_t mpa_pm_small(uintptr_t core, struct mpa_slab *slab, char *base,
                                       unsigned cls) {
    return (mpa_pm_entry_t){.owner = core, .small = {.slab = slab, .base = base, .cls = cls}};
}

MPA_INLINE mpa_pm_entry_t mpa_pm_plain(uintptr_t tag) { return (mpa_pm_entry_t){.owner = tag}; }

MPA_INLINE mpa_pm_entry_t mpa_pm_interior(void *base) {
    return (mpa_pm_entry_t){.owner = mpa_pm_tag(MPA_PM_LARGE_INTERIOR, 0), .large = {.base = base}};
}

#endif /* MPA_PAGEMAP_H */
