/* Large objects (above MPA_MAX_SMALL): a power-of-two block of chunks straight
 * from the backend, aligned to its own size, so any alignment up to the block
 * size comes free. The usable size is the request rounded up to MPA_PAGE_SIZE;
 * pages beyond it are never touched. Blocks up to MPA_CORE_CACHE_MAX_BITS
 * go through the freeing core's chunk cache; the backend keeps a bounded,
 * decaying cache of the rest and decommits what is over. */
#include <errno.h>
#include <string.h>

#include "core.h"

/* Largest request served: half the address space the pagemap covers. */
#define MPA_LARGE_MAX ((size_t)1 << 46)

static _Atomic int64_t large_live;

static void label(mpa_backend_t *b, char *p, unsigned order, size_t usable) {
    mpa_pm_entry_t *head = mpa_pm_entry(p);
    size_t chunks = (usable + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS;
    mpa_pm_label(p + MPA_CHUNK_SIZE, chunks - 1, mpa_pm_tag(MPA_PM_LARGE_INTERIOR, 0), p, 0);
    head->aux = (void *)usable;
    head->meta = p;
    head->cls = (uintptr_t)b; /* the backend it goes back to */
    mpa_pm_owner_store(head, mpa_pm_tag(MPA_PM_LARGE, order));
}

/* Pages for a request; hardened builds keep at least a byte of slack for
 * the canary (checked.c). */
static size_t usable_for(size_t size) {
    return mpa_align_up((size ? size : 1) + (MPA_CHECKED != 0), MPA_PAGE_SIZE);
}

void *mpa_large_alloc(mpa_core_t *c, size_t size, size_t align, bool zero) {
    if (size > MPA_LARGE_MAX || align > MPA_LARGE_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    size_t usable = usable_for(size);
    size_t need = usable > align ? usable : align;
    unsigned order = mpa_ceil_log2((need + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS);
    bool zeroed;
    char *p = mpa_cc_alloc(&c->cache, order, &zeroed);
    if (MPA_CHECKED && p == NULL && mpa_quarantine_flush()) /* freed memory held back */
        p = mpa_cc_alloc(&c->cache, order, &zeroed);
    if (p == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    label(c->backend, p, order, usable);
    if (zero && !zeroed)
        memset(p, 0, usable);
    if (MPA_CHECKED)
        mpa_check_large_alloc(p, size);
    atomic_fetch_add_explicit(&large_live, (int64_t)usable, memory_order_relaxed);
    return p;
}

/* Hardened builds keep the slack of the request in the low bits. */
size_t mpa_large_usable(const mpa_pm_entry_t *e) {
    return (size_t)e->aux & ~(MPA_PAGE_SIZE - 1);
}

void mpa_large_free(mpa_local_t *l, void *p, mpa_pm_entry_t *e) {
    unsigned order = mpa_pm_order(e);
    size_t usable = mpa_large_usable(e);
    mpa_backend_t *b = (mpa_backend_t *)e->cls;
    e->aux = NULL; /* a second free of p now reads as not allocated */
    atomic_fetch_sub_explicit(&large_live, (int64_t)usable, memory_order_relaxed);
    if (l->state == MPA_THREAD_ACTIVE && l->core->backend == b)
        mpa_cc_free(&l->core->cache, p, order);
    else
        mpa_backend_free_in(b, p, order);
}

/* Grows or shrinks p in its block when the new size still fits and uses at
 * least a quarter of it; pages given up by a shrink are decommitted. */
bool mpa_large_resize(void *p, mpa_pm_entry_t *e, size_t size) {
    size_t block = MPA_CHUNK_SIZE << mpa_pm_order(e);
    size_t old = mpa_large_usable(e);
    size_t usable = usable_for(size);
    if (size <= MPA_MAX_SMALL || usable > block || usable < block / 4)
        return false;
    if (usable < old)
        mpa_pal_notify_not_using((char *)p + usable, old - usable);
    label((mpa_backend_t *)e->cls, p, mpa_pm_order(e), usable);
    if (MPA_CHECKED)
        mpa_check_large_alloc(p, size);
    atomic_fetch_add_explicit(&large_live, (int64_t)usable - (int64_t)old, memory_order_relaxed);
    return true;
}

int64_t mpa_large_live_bytes(void) {
    return atomic_load_explicit(&large_live, memory_order_relaxed);
}
