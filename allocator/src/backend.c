/* Backend: buddy allocator over large reservations, the dirty-block cache
 * with two-generation decay, the pagemap reservation (whole address space,
 * or a confined arena where the platform cannot reserve that much, e.g.
 * under valgrind or with overcommit disabled), and the metadata bump area.
 * Free-list links live in pagemap entries, never in the (decommitted) blocks. */
#include "backend.h"

/* Before the heap starts, every lookup (only free(NULL) can happen) reads
 * this zero entry. */
static mpa_pm_entry_t unknown_entry;
uintptr_t mpa_pm_biased = (uintptr_t)&unknown_entry;
uintptr_t mpa_pm_lo, mpa_pm_hi;

static mpa_lock_t lock = MPA_LOCK_INIT;
static void *clean_head[MPA_MAX_ORDER + 1];    /* decommitted free blocks */
static void *dirty_head[2][MPA_MAX_ORDER + 1]; /* committed free blocks, by generation */
static unsigned young;                         /* generation receiving new dirty blocks */
static size_t dirty_bytes, used_bytes;
static _Atomic uint64_t epoch_ms;              /* when the generations last turned */
static uintptr_t arena_next, arena_end;        /* confined mode: the arena left */
static char *meta_next, *meta_end;             /* metadata bump area */

#define BLOCK_SIZE(order) (MPA_CHUNK_SIZE << (order))

/* ---- intrusive doubly linked lists through pagemap entries ---- */

static void list_push(void **head, void *p, uintptr_t tag) {
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    e->owner = tag;
    e->meta = *head;
    e->aux = NULL;
    if (*head)
        mpa_pm_entry(*head)->aux = p;
    *head = p;
}

static void list_unlink(void **head, void *p) {
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (e->aux)
        mpa_pm_entry(e->aux)->meta = e->meta;
    else
        *head = e->meta;
    if (e->meta)
        mpa_pm_entry(e->meta)->aux = e->aux;
}

static void *list_pop(void **head) {
    void *p = *head;
    if (p)
        list_unlink(head, p);
    return p;
}

/* ---- address space ---- */

/* Commits the pagemap entries of [p, p + size) where the platform needs it. */
static void pagemap_commit(void *p, size_t size) {
    if (mpa_pal_features() & MPA_PAL_LAZY_COMMIT)
        return;
    size_t page = mpa_pal_page_size();
    uintptr_t lo = (uintptr_t)mpa_pm_entry(p) & ~(page - 1);
    uintptr_t hi = mpa_align_up((uintptr_t)mpa_pm_entry((char *)p + size), page);
    mpa_pal_notify_using((void *)lo, hi - lo);
}

static void *reserve(unsigned order) {
    size_t size = BLOCK_SIZE(order);
    void *p;
    if (arena_end == 0) {
        p = mpa_pal_reserve_aligned(size);
    } else {
        uintptr_t at = mpa_align_up(arena_next, size);
        if (at + size > arena_end || at + size < at)
            return NULL;
        arena_next = at + size;
        p = (void *)at;
    }
    if (p != NULL)
        pagemap_commit(p, size);
    return p;
}

static void clean_insert(void *p, unsigned order) {
    /* Merge with free buddies, but never beyond a region's own size. */
    while (order < MPA_REGION_ORDER) {
        void *buddy = (void *)((uintptr_t)p ^ BLOCK_SIZE(order));
        mpa_pm_entry_t *b = mpa_pm_entry(buddy);
        if (b->owner != mpa_pm_tag(MPA_PM_FREE, order))
            break;
        list_unlink(&clean_head[order], buddy);
        b->owner = mpa_pm_tag(MPA_PM_RESERVED, 0);
        if (buddy < p)
            p = buddy;
        order++;
    }
    list_push(&clean_head[order], p, mpa_pm_tag(MPA_PM_FREE, order));
}

static void *clean_take(unsigned order) {
    unsigned j = order;
    while (j <= MPA_MAX_ORDER && clean_head[j] == NULL)
        j++;
    if (j > MPA_MAX_ORDER) {
        j = order > MPA_REGION_ORDER ? order : MPA_REGION_ORDER;
        void *fresh = reserve(j);
        if (fresh == NULL)
            return NULL;
        list_push(&clean_head[j], fresh, mpa_pm_tag(MPA_PM_FREE, j));
    }
    void *p = list_pop(&clean_head[j]);
    while (j > order) {
        j--;
        list_push(&clean_head[j], (char *)p + BLOCK_SIZE(j), mpa_pm_tag(MPA_PM_FREE, j));
    }
    return p;
}

/* ---- dirty blocks: kept committed, merged with dirty buddies so that a
 * later decommit is one call for a large range (madvise is costly) ---- */

