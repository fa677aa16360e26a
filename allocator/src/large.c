/* Large objects (above MPA_MAX_SMALL): a power-of-two block of chunks straight
 * from the backend, aligned to its own size, so any alignment up to the block
 * size comes free. The usable size is the request rounded up to MPA_PAGE_SIZE;
 * pages beyond it are never touched. Blocks up to MPA_CORE_CACHE_MAX_BITS
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

static void label(mpa_backend_t *b, char *p, unsigned order, size_t usable) {
    mpa_pm_entry_t *head = mpa_pm_entry(p);
    size_t chunks = (usable + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS;
    mpa_pm_label(p + MPA_CHUNK_SIZE, chunks - 1, mpa_pm_interior(p));
    head->large.usable = usable;
    head->large.base = p;
    head->large.backend = b;
    mpa_pm_owner_store(head, mpa_pm_tag(MPA_PM_LARGE, order));
}

/* Pages for a request; hardened builds keep at least a byte of slack for
 * the canary (checked.c). */
static size_t usable_for(size_t size) {
    return mpa_align_up((size ? size : 1) + (MPA_CHECKED != 0), MPA_PAGE_SIZE);
}

/* A block of `order` for an object of `usable` bytes: mapped alone when
 * huge; where the limits count (trim), only the chunks it needs (the rest
 * of the block goes back at once, uncommitted); else from c's chunk cache. */
static char *take_block(mpa_core_t *c, unsigned order, size_t usable, size_t align, bool *zeroed) {
    mpa_backend_t *b = c->backend;
    if (mpa_backend_is_huge(b, order))
        return mpa_backend_huge_alloc(b, mpa_align_up(usable, MPA_CHUNK_SIZE), align);
    if (b->trim)
        return mpa_backend_alloc_trimmed(b, order, CHUNKS(usable), zeroed);
    return mpa_cc_alloc(&c->cache, order, zeroed);
}

void *mpa_large_alloc(mpa_core_t *c, size_t size, size_t align, bool zero) {
    if (size > MPA_LARGE_MAX || align > MPA_LARGE_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    size_t usable = usable_for(size);
    size_t need = usable > align ? usable : align;
    unsigned order = mpa_ceil_log2((need + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS);
    mpa_backend_t *b = c->backend;
    bool zeroed = true;
    char *p = take_block(c, order, usable, align, &zeroed);
    if (MPA_CHECKED && p == NULL && mpa_quarantine_flush()) /* freed memory held back */
        p = take_block(c, order, usable, align, &zeroed);
    if (p == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    label(b, p, order, usable);
    if (zero && !zeroed)
        memset(p, 0, size); /* (hardened builds: the copy checks stop at the request) */
    if (MPA_CHECKED)
        mpa_check_large_alloc(p, size);
    atomic_fetch_add_explicit(&large_live, (int64_t)usable, memory_order_relaxed);
    return p;
}

/* Hardened builds keep the slack of the request in the low bits. */
size_t mpa_large_usable(const mpa_pm_entry_t *e) {
    return (size_t)e->large.usable & ~(MPA_PAGE_SIZE - 1);
}

void mpa_large_free(mpa_local_t *l, void *p, mpa_pm_entry_t *e) {
    unsigned order = mpa_pm_order(e);
    size_t usable = mpa_large_usable(e);
    mpa_backend_t *b = e->large.backend;
    e->large.usable = 0; /* a second free of p now reads as not allocated */
    atomic_fetch_sub_explicit(&large_live, (int64_t)usable, memory_order_relaxed);
    if (mpa_backend_is_huge(b, order))
        mpa_backend_huge_free(b, p, mpa_align_up(usable, MPA_CHUNK_SIZE));
    else if (b->trim)
        mpa_backend_free_chunks_in(b, p, 0, CHUNKS(usable), false);
    else if (l->state == MPA_THREAD_ACTIVE && l->core->backend == b)
        mpa_cc_free(&l->core->cache, p, order);
    else
        mpa_backend_free_in(b, p, order);
    mpa_purger_start(); /* cached now: give it back if it is not reused */
}

/* A huge block keeps its mapping rounded to chunks: grows within it, else
 * grows the mapping (in place, or moved without copying: the backend), and
 * gives whole chunks back when shrinking. Returns the block's address, or
 * NULL when it cannot grow so (the caller copies). */
static char *resize_huge(mpa_backend_t *b, char *p, size_t old, size_t usable) {
    size_t have = mpa_align_up(old, MPA_CHUNK_SIZE), keep = mpa_align_up(usable, MPA_CHUNK_SIZE);
    if (usable > have) {
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
        unsigned keep = mpa_ceil_log2(CHUNKS(usable));
        if (keep < order) {
            mpa_backend_free_chunks_in(b, p, (size_t)1 << keep, (size_t)1 << order, true);
            order = keep;
        }
        size_t end = MPA_CHUNK_SIZE << order;
        end = old < end ? old : end;
        if (usable < end)
            mpa_pal_notify_not_using((char *)p + usable, end - usable);
    }
    label(b, p, order, usable);
    if (MPA_CHECKED)
        mpa_check_large_alloc(p, size);
    atomic_fetch_add_explicit(&large_live, (int64_t)usable - (int64_t)old, memory_order_relaxed);
    return p;
}

int64_t mpa_large_live_bytes(void) {
    return atomic_load_explicit(&large_live, memory_order_relaxed);
}
