/* Slabs: runs of chunks holding objects of one size class, owned by one core.
 * A slab's record lives outside the slab (so slab memory can be decommitted
 * and metadata is out of reach of overflows). Free lists are LIFO stacks
 * linked through the objects' first word; in checked mode the links are
 * encoded with a per-process key and the slot address. */
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
    void *free;      /* objects freed back to this slab */
    uint32_t needed; /* frees until the next state change */
    uint8_t cls;     /* size class */
    uint8_t state;   /* MPA_SLAB_* */
    uint16_t unused;
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

/* Next object after p on a free list. */
MPA_INLINE void *mpa_fl_next(void *p) { return MPA_FL_ENCODE(p, *(void **)p); }

/* Links p in front of next. */
MPA_INLINE void mpa_fl_set(void *p, void *next) { *(void **)p = MPA_FL_ENCODE(p, next); }

#endif /* MPA_SLAB_H */
