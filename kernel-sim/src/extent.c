/* Extent sets over a static node pool: the free-range bookkeeping shared by
 * the VA-range manager and the physical page allocator. First fit over an
 * address-sorted singly linked list; a free merges with the extent before
 * and after it, so the list never holds two touching extents. */
#include "ks_extent.h"

#include "ks_cpu.h"

static ks_extent_t ks_ext_pool[KS_EXTENT_POOL];
static ks_extent_t *ks_ext_free;        /* recycled nodes */
static size_t ks_ext_next, ks_ext_used; /* never-used pool index; nodes out */
static ks_spinlock_t ks_ext_lock = KS_SPINLOCK_INIT;

static ks_extent_t *ks_ext_node(void) {
    ks_extent_t *n = NULL;
    ks_spin_lock(&ks_ext_lock);
    if (ks_ext_free) {
        n = ks_ext_free;
        ks_ext_free = n->next;
    } else if (ks_ext_next < KS_EXTENT_POOL) {
        n = &ks_ext_pool[ks_ext_next++];
    }
    if (n)
        ks_ext_used++;
    ks_spin_unlock(&ks_ext_lock);
    return n;
}

static void ks_ext_drop(ks_extent_t *n) {
    ks_spin_lock(&ks_ext_lock);
    n->next = ks_ext_free;
    ks_ext_free = n;
    ks_ext_used--;
    ks_spin_unlock(&ks_ext_lock);
}

size_t ks_extent_pool_used(void) { return ks_ext_used; }

int ks_extent_insert(ks_extent_set_t *s, uintptr_t start, uintptr_t len) {
    ks_extent_t *prev = NULL, *cur = s->head;
    while (cur && cur->start < start) {
        prev = cur;
        cur = cur->next;
    }
    if ((prev && prev->start + prev->len > start) || (cur && start + len > cur->start))
        return -2;
    bool join_prev = prev && prev->start + prev->len == start;
    bool join_next = cur && start + len == cur->start;
    if (join_prev && join_next) {
        prev->len += len + cur->len;
        prev->next = cur->next;
        ks_ext_drop(cur);
        s->count--;
    } else if (join_prev) {
        prev->len += len;
    } else if (join_next) {
        cur->start = start;
        cur->len += len;
    } else {
        ks_extent_t *n = ks_ext_node();
        if (!n)
            return -1;
        *n = (ks_extent_t){start, len, cur};
        if (prev)
            prev->next = n;
        else
            s->head = n;
        s->count++;
    }
    s->free += len;
    return 0;
}

/* Removes [at, at+len) from extent e (prev precedes it); may split e. */
static int ks_ext_cut(ks_extent_set_t *s, ks_extent_t *prev, ks_extent_t *e, uintptr_t at,
                      uintptr_t len) {
    uintptr_t end = e->start + e->len;
    if (at > e->start && at + len < end) {
        ks_extent_t *tail = ks_ext_node();
        if (!tail)
            return -1;
        *tail = (ks_extent_t){at + len, end - at - len, e->next};
        e->len = at - e->start;
        e->next = tail;
        s->count++;
    } else if (at > e->start) {
        e->len = at - e->start;
    } else if (at + len < end) {
        e->start += len;
        e->len -= len;
    } else {
        if (prev)
            prev->next = e->next;
        else
            s->head = e->next;
        ks_ext_drop(e);
        s->count--;
    }
    s->free -= len;
    return 0;
}

int ks_extent_take(ks_extent_set_t *s, uintptr_t len, uintptr_t align, uintptr_t limit,
                   uintptr_t *out) {
    ks_extent_t *prev = NULL;
    for (ks_extent_t *e = s->head; e; prev = e, e = e->next) {
        uintptr_t at = (e->start + align - 1) & ~(align - 1);
        if (limit && at + len > limit)
            return -1;
        if (at + len <= e->start + e->len) {
            if (ks_ext_cut(s, prev, e, at, len) != 0)
                return -1;
            *out = at;
            return 0;
        }
    }
    return -1;
}

uintptr_t ks_extent_take_upto(ks_extent_set_t *s, uintptr_t len, uintptr_t min, uintptr_t limit,
                              uintptr_t *out) {
    ks_extent_t *prev = NULL;
    for (ks_extent_t *e = s->head; e; prev = e, e = e->next) {
        uintptr_t end = e->start + e->len;
        if (end <= min)
            continue;
        uintptr_t at = e->start > min ? e->start : min;
        if (limit && at >= limit)
            return 0;
        if (limit && end > limit)
            end = limit;
        uintptr_t n = end - at < len ? end - at : len;
        if (ks_ext_cut(s, prev, e, at, n) != 0)
            return 0;
        *out = at;
        return n;
    }
    return 0;
}
