/* Slabs: runs of chunks holding objects of one size class, owned by one core.
 * A slab's record lives outside the slab (so slab memory can be decommitted
 * and metadata is out of reach of overflows). Free lists are LIFO stacks
 * linked through the objects' first word; in checked mode the links are
 * encoded with a per-process key and the slot address, and the second word
 * holds a keyed MAC of the first. */
#ifndef MPA_SLAB_H
#define MPA_SLAB_H

#include "sizeclass.h"

enum {
    MPA_SLAB_SLEEPING = 0,  /* its objects are out; not on the available list */
    MPA_SLAB_AVAILABLE = 1, /* on the available list with free objects */
    MPA_SLAB_EMPTY = 2,     /* on the available list, every object free */
};

struct mpa_core;

typedef struct mpa_slab {
    void *free;            /* objects freed back to this slab */
    uint32_t needed;       /* frees until the next state change */
    uint8_t cls;           /* size class */
    uint8_t state;         /* MPA_SLAB_* */
    uint16_t trimmed;      /* units decommitted with their objects off `free` (core.c) */
    struct mpa_slab *next; /* available list of the owner, or spare records */
    struct mpa_slab *prev;
    char *base;                           /* first object */
    struct mpa_core *owner;               /* the core whose thread may touch this record */
    struct mpa_slab *all_next, *all_prev; /* every slab of the owner */
} mpa_slab_t;

#if MPA_CHECKED
MPA_HIDDEN extern uintptr_t mpa_fl_key;
#define MPA_FL_ENCODE(slot, v) ((void *)((uintptr_t)(v) ^ mpa_fl_key ^ ((uintptr_t)(slot) >> 4)))
#else
#define MPA_FL_ENCODE(slot, v) ((void *)(v))
#endif

/* Checked builds: M(p), a keyed hash of an object's address (one multiply).
 * A free object's second word reads M(p) ^ its first word while it is on a
 * free list (a keyed MAC over its link: any write to either word is seen
 * when it is popped), or M(p) ^ MPA_MARK_HELD while it is held elsewhere
 * (on its way to its owner, or in quarantine); either way a second free of
 * it is seen (checked.c). */
MPA_INLINE uintptr_t mpa_obj_key(const void *p) {
#if MPA_CHECKED
    return mpa_fl_key ^ ((uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15));
#else
    (void)p;
    return 0;
#endif
}
#define MPA_MARK_HELD ((uintptr_t)0x48454c4448454c44) /* "HELDHELD" */

/* Next object after p on a free list. */
MPA_INLINE void *mpa_fl_next(void *p) { return MPA_FL_ENCODE(p, *(void **)p); }

/* Links p in front of next (checked: with its MAC, key = mpa_obj_key(p)). */
MPA_INLINE void mpa_fl_set_keyed(void *p, void *next, uintptr_t key) {
    uintptr_t w0 = (uintptr_t)MPA_FL_ENCODE(p, next);
    ((uintptr_t *)p)[0] = w0;
    if (MPA_CHECKED)
        ((uintptr_t *)p)[1] = key ^ w0;
}

/* Links p in front of next. */
MPA_INLINE void mpa_fl_set(void *p, void *next) { mpa_fl_set_keyed(p, next, mpa_obj_key(p)); }

/* Checked builds: true when p reads as a member of a free list (its MAC
 * holds); always false in the fast build. */
MPA_INLINE bool mpa_fl_intact(const void *p) {
    const uintptr_t *w = p;
    return MPA_CHECKED && (w[1] ^ mpa_obj_key(p)) == w[0];
}

#endif /* MPA_SLAB_H */
