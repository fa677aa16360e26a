/* Baseline 2: Bonwick's magazine/depot object cache over slabs (Solaris,
 * Haiku). Each CPU holds a loaded and a previous magazine per cache (stacks
 * of KS_MAG_ROUNDS objects); a miss on both goes to the cache's depot of full
 * and empty magazines under a spinlock, and a depot miss to the slab layer
 * under another. Objects migrate between CPUs through the depot: a free is
 * always "local" to the freeing CPU's magazine. */
#include "ks_alloc.h"
#include "ks_buddy.h"
#include "ks_vm.h"

#define KS_MAG_ROUNDS   15    /* objects per magazine (header + 15 = 128 B) */
#define KS_MAG_POOL     65536 /* magazines in the static pool */
#define KS_MG_MIN_SHIFT 3
#define KS_MG_MAX_SHIFT 13
#define KS_MG_NCLS      (KS_MG_MAX_SHIFT - KS_MG_MIN_SHIFT + 1)
#define KS_MG_LARGE     0xffff
#define KS_MG_REGION    ((size_t)1 << 30)

typedef struct ks_mag {
    struct ks_mag *next; /* in a depot list or the pool */
    int rounds;          /* objects held */
    void *obj[KS_MAG_ROUNDS];
} ks_mag_t;

typedef struct ks_mg_cache {
    ks_spinlock_t depot_lock;
    ks_mag_t *full, *empty; /* the depot */
    ks_spinlock_t slab_lock;
    ks_bpage_t *partial; /* slabs with free objects */
    ks_bpage_t *spare;   /* one empty slab kept */
} ks_mg_cache_t;

typedef struct ks_mg_cpu {
    ks_mag_t *loaded, *previous;
} ks_mg_cpu_t;

static ks_buddy_t ks_mg_buddy;
static ks_mg_cache_t ks_mg_caches[KS_MG_NCLS];
static struct { _Alignas(64) ks_mg_cpu_t c[KS_MG_NCLS]; } ks_mg_cpus[KS_MAX_CPUS];
static ks_mag_t ks_mag_pool[KS_MAG_POOL];
static ks_mag_t *ks_mag_free;
static size_t ks_mag_next;
static ks_spinlock_t ks_mag_lock = KS_SPINLOCK_INIT;

static inline unsigned ks_mg_class(size_t size) {
    return size <= 8 ? 0 : (unsigned)(64 - __builtin_clzll(size - 1)) - KS_MG_MIN_SHIFT;
}

/* An empty magazine from the static pool (NULL when it is used up). */
static ks_mag_t *ks_mag_new(void) {
    ks_mag_t *m = NULL;
    ks_spin_lock(&ks_mag_lock);
    if (ks_mag_free) {
        m = ks_mag_free;
        ks_mag_free = m->next;
    } else if (ks_mag_next < KS_MAG_POOL) {
        m = &ks_mag_pool[ks_mag_next++];
    }
    ks_spin_unlock(&ks_mag_lock);
    if (m)
        m->rounds = 0;
    return m;
}

/* ---- slab layer: objects from slabs under the cache's slab lock ---- */

static ks_bpage_t *ks_mg_new_slab(unsigned cls) {
    unsigned shift = cls + KS_MG_MIN_SHIFT + 3;
    unsigned order = shift > KS_PAGE_SHIFT ? shift - KS_PAGE_SHIFT : 0;
    char *mem = ks_buddy_alloc(&ks_mg_buddy, order);
    if (!mem)
        return NULL;
    ks_bpage_t *s = ks_buddy_block(&ks_mg_buddy, mem);
    size_t size = (size_t)1 << (cls + KS_MG_MIN_SHIFT), n = (KS_PAGE_SIZE << order) / size;
    for (size_t i = 0; i < n; i++)
        *(void **)(mem + i * size) = i + 1 < n ? mem + (i + 1) * size : NULL;
    s->free = mem;
    s->nfree = s->nobj = (uint16_t)n;
    s->cls = (uint16_t)cls;
    s->link = NULL;
    s->listed = 0;
    return s;
}

static void *ks_mg_slab_alloc(unsigned cls) {
    ks_mg_cache_t *c = &ks_mg_caches[cls];
    ks_spin_lock(&c->slab_lock);
    ks_bpage_t *s = c->partial;
    if (!s && (s = c->spare)) {
        c->spare = NULL;
    } else if (!s) {
        ks_spin_unlock(&c->slab_lock);
        if (!(s = ks_mg_new_slab(cls)))
            return NULL;
        ks_spin_lock(&c->slab_lock);
    }
    if (!s->listed) {
        s->link = c->partial, c->partial = s, s->listed = 1;
    }
    void *p = s->free;
    s->free = *(void **)p;
    if (--s->nfree == 0) {
        c->partial = s->link; /* s is the head: full slabs leave the list */
        s->listed = 0;
    }
    ks_spin_unlock(&c->slab_lock);
    return p;
}

/* Unlinks s from the singly linked partial list (slab lock held). */
static void ks_mg_unlist(ks_mg_cache_t *c, ks_bpage_t *s) {
    ks_bpage_t **pp = &c->partial;
    while (*pp != s)
        pp = &(*pp)->link;
    *pp = s->link;
    s->listed = 0;
}