static void dirty_push(void *p, unsigned order, unsigned gen) {
    list_push(&dirty_head[gen][order], p, mpa_pm_tag(MPA_PM_DIRTY, order));
    mpa_pm_entry(p)->cls = gen;
    dirty_bytes += BLOCK_SIZE(order);
}

static void dirty_unlink(void *p, unsigned order) {
    list_unlink(&dirty_head[mpa_pm_entry(p)->cls][order], p);
    mpa_pm_entry(p)->owner = mpa_pm_tag(MPA_PM_RESERVED, order);
    dirty_bytes -= BLOCK_SIZE(order);
}

/* Adds p to the young generation, merged with its dirty buddies. */
static void dirty_insert(void *p, unsigned order) {
    while (order < MPA_REGION_ORDER) {
        void *buddy = (void *)((uintptr_t)p ^ BLOCK_SIZE(order));
        if (mpa_pm_entry(buddy)->owner != mpa_pm_tag(MPA_PM_DIRTY, order))
            break;
        dirty_unlink(buddy, order);
        if (buddy < p)
            p = buddy;
        order++;
    }
    dirty_push(p, order, young);
}

/* A dirty block of exactly `order`, split from a larger one if need be. */
static void *dirty_take(unsigned order) {
    for (unsigned j = order; j <= MPA_REGION_ORDER && j <= MPA_MAX_ORDER; j++) {
        for (unsigned g = 0; g < 2; g++) {
            void *p = dirty_head[young ^ g][j];
            if (p == NULL)
                continue;
            unsigned gen = young ^ g;
            dirty_unlink(p, j);
            while (j > order) {
                j--;
                dirty_push((char *)p + BLOCK_SIZE(j), j, gen);
            }
            return p;
        }
    }
    return NULL;
}

/* ---- decay: dirty blocks of the old generation are decommitted ---- */

/* Moves the old generation onto a private list; the caller decommits it
 * outside the lock. Returns the list (linked through entries' meta). */
static void *turn_generations(void) {
    unsigned old = young ^ 1;
    void *out = NULL;
    for (unsigned o = 0; o <= MPA_MAX_ORDER; o++) {
        void *p;
        while ((p = dirty_head[old][o]) != NULL) {
            dirty_unlink(p, o);
            mpa_pm_entry_t *e = mpa_pm_entry(p);
            e->meta = out;
            out = p;
        }
    }
    young = old;
    return out;
}

/* Over budget: takes dirty blocks, old generation and large blocks first,
 * until the cache is down to half its budget (hysteresis: the next frees do
 * not each pay a decommit). Returns them as a list for decommit_list. */
static void *shrink_dirty(void) {
    void *out = NULL;
    for (unsigned g = 0; g < 2; g++) {
        unsigned gen = young ^ 1 ^ g;
        for (unsigned o = MPA_MAX_ORDER + 1; o-- > 0;) {
            void *p;
            while (dirty_bytes > MPA_DIRTY_MAX / 2 && (p = dirty_head[gen][o]) != NULL) {
                dirty_unlink(p, o);
                mpa_pm_entry(p)->meta = out;
                out = p;
            }
        }
    }
    return out;
}

static void decommit_list(void *list) {
    for (void *p = list; p != NULL;) {
        mpa_pm_entry_t *e = mpa_pm_entry(p);
        void *next = e->meta;
        unsigned order = mpa_pm_order(e);
        mpa_pal_notify_not_using(p, BLOCK_SIZE(order));
        mpa_lock(&lock);
        clean_insert(p, order);
        mpa_unlock(&lock);
        p = next;
    }
}

static bool decay_due(uint64_t now) {
    uint64_t half = MPA_DECAY_MS / 2 ? MPA_DECAY_MS / 2 : 1;
    return now - atomic_load_explicit(&epoch_ms, memory_order_relaxed) >= half;
}

void mpa_backend_tick(void) {
    uint64_t now = mpa_pal_time_ms();
    if (!decay_due(now))
        return;
    mpa_lock(&lock);
    void *list = NULL;
    if (decay_due(now)) {
        atomic_store_explicit(&epoch_ms, now, memory_order_relaxed);
        list = turn_generations();
    }
    mpa_unlock(&lock);
    decommit_list(list);
}

/* ---- public ---- */

void *mpa_backend_alloc(unsigned order, bool *zeroed) {
    if (order > MPA_MAX_ORDER)
        return NULL;
    mpa_backend_tick();
    mpa_lock(&lock);
    void *p = dirty_take(order);
    bool clean = p == NULL;
    if (clean)
        p = clean_take(order);
    if (p != NULL) {
        used_bytes += BLOCK_SIZE(order);
        mpa_pm_entry(p)->owner = mpa_pm_tag(MPA_PM_RESERVED, order);
    }
    mpa_unlock(&lock);
    *zeroed = clean && (mpa_pal_features() & MPA_PAL_ZERO_ON_DECOMMIT) != 0;
    if (p != NULL && clean && !(mpa_pal_features() & MPA_PAL_LAZY_COMMIT))
        mpa_pal_notify_using(p, BLOCK_SIZE(order));
    return p;
}

