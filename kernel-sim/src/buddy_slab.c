/* Baseline 1: buddy page allocator + per-CPU slab caches with lock-free
 * remote free (the buddy-slab-allocator crate's design). Power-of-two classes
 * 8 B..8 KiB; each slab is a buddy block whose page descriptor is its header
 * (owner CPU, local free list, CAS stack of remote frees). A CPU frees its
 * own objects with plain stores; other CPUs push onto the slab's CAS stack and
 * put the slab on the owner's pending stack, which the owner drains on a miss. */
#include <stdatomic.h>

#include "ks_alloc.h"
#include "ks_buddy.h"
#include "ks_vm.h"

#define KS_BS_MIN_SHIFT 3
#define KS_BS_MAX_SHIFT 13
#define KS_BS_NCLS      (KS_BS_MAX_SHIFT - KS_BS_MIN_SHIFT + 1)
#define KS_BS_LARGE     0xffff /* cls of a block handed out whole */
#define KS_BS_REGION    ((size_t)2 << 30)

typedef struct ks_bs_cache {
    ks_bpage_t *cur;               /* slab being allocated from */
    ks_bpage_t *partial;           /* other owned slabs with local free objects */
    ks_bpage_t *empty;             /* one empty slab kept for reuse */
    _Atomic(ks_bpage_t *) pending; /* slabs with remote frees (pushed by others) */
} ks_bs_cache_t;

static ks_buddy_t ks_bs_buddy;
static struct { _Alignas(64) ks_bs_cache_t cache[KS_BS_NCLS]; } ks_bs_cpu[KS_MAX_CPUS];

static inline unsigned ks_bs_class(size_t size) {
    return size <= 8 ? 0 : (unsigned)(64 - __builtin_clzll(size - 1)) - KS_BS_MIN_SHIFT;
}

/* Slab order of a class: at least one page and 8 objects. */
static unsigned ks_bs_slab_order(unsigned cls) {
    unsigned shift = cls + KS_BS_MIN_SHIFT + 3;
    return shift > KS_PAGE_SHIFT ? shift - KS_PAGE_SHIFT : 0;
}

static void ks_bs_partial_add(ks_bs_cache_t *c, ks_bpage_t *s) {
    s->listed = 1;
    s->prev_slab = NULL;
    s->link = c->partial;
    if (c->partial)
        c->partial->prev_slab = s;
    c->partial = s;
}

static void ks_bs_partial_del(ks_bs_cache_t *c, ks_bpage_t *s) {
    s->listed = 0;
    if (s->prev_slab)
        s->prev_slab->link = s->link;
    else
        c->partial = s->link;
    if (s->link)
        s->link->prev_slab = s->prev_slab;
}

/* Builds a fresh slab of class cls owned by cpu; NULL when pages ran out. */
static ks_bpage_t *ks_bs_new_slab(unsigned cls, int cpu) {
    unsigned order = ks_bs_slab_order(cls);
    char *mem = ks_buddy_alloc(&ks_bs_buddy, order);
    if (!mem)
        return NULL;
    ks_bpage_t *s = ks_buddy_block(&ks_bs_buddy, mem);
    size_t size = (size_t)1 << (cls + KS_BS_MIN_SHIFT), n = (KS_PAGE_SIZE << order) / size;
    for (size_t i = 0; i < n; i++)
        *(void **)(mem + i * size) = i + 1 < n ? mem + (i + 1) * size : NULL;
    s->free = mem;
    atomic_store_explicit(&s->remote, NULL, memory_order_relaxed);
    s->nfree = s->nobj = (uint16_t)n;
    s->cls = (uint16_t)cls;
    s->owner = (int16_t)cpu;
    s->listed = 0;
    return s;
}

/* Moves remote frees of every pending slab into its local list. */
static void ks_bs_drain(ks_bs_cache_t *c) {
    ks_bpage_t *s = atomic_exchange_explicit(&c->pending, NULL, memory_order_acquire);
    while (s) {
        ks_bpage_t *next = s->pend;
        void *r = atomic_exchange_explicit(&s->remote, NULL, memory_order_acquire);
        while (r) {
            void *rn = *(void **)r;
            *(void **)r = s->free;
            s->free = r;
            s->nfree++;
            r = rn;
        }
        if (s != c->cur && !s->listed)
            ks_bs_partial_add(c, s);
        s = next;
    }
}

static __attribute__((noinline)) void *ks_bs_alloc_slow(ks_bs_cache_t *c, unsigned cls) {
    ks_bs_drain(c);
    if (!c->cur || !c->cur->free) {
        ks_bpage_t *s = c->partial;
        if (s)
            ks_bs_partial_del(c, s);
        else if ((s = c->empty))
            c->empty = NULL;
        else if (!(s = ks_bs_new_slab(cls, ks_cpu_id())))
            return NULL;
        c->cur = s;
    }
    ks_bpage_t *s = c->cur;
    void *p = s->free;
    s->free = *(void **)p;
    s->nfree--;
    return p;
}

