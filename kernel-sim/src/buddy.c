/* The buddy page allocator: free lists per order threaded through the page
 * descriptors, split on allocation, coalesced with the buddy on free, all
 * under one spinlock (the crate's design; Linux puts per-CPU page lists in
 * front). Mapping happens outside the lock; unmapping too: blocks to unmap
 * are taken off the free lists first, so no other CPU can hand them out. */
#include "ks_buddy.h"

#include "ks_vm.h"

#define KS_NONE             UINT32_MAX
#define KS_BUDDY_POOL_PAGES ((size_t)3 << 18) /* descriptors for 3 GiB of regions */

static ks_bpage_t ks_bpool[KS_BUDDY_POOL_PAGES];
static size_t ks_bpool_used;
static ks_spinlock_t ks_bpool_lock = KS_SPINLOCK_INIT;

static void ks_bl_push(ks_buddy_t *b, uint32_t i, unsigned order, uint8_t unmapped) {
    ks_bpage_t *d = &b->pages[i];
    d->order = (uint8_t)order;
    d->flags = KS_BP_FREE | unmapped;
    d->prev = KS_NONE;
    d->next = b->head[order];
    if (d->next != KS_NONE)
        b->pages[d->next].prev = i;
    b->head[order] = i;
    b->free_pages += (size_t)1 << order;
    if (!unmapped)
        b->free_mapped += (size_t)1 << order;
}

static void ks_bl_unlink(ks_buddy_t *b, uint32_t i) {
    ks_bpage_t *d = &b->pages[i];
    if (d->prev != KS_NONE)
        b->pages[d->prev].next = d->next;
    else
        b->head[d->order] = d->next;
    if (d->next != KS_NONE)
        b->pages[d->next].prev = d->prev;
    d->flags &= (uint8_t)~KS_BP_FREE;
    b->free_pages -= (size_t)1 << d->order;
    if (!(d->flags & KS_BP_UNMAPPED))
        b->free_mapped -= (size_t)1 << d->order;
}

int ks_buddy_init(ks_buddy_t *b, size_t bytes) {
    size_t max_block = KS_PAGE_SIZE << KS_BUDDY_MAX_ORDER, n = bytes >> KS_PAGE_SHIFT;
    if (bytes == 0 || bytes % max_block)
        return -1;
    ks_spin_lock(&ks_bpool_lock);
    bool ok = ks_bpool_used + n <= KS_BUDDY_POOL_PAGES;
    b->pages = ok ? &ks_bpool[ks_bpool_used] : NULL;
    ks_bpool_used += ok ? n : 0;
    ks_spin_unlock(&ks_bpool_lock);
    void *region = ok ? ks_vm_reserve(bytes, max_block) : NULL;
    if (!region)
        return -1;
    b->base = (uintptr_t)region;
    b->npages = n;
    for (unsigned o = 0; o <= KS_BUDDY_MAX_ORDER; o++)
        b->head[o] = KS_NONE;
    for (size_t i = 0; i < n; i += (size_t)1 << KS_BUDDY_MAX_ORDER)
        ks_bl_push(b, (uint32_t)i, KS_BUDDY_MAX_ORDER, KS_BP_UNMAPPED);
    return 0;
}

/* Takes a free block of exactly `order` (splitting a bigger one), under the
 * lock. Returns its page index or KS_NONE. */
static uint32_t ks_buddy_take(ks_buddy_t *b, unsigned order) {
    unsigned o = order;
    while (o <= KS_BUDDY_MAX_ORDER && b->head[o] == KS_NONE)
        o++;
    if (o > KS_BUDDY_MAX_ORDER)
        return KS_NONE;
    uint32_t i = b->head[o];
    uint8_t unmapped = b->pages[i].flags & KS_BP_UNMAPPED;
    ks_bl_unlink(b, i);
    while (o > order) {
        o--;
        ks_bl_push(b, i + ((uint32_t)1 << o), o, unmapped);
    }
    b->pages[i].order = (uint8_t)order;
    return i;
}

void *ks_buddy_alloc(ks_buddy_t *b, unsigned order) {
    if (order > KS_BUDDY_MAX_ORDER)
        return NULL;
    ks_spin_lock(&b->lock);
    uint32_t i = ks_buddy_take(b, order);
    ks_spin_unlock(&b->lock);
    if (i == KS_NONE)
        return NULL;
    void *p = ks_buddy_addr(b, &b->pages[i]);
    size_t n = (size_t)1 << order;
    if (ks_vm_map(p, n << KS_PAGE_SHIFT, KS_GFP_NORMAL) != 0) {
        b->pages[i].flags = KS_BP_ALLOC; /* may hold mapped pages: unmap later */
        b->pages[i].head = i;
        ks_buddy_free(b, p);
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        b->pages[i + k].head = i;
    b->pages[i].flags = KS_BP_ALLOC;
    return p;
}

/* Merges block i of `order` with free buddies and lists the result; returns
 * its index when it should be unmapped now (KS_NONE otherwise). */
static uint32_t ks_buddy_merge(ks_buddy_t *b, uint32_t i, unsigned order, uint8_t unmapped) {
    while (order < KS_BUDDY_MAX_ORDER) {
        uint32_t buddy = i ^ ((uint32_t)1 << order);
        ks_bpage_t *d = &b->pages[buddy];
        if (!(d->flags & KS_BP_FREE) || d->order != order)
            break;
        unmapped &= d->flags & KS_BP_UNMAPPED;
        ks_bl_unlink(b, buddy);
        i = i < buddy ? i : buddy;
        order++;
    }
    if (!unmapped && order >= KS_BUDDY_UNMAP_ORDER && b->free_mapped > KS_BUDDY_KEEP_PAGES) {
        b->pages[i].order = (uint8_t)order;
        return i; /* caller unmaps it outside the lock, then frees it again */
    }
    ks_bl_push(b, i, order, unmapped);
    return KS_NONE;
}

void ks_buddy_free(ks_buddy_t *b, void *p) {
    uint32_t i = (uint32_t)(((uintptr_t)p - b->base) >> KS_PAGE_SHIFT);
    ks_bpage_t *d = &b->pages[i];
    if (!(d->flags & KS_BP_ALLOC) || d->head != i)
        ks_panic("buddy: freeing a block that is not allocated");
    uint8_t unmapped = d->flags & KS_BP_UNMAPPED;
    ks_spin_lock(&b->lock);
    uint32_t cut = ks_buddy_merge(b, i, d->order, unmapped);
    ks_spin_unlock(&b->lock);
    if (cut == KS_NONE)
        return;
    unsigned order = b->pages[cut].order;
    ks_vm_unmap(ks_buddy_addr(b, &b->pages[cut]), KS_PAGE_SIZE << order);
    ks_spin_lock(&b->lock);
    ks_buddy_merge(b, cut, order, KS_BP_UNMAPPED);
    ks_spin_unlock(&b->lock);
}
