/* A binary buddy page allocator over a VA region of the kernel heap arena,
 * with a descriptor per page (Linux's struct page) that slab layers above it
 * use as their out-of-line slab page header. Blocks are mapped when handed
 * out; free blocks stay mapped (a page cache) until more than
 * KS_BUDDY_KEEP_PAGES of them are, then large free blocks are unmapped. */
#ifndef KS_BUDDY_H
#define KS_BUDDY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_cpu.h"
#include "ks_page.h"

#define KS_BUDDY_MAX_ORDER   10   /* largest block: 2^10 pages = 4 MiB */
#define KS_BUDDY_UNMAP_ORDER 4    /* free blocks this big or bigger may be unmapped */
#define KS_BUDDY_KEEP_PAGES  4096 /* free mapped pages kept before unmapping */

/* Per page: buddy fields, then the slab header fields (head page only). */
typedef struct ks_bpage {
    uint32_t next, prev;        /* buddy free list (page indexes, UINT32_MAX: none) */
    uint32_t head;              /* allocated block: index of its first page */
    uint8_t order;              /* block order (head pages) */
    uint8_t flags;              /* KS_BP_* */
    int16_t owner;              /* slab: owning CPU */
    void *free;                 /* slab: free objects (owner only) */
    _Atomic(void *) remote;     /* slab: CAS stack of frees from other CPUs */
    struct ks_bpage *link;      /* slab: next in the partial list */
    struct ks_bpage *pend;      /* slab: next on its owner's pending stack */
    struct ks_bpage *prev_slab; /* slab: previous in the partial list */
    uint16_t nfree, nobj;       /* slab: free objects (local list), capacity */
    uint16_t cls;               /* slab: size class */
    uint8_t listed, pad;        /* slab: on the partial list */
} ks_bpage_t;

enum { KS_BP_FREE = 1, KS_BP_ALLOC = 2, KS_BP_UNMAPPED = 4 };

typedef struct ks_buddy {
    ks_spinlock_t lock;
    uintptr_t base; /* region start, aligned to the largest block */
    size_t npages;
    ks_bpage_t *pages;                     /* descriptors, from a static pool */
    uint32_t head[KS_BUDDY_MAX_ORDER + 1]; /* free lists per order */
    size_t free_pages, free_mapped;        /* free pages; of those, mapped */
} ks_buddy_t;

/* Sets b up over a fresh region of bytes (a multiple of the largest block;
 * descriptors of all buddies share a static pool). Returns 0 or -1. */
int ks_buddy_init(ks_buddy_t *b, size_t bytes);

/* A mapped block of 2^order pages; NULL when none is free or frames ran out. */
void *ks_buddy_alloc(ks_buddy_t *b, unsigned order);

/* Frees the block starting at p. */
void ks_buddy_free(ks_buddy_t *b, void *p);

/* Descriptor of the block holding p (its head page), NULL outside the region. */
static inline ks_bpage_t *ks_buddy_block(ks_buddy_t *b, const void *p) {
    uintptr_t off = (uintptr_t)p - b->base;
    if (off >= b->npages << KS_PAGE_SHIFT)
        return NULL;
    return &b->pages[b->pages[off >> KS_PAGE_SHIFT].head];
}

/* Address of the page a descriptor stands for. */
static inline void *ks_buddy_addr(ks_buddy_t *b, ks_bpage_t *d) {
    return (void *)(b->base + ((uintptr_t)(d - b->pages) << KS_PAGE_SHIFT));
}

#endif /* KS_BUDDY_H */