static void *ks_bs_large(size_t size, size_t align) {
    size_t pages = (size + KS_PAGE_SIZE - 1) >> KS_PAGE_SHIFT;
    unsigned order = pages <= 1 ? 0 : (unsigned)(64 - __builtin_clzll(pages - 1));
    while ((KS_PAGE_SIZE << order) < align && order <= KS_BUDDY_MAX_ORDER)
        order++; /* blocks are aligned to their size */
    if (order > KS_BUDDY_MAX_ORDER || align > (KS_PAGE_SIZE << KS_BUDDY_MAX_ORDER))
        return ks_vbig_alloc(size, align);
    void *p = ks_buddy_alloc(&ks_bs_buddy, order);
    if (p)
        ks_buddy_block(&ks_bs_buddy, p)->cls = KS_BS_LARGE;
    return p;
}

static void *ks_bs_malloc(size_t size) {
    if (__builtin_expect(size > ((size_t)1 << KS_BS_MAX_SHIFT), 0))
        return ks_bs_large(size, KS_PAGE_SIZE);
    unsigned cls = ks_bs_class(size);
    ks_bs_cache_t *c = &ks_bs_cpu[ks_cpu_id()].cache[cls];
    ks_bpage_t *s = c->cur;
    if (__builtin_expect(s && s->free, 1)) {
        void *p = s->free;
        s->free = *(void **)p;
        s->nfree--;
        return p;
    }
    return ks_bs_alloc_slow(c, cls);
}

/* A free by the owner: plain stores; an emptied slab is kept or returned. */
static void ks_bs_free_local(ks_bpage_t *s, void *p) {
    *(void **)p = s->free;
    s->free = p;
    s->nfree++;
    ks_bs_cache_t *c = &ks_bs_cpu[s->owner].cache[s->cls];
    if (s == c->cur)
        return;
    if (!s->listed)
        ks_bs_partial_add(c, s);
    if (s->nfree == s->nobj) {
        ks_bs_partial_del(c, s);
        if (!c->empty)
            c->empty = s;
        else
            ks_buddy_free(&ks_bs_buddy, ks_buddy_addr(&ks_bs_buddy, s));
    }
}

/* A free by another CPU: CAS push; the first one makes the slab pending. */
static void ks_bs_free_remote(ks_bpage_t *s, void *p) {
    void *old = atomic_load_explicit(&s->remote, memory_order_relaxed);
    do
        *(void **)p = old;
    while (!atomic_compare_exchange_weak_explicit(&s->remote, &old, p, memory_order_release,
                                                  memory_order_relaxed));
    if (old)
        return;
    _Atomic(ks_bpage_t *) *pend = &ks_bs_cpu[s->owner].cache[s->cls].pending;
    ks_bpage_t *head = atomic_load_explicit(pend, memory_order_relaxed);
    do
        s->pend = head;
    while (!atomic_compare_exchange_weak_explicit(pend, &head, s, memory_order_release,
                                                  memory_order_relaxed));
}

static void ks_bs_free(void *p) {
    ks_bpage_t *s = ks_buddy_block(&ks_bs_buddy, p);
    if (__builtin_expect(!s, 0))
        ks_vbig_free(p);
    else if (__builtin_expect(s->cls == KS_BS_LARGE, 0))
        ks_buddy_free(&ks_bs_buddy, p);
    else if (__builtin_expect(s->owner == ks_cpu_id(), 1))
        ks_bs_free_local(s, p);
    else
        ks_bs_free_remote(s, p);
}

static size_t ks_bs_usable(const void *p) {
    ks_bpage_t *s = ks_buddy_block(&ks_bs_buddy, p);
    if (!s)
        return ks_vbig_size(p);
    if (s->cls == KS_BS_LARGE)
        return KS_PAGE_SIZE << s->order;
    return (size_t)1 << (s->cls + KS_BS_MIN_SHIFT);
}

/* Classes are powers of two placed at multiples of their size: aligned. */
static void *ks_bs_memalign(size_t align, size_t size) {
    size_t need = size > align ? size : align;
    if (need > ((size_t)1 << KS_BS_MAX_SHIFT))
        return ks_bs_large(need, align);
    return ks_bs_malloc(need);
}

static int ks_bs_init(void) { return ks_buddy_init(&ks_bs_buddy, KS_BS_REGION); }

const ks_alloc_ops_t ks_buddy_slab_ops = {
    .name = "buddy-slab",
    .init = ks_bs_init,
    .malloc = ks_bs_malloc,
    .free = ks_bs_free,
    .memalign = ks_bs_memalign,
    .usable_size = ks_bs_usable,
    .realloc = NULL,
};
