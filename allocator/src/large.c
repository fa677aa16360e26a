/* Large objects (above MPA_MAX_SMALL): a power-of-two block of chunks straight
 * from the backend, aligned to its own size, so any alignment up to the block
 * size comes free. The usable size is the request rounded up to MPA_PAGE_SIZE;
 * pages beyond it are never touched by the object, but a reused block may
 * hold pages an earlier, larger tenant touched: a block's clean tail (mpa_blk)
 * tells how far it may be resident, and what lies past the new object's
 * chunks stays only within a slack budget, else is decommitted at once
 * (settle_extent). Blocks up to MPA_CORE_CACHE_MAX_BITS
 * go through the freeing core's chunk cache; the backend keeps a bounded,
 * decaying cache of the rest and decommits what is over.
 * Blocks larger than a region are "huge": mapped to the chunk-rounded size on
 * their own and unmapped when freed (the pagemap tag keeps the order, which
 * tells them apart). Where address space is limited (the backend's `trim`),
 * a large object keeps only the chunks it needs: the rest of its block goes
 * back at once, and the object returns as aligned power-of-two pieces.
 * A shrinking realloc gives the tail back at once. */

#define CHUNKS(bytes) (((bytes) + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS)
#include <errno.h>
#include <string.h>

#include "core.h"

/* Largest request served: half the address space the pagemap covers. */
#define MPA_LARGE_MAX ((size_t)1 << 46)

static _Atomic int64_t large_live;

/* Bytes resident (or possibly so) in live large objects' blocks beyond the
 * chunks the objects need: pages an earlier, larger tenant of the block
 * touched. Bounded by large_slack_ok; what would go over is decommitted. */
static _Atomic int64_t large_slack;

/* The resident extent of a large object's block, in chunks (at least the
 * chunks it needs): kept in its second chunk's entry, an interior entry
 * that uses only its base. An object of one chunk has no second entry and
 * never more than that chunk resident. */
static size_t extent_get(const char *p, size_t need) {
    return need > 1 ? (size_t)mpa_pm_entry(p + MPA_CHUNK_SIZE)->large.usable : need;
}

static void extent_set(char *p, size_t need, size_t extent) {
    if (need > 1)
        mpa_pm_entry(p + MPA_CHUNK_SIZE)->large.usable = extent;
}

/* True when `bytes` more slack fits the budget: 1/2^MPA_LARGE_SLACK_BITS
 * of the live large bytes, or 2^MPA_LARGE_SLACK_MIN_BITS; takes it then.
 * The first excess always fits: a program that reuses one block for
 * objects of varying sizes (wl-large-loop, 256 KiB .. 8 MiB, nothing else
 * live) would otherwise decommit and fault its pages in again at every
 * smaller object (4,300 -> 86,800 minor faults at -s 0.25). */
static bool slack_take(size_t bytes) {
    int64_t live = atomic_load_explicit(&large_live, memory_order_relaxed);
    int64_t budget = live >> MPA_LARGE_SLACK_BITS;
    budget = budget > (int64_t)MPA_SLACK_MIN ? budget : (int64_t)MPA_SLACK_MIN;
    int64_t held = atomic_load_explicit(&large_slack, memory_order_relaxed);
    if (held != 0 && held + (int64_t)bytes > budget)
        return false;
    atomic_fetch_add_explicit(&large_slack, (int64_t)bytes, memory_order_relaxed);
    return true;
}

static void slack_give(size_t bytes) {
    if (bytes != 0)
        atomic_fetch_sub_explicit(&large_slack, (int64_t)bytes, memory_order_relaxed);
}

/* A block whose pages up to `extent` chunks may be resident now holds an
 * object that needs `need` (< extent): the pages beyond stay when the slack
 * budget takes them (no system call, and the block may grow back into
 * them), else they are decommitted. Returns the block's extent. */
static size_t settle_extent(char *p, size_t need, size_t extent) {
    size_t excess = (extent - need) << MPA_CHUNK_BITS;
    if (need > 1 && slack_take(excess))
        return extent;
    mpa_pal_notify_not_using(p + (need << MPA_CHUNK_BITS), excess);
    return need;
}