static void ks_mg_slab_free(ks_bpage_t *s, void *p) {
    ks_mg_cache_t *c = &ks_mg_caches[s->cls];
    void *release = NULL;
    ks_spin_lock(&c->slab_lock);
    *(void **)p = s->free;
    s->free = p;
    if (!s->listed)
        s->link = c->partial, c->partial = s, s->listed = 1;
    if (++s->nfree == s->nobj) {
        ks_mg_unlist(c, s);
        if (!c->spare)
            c->spare = s;
        else
            release = ks_buddy_addr(&ks_mg_buddy, s);
    }
    ks_spin_unlock(&c->slab_lock);
    if (release)
        ks_buddy_free(&ks_mg_buddy, release);
}

/* ---- magazine layer ---- */

static __attribute__((noinline)) void *ks_mg_alloc_slow(ks_mg_cpu_t *cc, unsigned cls) {
    if (cc->previous && cc->previous->rounds > 0) {
        ks_mag_t *t = cc->loaded;
        cc->loaded = cc->previous;
        cc->previous = t;
        return cc->loaded->obj[--cc->loaded->rounds];
    }
    ks_mg_cache_t *c = &ks_mg_caches[cls];
    ks_spin_lock(&c->depot_lock);
    ks_mag_t *f = c->full;
    if (f) {
        c->full = f->next;
        if (cc->previous) /* empty: back to the depot */
            cc->previous->next = c->empty, c->empty = cc->previous;
        cc->previous = cc->loaded;
        cc->loaded = f;
    }
    ks_spin_unlock(&c->depot_lock);
    return f ? f->obj[--f->rounds] : ks_mg_slab_alloc(cls);
}

static void *ks_mg_large(size_t size, size_t align) {
    size_t pages = (size + KS_PAGE_SIZE - 1) >> KS_PAGE_SHIFT;
    unsigned order = pages <= 1 ? 0 : (unsigned)(64 - __builtin_clzll(pages - 1));
    while ((KS_PAGE_SIZE << order) < align && order <= KS_BUDDY_MAX_ORDER)
        order++;
    if (order > KS_BUDDY_MAX_ORDER)
        return ks_vbig_alloc(size, align);
    void *p = ks_buddy_alloc(&ks_mg_buddy, order);
    if (p)
        ks_buddy_block(&ks_mg_buddy, p)->cls = KS_MG_LARGE;
    return p;
}

static void *ks_mg_malloc(size_t size) {
    if (__builtin_expect(size > ((size_t)1 << KS_MG_MAX_SHIFT), 0))
        return ks_mg_large(size, KS_PAGE_SIZE);
    unsigned cls = ks_mg_class(size);
    ks_mg_cpu_t *cc = &ks_mg_cpus[ks_cpu_id()].c[cls];
    ks_mag_t *m = cc->loaded;
    if (__builtin_expect(m && m->rounds > 0, 1))
        return m->obj[--m->rounds];
    return ks_mg_alloc_slow(cc, cls);
}

/* Finds room for one more round: swaps in the empty previous magazine or
 * trades the full one at the depot. Returns false when no empty is found. */
static bool ks_mg_make_room(ks_mg_cpu_t *cc, unsigned cls) {
    if (cc->previous && cc->previous->rounds == 0) {
        ks_mag_t *t = cc->loaded;
        cc->loaded = cc->previous;
        cc->previous = t;
        return true;
    }
    ks_mg_cache_t *c = &ks_mg_caches[cls];
    ks_spin_lock(&c->depot_lock);
    ks_mag_t *e = c->empty;
    if (e)
        c->empty = e->next;
    ks_spin_unlock(&c->depot_lock);
    if (!e && !(e = ks_mag_new()))
        return false;
    if (cc->previous) { /* full: to the depot */
        ks_spin_lock(&c->depot_lock);
        cc->previous->next = c->full, c->full = cc->previous;
        ks_spin_unlock(&c->depot_lock);
    }
    cc->previous = cc->loaded;
    cc->loaded = e;
    return true;
}

static void ks_mg_free(void *p) {
    ks_bpage_t *s = ks_buddy_block(&ks_mg_buddy, p);
    if (__builtin_expect(!s, 0))
        return ks_vbig_free(p);
    if (__builtin_expect(s->cls == KS_MG_LARGE, 0))
        return ks_buddy_free(&ks_mg_buddy, p);
    ks_mg_cpu_t *cc = &ks_mg_cpus[ks_cpu_id()].c[s->cls];
    ks_mag_t *m = cc->loaded;
    if (__builtin_expect(!m || m->rounds == KS_MAG_ROUNDS, 0)) {
        if (!ks_mg_make_room(cc, s->cls))
            return ks_mg_slab_free(s, p);
        m = cc->loaded;
    }
    m->obj[m->rounds++] = p;
}

static size_t ks_mg_usable(const void *p) {
    ks_bpage_t *s = ks_buddy_block(&ks_mg_buddy, p);
    if (!s)
        return ks_vbig_size(p);
    if (s->cls == KS_MG_LARGE)
        return KS_PAGE_SIZE << s->order;
    return (size_t)1 << (s->cls + KS_MG_MIN_SHIFT);
}

static void *ks_mg_memalign(size_t align, size_t size) {
    size_t need = size > align ? size : align;
    if (need > ((size_t)1 << KS_MG_MAX_SHIFT))
        return ks_mg_large(need, align);
    return ks_mg_malloc(need);
}

static int ks_mg_init(void) { return ks_buddy_init(&ks_mg_buddy, KS_MG_REGION); }

const ks_alloc_ops_t ks_magazine_ops = {
    .name = "magazine",
    .init = ks_mg_init,
    .malloc = ks_mg_malloc,
    .free = ks_mg_free,
    .memalign = ks_mg_memalign,
    .usable_size = ks_mg_usable,
    .realloc = NULL,
};