void mpa_backend_free(void *p, unsigned order) {
    mpa_lock(&lock);
    used_bytes -= BLOCK_SIZE(order);
    void *list = NULL;
    if (MPA_DECAY_MS == 0) { /* no cache: decommit every block at once */
        mpa_pm_entry(p)->owner = mpa_pm_tag(MPA_PM_RESERVED, order);
        mpa_pm_entry(p)->meta = NULL;
        list = p;
    } else {
        dirty_insert(p, order);
        if (dirty_bytes > MPA_DIRTY_MAX)
            list = shrink_dirty();
    }
    mpa_unlock(&lock);
    decommit_list(list);
    mpa_backend_tick();
}

void mpa_pm_label(void *p, size_t chunks, uintptr_t owner, void *meta, unsigned cls) {
    for (size_t i = 0; i < chunks; i++) {
        mpa_pm_entry_t *e = mpa_pm_entry((char *)p + (i << MPA_CHUNK_BITS));
        e->owner = owner;
        e->meta = meta;
        e->cls = cls;
    }
}

void *mpa_meta_alloc(size_t size, size_t align) {
    mpa_lock(&lock);
    char *at = (char *)mpa_align_up((uintptr_t)meta_next, align);
    if (meta_next == NULL || at + size > meta_end) {
        unsigned order = mpa_ceil_log2((size + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS);
        if (order < 2)
            order = 2;
        char *block = clean_take(order);
        if (block == NULL) {
            mpa_unlock(&lock);
            return NULL;
        }
        used_bytes += BLOCK_SIZE(order);
        if (!(mpa_pal_features() & MPA_PAL_LAZY_COMMIT))
            mpa_pal_notify_using(block, BLOCK_SIZE(order));
        mpa_pm_label(block, (size_t)1 << order, mpa_pm_tag(MPA_PM_RESERVED, 0), NULL, 0);
        meta_next = block;
        meta_end = block + BLOCK_SIZE(order);
        at = block;
    }
    meta_next = at + size;
    mpa_unlock(&lock);
    return at;
}

static bool map_pagemap(uintptr_t lo, size_t size) {
    size_t bytes = (size >> MPA_CHUNK_BITS) * sizeof(mpa_pm_entry_t);
    void *pm = mpa_pal_reserve(mpa_align_up(bytes, mpa_pal_page_size()));
    if (pm == NULL)
        return false;
    mpa_pal_notify_using_readonly(pm, bytes);
    mpa_pm_lo = lo;
    mpa_pm_hi = lo + size;
    mpa_pm_biased = (uintptr_t)pm - (lo >> MPA_CHUNK_BITS) * sizeof(mpa_pm_entry_t);
    return true;
}

bool mpa_backend_init(void) {
    uintptr_t lo;
    size_t size;
    mpa_pal_heap_range(&lo, &size);
    epoch_ms = mpa_pal_time_ms();
    if (map_pagemap(lo, size))
        return true;
    /* Confined mode: one arena, as large as the platform grants. The pagemap
     * still covers address 0 (free(NULL) looks it up), so this suits
     * platforms that map low, as valgrind does. */
    for (unsigned bits = 40; bits >= MPA_REGION_BITS && bits >= 30; bits--) {
        size_t arena = (size_t)1 << bits;
        if (arena > size)
            continue;
        void *base = mpa_pal_reserve_aligned(arena);
        if (base == NULL)
            continue;
        if (map_pagemap(0, (uintptr_t)base + arena)) {
            mpa_pm_lo = (uintptr_t)base;
            arena_next = (uintptr_t)base;
            arena_end = (uintptr_t)base + arena;
            return true;
        }
        mpa_pal_release(base, arena);
    }
    return false;
}

size_t mpa_backend_committed(void) {
    mpa_lock(&lock);
    size_t v = used_bytes + dirty_bytes;
    mpa_unlock(&lock);
    return v;
}

size_t mpa_backend_dirty(void) {
    mpa_lock(&lock);
    size_t v = dirty_bytes;
    mpa_unlock(&lock);
    return v;
}

void mpa_backend_fork_prepare(void) { mpa_lock(&lock); }
void mpa_backend_fork_parent(void) { mpa_unlock(&lock); }
void mpa_backend_fork_child(void) { mpa_lock_reset(&lock); }