static void label(mpa_backend_t *b, char *p, unsigned order, size_t usable) {
    mpa_pm_entry_t *head = mpa_pm_entry(p);
    size_t chunks = (usable + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS;
    MPA_ASSERT(1, chunks >= 1 && !mpa_pm_is_small(head) && (usable & (MPA_PAGE_SIZE - 1)) == 0);
    mpa_pm_label(p + MPA_CHUNK_SIZE, chunks - 1, mpa_pm_interior(p));
    head->large.usable = usable;
    head->large.base = p;
    head->large.backend = b;
    size_t mapped = mpa_backend_is_huge(b, order) ? mpa_backend_huge_size(b, usable) : 0;
    if ((mapped & (MPA_CHUNK_SIZE - 1)) != 0) /* mapped to the page (mpa_large_maps) */
        mpa_pm_entry(p + MPA_CHUNK_SIZE)->large.usable = mapped;
    mpa_pm_owner_store(head, mpa_pm_tag(MPA_PM_LARGE, order));
}

/* Pages for a request; hardened builds keep at least a byte of slack for
 * the canary (checked.c). */
static size_t usable_for(size_t size) {
    return mpa_align_up((size ? size : 1) + (MPA_CHECKED != 0), MPA_PAGE_SIZE);
}

/* A block of `order` for an object of `usable` bytes: mapped alone when
 * huge; where the limits count (trim), only the chunks it needs (the rest
 * of the block goes back at once, uncommitted); else from c's chunk cache.
 * Returns an mpa_blk word (address, zero bit, and for a chunk cache block
 * its clean tail), or 0 when there is none. `huge`: mpa_backend_is_huge. A huge block's address is
 * aligned to the chunk only: its word is the address with the zero bit. */
static uintptr_t take_block(mpa_core_t *c, unsigned order, size_t usable, size_t align, bool huge) {
    mpa_backend_t *b = c->backend;
    if (huge) {
        char *p = mpa_backend_huge_alloc(b, mpa_backend_huge_size(b, usable), align);
        return p ? (uintptr_t)p | 1 : 0; /* fresh mappings read as zero */
    }
    if (b->trim) {
        bool zeroed = false;
        char *p = mpa_backend_alloc_trimmed(b, order, CHUNKS(usable), &zeroed);
        return p ? (uintptr_t)p | zeroed : 0;
    }
    return mpa_chunkcache_alloc_blk(&c->cache, order);
}

void *mpa_large_alloc(mpa_core_t *c, size_t size, size_t align, bool zero) {
    if (size > MPA_LARGE_MAX || align > MPA_LARGE_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    size_t usable = usable_for(size);
    size_t span = usable > align ? usable : align;
    unsigned order = mpa_ceil_log2(CHUNKS(span));
    mpa_backend_t *b = c->backend;
    bool huge = mpa_backend_is_huge(b, order);
    uintptr_t v = take_block(c, order, usable, align, huge);
    if (MPA_CHECKED && v == 0 && mpa_quarantine_flush()) /* freed memory held back */
        v = take_block(c, order, usable, align, huge);
    if (v == 0 && b->trim &&
        mpa_chunkcache_drain_clean(&c->cache) > 0) /* its blocks may free a region */
        v = take_block(c, order, usable, align, huge);
    if (v == 0) {
        errno = ENOMEM;
        return NULL;
    }
    char *p = huge || b->trim ? (char *)(v & ~(uintptr_t)1) : mpa_blk_addr(v, order);
    bool zeroed = mpa_blk_zero(v);
    size_t need = CHUNKS(usable), extent = need;
    if (!huge && !b->trim) {
        extent = ((size_t)1 << order) - mpa_blk_tail(v, order);
        extent = extent > need ? settle_extent(p, need, extent) : need;
    }
    label(b, p, order, usable);
    if (!huge && !b->trim)
        extent_set(p, need, extent);
    if (zero && !zeroed)
        memset(p, 0, size); /* (hardened builds: the copy checks stop at the request) */
    if (MPA_CHECKED)
        mpa_check_large_alloc(p, size);
    atomic_fetch_add_explicit(&large_live, (int64_t)usable, memory_order_relaxed);
    return p;
}

void mpa_large_hold_slack(void *p, const mpa_pm_entry_t *e, bool held) {
    unsigned order = mpa_pm_order(e);
    mpa_backend_t *b = e->large.backend;
    if (mpa_backend_is_huge(b, order) || b->trim)
        return; /* (no extent kept) */
    size_t need = CHUNKS(mpa_large_usable(e));
    size_t slack = (extent_get(p, need) - need) << MPA_CHUNK_BITS;
    if (held)
        slack_give(slack);
    else if (slack != 0) /* taken back whatever the budget: free_block gives it */
        atomic_fetch_add_explicit(&large_slack, (int64_t)slack, memory_order_relaxed);
}

/* Gives the block of a freed large object that needed `need` chunks back:
 * to l's chunk cache when l runs on b, else to b; its clean tail says how
 * much of it was never touched, for the next tenant. */
static void free_block(mpa_local_t *l, mpa_backend_t *b, char *p, unsigned order, size_t need) {
    size_t extent = extent_get(p, need);
    slack_give((extent - need) << MPA_CHUNK_BITS);
    uintptr_t v = mpa_blk(p, false, ((size_t)1 << order) - extent);
    if (l->state == MPA_THREAD_ACTIVE && l->core->backend == b)
        mpa_chunkcache_free_blk(&l->core->cache, v, order);
    else
        mpa_backend_free_batch(b, &v, 1, order);
}

void mpa_large_free(mpa_local_t *l, void *p, mpa_pm_entry_t *e) {
    MPA_ASSERT(1, mpa_large_is_live(p, e)); /* the label says: a live large object's head */
    unsigned order = mpa_pm_order(e);
    size_t usable = mpa_large_usable(e);
    mpa_backend_t *b = e->large.backend;
    e->large.usable = 0; /* a second free of p now reads as not allocated */
    atomic_fetch_sub_explicit(&large_live, (int64_t)usable, memory_order_relaxed);
    if (mpa_backend_is_huge(b, order))
        mpa_backend_huge_free(b, p, mpa_backend_huge_size(b, usable));
    else if (b->trim)
        mpa_backend_free_chunks_in(b, p, 0, CHUNKS(usable), false);
    else
        free_block(l, b, p, order, CHUNKS(usable));
    mpa_purger_wake(); /* cached now: give it back if it is not reused */
}

/* A huge block keeps its mapping rounded as mpa_backend_huge_size says
 * (chunks, or pages under a limit): grows within it, else grows the mapping
 * (in place, or moved without copying: the backend), and gives the pages
 * past the new size's mapping back when shrinking. Returns the block's address, or
 * NULL when it cannot grow so (the caller copies). */
static char *resize_huge(mpa_backend_t *b, char *p, size_t old, size_t usable) {
    size_t have = mpa_backend_huge_size(b, old), keep = mpa_backend_huge_size(b, usable);
    if (keep > have) { /* (the mapping must be what the size says: free unmaps that) */
        char *q = mpa_backend_huge_grow(b, p, have, keep);
        if (MPA_CHECKED && q == NULL && mpa_quarantine_flush()) /* freed memory held back */
            q = mpa_backend_huge_grow(b, p, have, keep);
        return q;
    }
    if (keep < have)
        mpa_backend_huge_shrink(b, p, have, keep);
    if (usable < old && usable < keep)
        mpa_pal_notify_not_using(p + usable, (old < keep ? old : keep) - usable);
    return p;
}

/* Grows p in its block while it fits (a huge block: its mapping grows or
 * moves, see resize_huge); when it shrinks, the block shrinks to the
 * smallest order holding it and the pages given up are decommitted at once
 * (a shrunk 64 MiB block must not stay resident). Returns the object's
 * address (p, or where a huge block moved), or NULL when the caller must
 * move it (p unchanged). */
void *mpa_large_resize(void *p, mpa_pm_entry_t *e, size_t size) {
    mpa_backend_t *b = e->large.backend;
    unsigned order = mpa_pm_order(e);
    size_t old = mpa_large_usable(e);
    size_t usable = usable_for(size);
    if (size <= MPA_MAX_SMALL)
        return NULL;
    if (mpa_backend_is_huge(b, order)) {
        if ((p = resize_huge(b, p, old, usable)) == NULL)
            return NULL;
        unsigned need = mpa_ceil_log2(CHUNKS(usable));
        order = need > order ? need : order; /* stays huge: larger than before */
    } else if (b->trim) {
        size_t have = CHUNKS(old), want = CHUNKS(usable);
        if (want > have)
            return NULL;
        mpa_backend_free_chunks_in(b, p, want, have, true);
        size_t end = want << MPA_CHUNK_BITS;
        end = old < end ? old : end;
        if (usable < end)
            mpa_pal_notify_not_using((char *)p + usable, end - usable);
    } else {
        if (usable > (MPA_CHUNK_SIZE << order))
            return NULL;
        size_t had = extent_get(p, CHUNKS(old)), extent = had;
        unsigned keep = mpa_ceil_log2(CHUNKS(usable));
        if (keep < order) {
            mpa_backend_free_chunks_in(b, p, (size_t)1 << keep, (size_t)1 << order, true);
            order = keep;
        }
        size_t end = MPA_CHUNK_SIZE << order, touched = had << MPA_CHUNK_BITS;
        touched = touched > old ? touched : old;
        end = touched < end ? touched : end;
        extent = extent < ((size_t)1 << order) ? extent : (size_t)1 << order;
        if (usable < old && usable < end) { /* shrunk: nothing stays resident past it */
            mpa_pal_notify_not_using((char *)p + usable, end - usable);
            extent = 0;
        }
        extent = extent > CHUNKS(usable) ? extent : CHUNKS(usable);
        slack_give((had - CHUNKS(old)) << MPA_CHUNK_BITS);
        atomic_fetch_add_explicit(&large_slack,
                                  (int64_t)((extent - CHUNKS(usable)) << MPA_CHUNK_BITS),
                                  memory_order_relaxed);
        label(b, p, order, usable);
        extent_set(p, CHUNKS(usable), extent);
    }
    if (mpa_backend_is_huge(b, order) || b->trim)
        label(b, p, order, usable);
    if (MPA_CHECKED)
        mpa_check_large_alloc(p, size);
    atomic_fetch_add_explicit(&large_live, (int64_t)usable - (int64_t)old, memory_order_relaxed);
    return p;
}

int64_t mpa_large_live_bytes(void) {
    return atomic_load_explicit(&large_live, memory_order_relaxed);
}
