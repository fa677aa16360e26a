/* The interface every kernel-heap allocator implements so kernel_* can
 * dispatch to it: mpalloc (through its kernel PAL) and the three classic
 * baselines. Internal to kernel-sim. */
#ifndef KS_ALLOC_H
#define KS_ALLOC_H

#include <stddef.h>

typedef struct ks_alloc_ops {
    const char *name;
    int (*init)(void);                            /* once, at boot: 0 or -1 */
    void *(*malloc)(size_t size);                 /* size >= 1 */
    void (*free)(void *p);                        /* p != NULL */
    void *(*memalign)(size_t align, size_t size); /* align: power of two */
    size_t (*usable_size)(const void *p);
    void *(*realloc)(void *p, size_t size); /* NULL: generic copy */
} ks_alloc_ops_t;

extern const ks_alloc_ops_t ks_mpalloc_ops;
extern const ks_alloc_ops_t ks_buddy_slab_ops;
extern const ks_alloc_ops_t ks_magazine_ops;
extern const ks_alloc_ops_t ks_firstfit_ops;

/* Largest request any allocator accepts: larger ones fail with NULL. */
#define KS_ALLOC_MAX ((size_t)1 << 40)

#endif /* KS_ALLOC_H */
