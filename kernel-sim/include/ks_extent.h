/* Extent sets: free ranges [start, start+len) kept sorted by address, split
 * on allocation and coalesced with both neighbours on free. Nodes come from
 * a static pool, so neither the VA manager nor the page allocator ever calls
 * an allocator. Callers serialise access to a set (the pool has its own lock). */
#ifndef KS_EXTENT_H
#define KS_EXTENT_H

#include <stddef.h>
#include <stdint.h>

#define KS_EXTENT_POOL 65536 /* nodes shared by all sets */

typedef struct ks_extent {
    uintptr_t start, len;
    struct ks_extent *next; /* next free extent, higher address */
} ks_extent_t;

typedef struct ks_extent_set {
    ks_extent_t *head; /* lowest free extent */
    uintptr_t free;    /* sum of lengths */
    size_t count;      /* extents in the list */
} ks_extent_set_t;

/* Adds [start, start+len) to the set, merging with neighbours.
 * Returns 0; -1 when the node pool is exhausted; -2 when the range overlaps
 * a free extent (a double free). */
int ks_extent_insert(ks_extent_set_t *s, uintptr_t start, uintptr_t len);

/* First fit: takes len units aligned to align (a power of two) from the
 * lowest extent that holds them, below limit (0: no limit). Returns 0 and
 * *out, or -1 when nothing fits (or the pool is exhausted by the split). */
int ks_extent_take(ks_extent_set_t *s, uintptr_t len, uintptr_t align, uintptr_t limit,
                   uintptr_t *out);

/* Takes up to len units from the lowest extent at or above min and below
 * limit (0: none): returns the units taken (0 when none) and *out. */
uintptr_t ks_extent_take_upto(ks_extent_set_t *s, uintptr_t len, uintptr_t min, uintptr_t limit,
                              uintptr_t *out);

/* Nodes of the static pool in use (for tests). */
size_t ks_extent_pool_used(void);

#endif /* KS_EXTENT_H */
