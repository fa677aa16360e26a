/* Backend: buddy allocator over reservations from the platform, the
 * dirty-block cache with two-generation decay, the pagemap (placed and sized
 * at start: the whole address space, or a window under a limit), and the
 * metadata bump area. Reservations are sized to the address-space limit
 * (RLIMIT_AS): MPA_REGION_SIZE where there is room, smaller under a tight
 * limit, and just what a request needs when even that is refused; they all
 * lie in the pagemap's window.
 * Commit: where the platform counts committed memory (MPA_PAL_SOFT_DECOMMIT:
 * RLIMIT_DATA, strict overcommit), reservations count nothing until a block
 * is taken from them; a clean block's head entry says whether it is
 * reserved, committed (decommitted pages, still counted) or mixed. A block
 * split off a reserved one of granule size or more commits its whole
 * granule (MPA_COMMIT_GRANULE_BITS), so that committed ranges grow in large
 * contiguous steps and merge into few kernel mappings; free blocks that
 * merge back to a granule or more are made reserved again, and when a
 * commit is refused every free committed block is, before one retry.
 * Free-list links live in pagemap entries, never in the (decommitted) blocks. */
#include "backend.h"

/* Until mpa_backend_init places the map, every lookup reads this entry. */
static const mpa_pm_entry_t zero_entry;

mpa_pagemap_t mpa_pm = {.base = (uintptr_t)&zero_entry};

/* The window chunk whose entry NULL (index 0) reads: never handed out. */
static uintptr_t null_alias = UINTPTR_MAX;

mpa_backend_t mpa_backend_global = {.lock = MPA_LOCK_INIT, .merge_order = MPA_REGION_ORDER};

static char *meta_next, *meta_end; /* metadata bump area (global backend only) */

#define BLOCK_SIZE(order) (MPA_CHUNK_SIZE << (order))
/* Chunks that [p, p + bytes) touches, p chunk-aligned. */
#define CHUNKS_OF(bytes) (((bytes) + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS)

/* Commit state of a clean (MPA_PM_FREE) block, in its head's block.gen. */
enum {
    CS_RESERVED = 0,  /* needs mpa_pal_notify_using before use (every page) */
    CS_COMMITTED = 1, /* usable, reads as zero, counted by the platform */
    CS_MIXED = 2,     /* some of each: needs mpa_pal_notify_using */
    CS_LOST = 3,      /* (never filed) the platform lost the range: never use it */
};

static bool soft;              /* MPA_PAL_SOFT_DECOMMIT: commit under the lock, by granule */
static unsigned granule_order; /* commit granule, as a block order */

/* ---- intrusive doubly linked lists through pagemap entries ---- */

static void list_push(void **head, void *p, uintptr_t tag) {
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    mpa_pm_owner_store(e, tag);
    e->block.next = *head;
    e->block.prev = NULL;
    if (*head)
        mpa_pm_entry(*head)->block.prev = p;
    *head = p;
}

static void list_unlink(void **head, void *p) {
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    MPA_ASSERT(1, e->block.prev ? mpa_pm_entry(e->block.prev)->block.next == p : *head == p);
    MPA_ASSERT(1, e->block.next == NULL || mpa_pm_entry(e->block.next)->block.prev == p);
    if (e->block.prev)
        mpa_pm_entry(e->block.prev)->block.next = e->block.next;
    else
        *head = e->block.next;
    if (e->block.next)
        mpa_pm_entry(e->block.next)->block.prev = e->block.prev;
}

static void *list_pop(void **head) {
    void *p = *head;
    if (p)
        list_unlink(head, p);
    return p;
}

/* The head tag of b's free blocks of `kind` (MPA_PM_FREE, MPA_PM_DIRTY) and
 * `order`: a confined backend's carry MPA_PM_CONFINED, so that the global
 * backend never reads an arena's free block as its own buddy. (A confined
 * backend never looks past its arena: its blocks merge up to the arena.) */
static uintptr_t free_tag(const mpa_backend_t *b, unsigned kind, unsigned order) {
    return mpa_pm_tag(kind, order) | (b->arena_end != 0 ? MPA_PM_CONFINED : 0);
}

/* True when p may head a buddy block of `order`: aligned to its size, in
 * the window (the assertions' test of every block filed or taken). */
static bool block_aligned(const void *p, unsigned order) {
    return order <= MPA_MAX_ORDER && ((uintptr_t)p & (BLOCK_SIZE(order) - 1)) == 0 &&
           mpa_pm_covers(p);
}

/* Blocks on one free list, checking each one's tag and order (level 3). */
static bool list_tagged(void *head, uintptr_t tag, unsigned order) {
    for (void *p = head; p != NULL; p = mpa_pm_entry(p)->block.next)
        if (mpa_pm_owner_load(mpa_pm_entry(p)) != tag || !block_aligned(p, order))
            return false;
    return true;
}

/* Files p as a clean block of `order` in commit state cs. */
static void clean_push(mpa_backend_t *b, void *p, unsigned order, unsigned cs) {
    MPA_ASSERT(1, block_aligned(p, order) && cs < CS_LOST);
    MPA_ASSERT(1, mpa_lock_is_held(&b->lock));
    list_push(&b->clean_head[order], p, free_tag(b, MPA_PM_FREE, order));
    mpa_pm_entry(p)->block.gen = cs;
}

/* The commit state of the clean block p. */
static unsigned clean_state(const void *p) { return (unsigned)mpa_pm_entry(p)->block.gen; }

/* Makes [p, p + BLOCK_SIZE(order)) reserved again; returns its new state. */
static unsigned uncommit(void *p, unsigned order) {
    int r = mpa_pal_uncommit(p, BLOCK_SIZE(order));
    return r == 0 ? CS_RESERVED : r > 0 ? CS_COMMITTED : CS_LOST;
}

/* ---- address space ---- */

#define ENTRY_SIZE sizeof(mpa_pm_entry_t)

/* True when [p, p + size) lies in the pagemap's window. */
static bool in_window(uintptr_t p, size_t size) {
    return p - mpa_pm.lo < mpa_pm.span && size <= mpa_pm.span - (p - mpa_pm.lo);
}

/* Searches the window for a free place, from its top down, on a grid of
 * 64 steps (or of the size, when larger): used when the platform placed a
 * reservation outside the window. */
static void *reserve_in_window(size_t size, size_t align) {
    if (size > mpa_pm.span)
        return NULL;
    uintptr_t first = mpa_align_up(mpa_pm.lo, align);
    uintptr_t at = (mpa_pm.lo + mpa_pm.span - size) & ~(uintptr_t)(align - 1);
    size_t step = mpa_align_up(size > mpa_pm.span / 64 ? size : mpa_pm.span / 64, align);
    for (; at >= first; at -= step) {
        void *p = mpa_pal_reserve_at((void *)at, size);
        if (p != NULL)
            return p;
        if (at - first < step)
            break;
    }
    return NULL;
}

/* Address space from the platform inside the window: where the platform
 * puts it (nearly always, as the window is placed around its mappings),
 * else at a free place of the window. `aligned`: aligned to size (a power
 * of two); else page-aligned. */
static void *os_reserve(size_t size, bool aligned) {
    void *p = aligned ? mpa_pal_reserve_aligned(size) : mpa_pal_reserve(size);
    if (p == NULL || in_window((uintptr_t)p, size))
        return p;
    mpa_pal_release(p, size);
    return reserve_in_window(size, aligned ? size : mpa_pal_page_size());
}

/* Commits the map bytes [from, from + bytes), rounded out to pages. */
static int commit_map(uintptr_t from, size_t bytes) {
    size_t page = mpa_pal_page_size();
    uintptr_t lo = from & ~(uintptr_t)(page - 1), hi = mpa_align_up(from + bytes, page);
    return mpa_pal_notify_using((void *)lo, hi - lo);
}

/* Commits the pagemap entries of [p, p + size) where the platform needs it:
 * one run of entries, or two where the index wraps at the map's end. */
static int pagemap_commit(void *p, size_t size) {
    if (mpa_pal_features() & MPA_PAL_LAZY_COMMIT)
        return 0;
    uintptr_t first = (uintptr_t)mpa_pm_entry(p);
    size_t n = ((size + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS) * ENTRY_SIZE;
    size_t run = mpa_pm.base + mpa_pm.mask + ENTRY_SIZE - first;
    if (run >= n)
        return commit_map(first, n);
    return commit_map(first, run) != 0 ? -1 : commit_map(mpa_pm.base, n - run);
}

static void *reserve(mpa_backend_t *b, unsigned order) {
    size_t size = BLOCK_SIZE(order);
    void *p;
    if (b->arena_end == 0) {
        p = os_reserve(size, true);
        b->reserved_bytes += p != NULL ? size : 0;
    } else {
        uintptr_t at = mpa_align_up(b->arena_next, size);
        if (at + size > b->arena_end || at + size < at)
            return NULL;
        b->arena_next = at + size;
        p = (void *)at;
    }
    if (p != NULL && pagemap_commit(p, size) != 0) {
        if (b->arena_end == 0) {
            mpa_pal_release(p, size);
            b->reserved_bytes -= size;
        }
        return NULL; /* an arena's range is lost to it; rare and bounded */
    }
    return p;
}

/* p's buddy of `order` when the pagemap can tell what it is (outside the
 * window its entry would be another chunk's); else NULL. */
static void *buddy_of(void *p, unsigned order) {
    void *buddy = (void *)((uintptr_t)p ^ BLOCK_SIZE(order));
    return mpa_pm_covers(buddy) ? buddy : NULL;
}

/* Files p (commit state cs) as clean, merged with free buddies, but never
 * beyond a region's own size; a merged block of a granule or more that is
 * not reserved is made so (an mmap under the lock: rare, and with no pages
 * to free, cheap). */
static void clean_insert(mpa_backend_t *b, void *p, unsigned order, unsigned cs) {
    if (cs == CS_LOST) {
        b->reserved_bytes -= BLOCK_SIZE(order);
        return;
    }
    while (order < b->merge_order) {
        void *buddy = buddy_of(p, order);
        if (buddy == NULL)
            break;
        mpa_pm_entry_t *e = mpa_pm_entry(buddy);
        if (mpa_pm_owner_load(e) != free_tag(b, MPA_PM_FREE, order))
            break;
        cs = clean_state(buddy) == cs ? cs : CS_MIXED;
        list_unlink(&b->clean_head[order], buddy);
        e->owner = mpa_pm_tag(MPA_PM_RESERVED, 0);
        if (buddy < p)
            p = buddy;
        order++;
        MPA_ASSERT(1, block_aligned(p, order)); /* the merged pair is a buddy block */
    }
    if (soft && cs != CS_RESERVED && order >= granule_order)
        cs = uncommit(p, order);
    if (cs == CS_LOST)
        b->reserved_bytes -= BLOCK_SIZE(order);
    else
        clean_push(b, p, order, cs);
}

/* Out of memory to commit: every clean block that is not reserved is made
 * so (any size: this once, the mapping count matters less). */
static void sweep_committed(mpa_backend_t *b) {
    for (unsigned o = 0; soft && o <= MPA_MAX_ORDER; o++) {
        for (void *p = b->clean_head[o], *next; p != NULL; p = next) {
            next = mpa_pm_entry(p)->block.next;
            if (clean_state(p) == CS_RESERVED)
                continue;
            unsigned cs = uncommit(p, o);
            if (cs == CS_LOST) {
                list_unlink(&b->clean_head[o], p);
                mpa_pm_entry(p)->owner = mpa_pm_tag(MPA_PM_RESERVED, 0);
                b->reserved_bytes -= BLOCK_SIZE(o);
            }
            mpa_pm_entry(p)->block.gen = cs;
        }
    }
}

/* Out of memory to commit: cached and free committed blocks of b go back
 * to reserved (not under b's lock). */
static void free_commit(mpa_backend_t *b) {
    mpa_backend_release_in(b);
    mpa_backend_lock(b);
    sweep_committed(b);
    mpa_unlock(&b->lock);
}

/* Files a fresh reservation as free; the chunk NULL aliases, if it lies in
 * it, is split off and kept (its entry stays "unknown memory" for good). */
static void fresh_insert(mpa_backend_t *b, void *p, unsigned order) {
    if (null_alias - (uintptr_t)p >= BLOCK_SIZE(order)) {
        clean_push(b, p, order, CS_RESERVED);
        return;
    }
    while (order-- > 0) {
        char *half = (char *)p + BLOCK_SIZE(order);
        if (null_alias >= (uintptr_t)half) {
            clean_push(b, p, order, CS_RESERVED);
            p = half;
        } else {
            clean_push(b, half, order, CS_RESERVED);
        }
    }
}

/* Under b's lock: a clean block of `order` (NULL when out of address
 * space); *cs gets its commit state. With `commit` (soft platforms), it is
 * committed first: the whole granule around it when it comes from a
 * reserved block of a granule or more (the rest of the granule is filed as
 * committed); when the platform refuses, the block stays free and
 * *refused is set. */
static void *clean_take(mpa_backend_t *b, unsigned order, bool commit, unsigned *cs,
                        bool *refused) {
    unsigned j;
    for (;;) {
        for (j = order; j <= MPA_MAX_ORDER && b->clean_head[j] == NULL; j++)
            ;
        if (j <= MPA_MAX_ORDER)
            break;
        /* A whole region if the platform grants it; where address space is
         * tight (RLIMIT_AS, a small arena), just what this request needs. */
        j = order > b->merge_order ? order : b->merge_order;
        void *fresh;
        while ((fresh = reserve(b, j)) == NULL && j > order)
            j--;
        if (fresh == NULL)
            return NULL;
        fresh_insert(b, fresh, j); /* once more when the null alias split it */
    }
    MPA_ASSERT(1, mpa_pm_owner_load(mpa_pm_entry(b->clean_head[j])) == free_tag(b, MPA_PM_FREE, j));
    MPA_ASSERT(3, list_tagged(b->clean_head[j], free_tag(b, MPA_PM_FREE, j), j));
    void *p = list_pop(&b->clean_head[j]);
    *cs = clean_state(p);
    size_t span = 0; /* bytes from p committed now */
    if (commit && *cs != CS_COMMITTED) {
        span = *cs == CS_RESERVED && j >= granule_order && order < granule_order
                   ? BLOCK_SIZE(granule_order)
                   : BLOCK_SIZE(order);
        if (mpa_pal_notify_using(p, span) != 0 &&
            (span == BLOCK_SIZE(order) || mpa_pal_notify_using(p, span = BLOCK_SIZE(order)) != 0)) {
            clean_push(b, p, j, *cs); /* not even the block itself: none of it changed */
            *refused = true;
            return NULL;
        }
    }
    while (j > order) { /* split: the upper halves stay free */
        j--;
        clean_push(b, (char *)p + BLOCK_SIZE(j), j, BLOCK_SIZE(j) < span ? CS_COMMITTED : *cs);
    }
    MPA_ASSERT(1, block_aligned(p, order));
    if (span != 0)
        *cs = CS_COMMITTED;
    return p;
}

/* ---- dirty blocks: kept committed, merged with dirty buddies so that a
 * later decommit is one call for a large range (madvise is costly) ---- */

/* A dirty block's entry keeps its generation in bit 0 of block.gen and,
 * above it, how many chunks at its end are known not to be resident
 * (mpa_blk_t's clean tail). */
static void dirty_push(mpa_backend_t *b, void *p, unsigned order, unsigned gen, size_t tail) {
    MPA_ASSERT(1, block_aligned(p, order) && gen < 2 && tail <= (size_t)1 << order);
    MPA_ASSERT(1, mpa_lock_is_held(&b->lock));
    list_push(&b->dirty_head[gen][order], p, free_tag(b, MPA_PM_DIRTY, order));
    mpa_pm_entry(p)->block.gen = gen | tail << 1;
    b->dirty_bytes += BLOCK_SIZE(order);
    b->dirty_blocks++;
}

/* Unlinks the dirty block p; returns its clean tail. */
static size_t dirty_unlink(mpa_backend_t *b, void *p, unsigned order) {
    uintptr_t g = mpa_pm_entry(p)->block.gen;
    MPA_ASSERT(1, mpa_pm_owner_load(mpa_pm_entry(p)) == free_tag(b, MPA_PM_DIRTY, order));
    MPA_ASSERT(1, b->dirty_bytes >= BLOCK_SIZE(order) && b->dirty_blocks > 0);
    list_unlink(&b->dirty_head[g & 1][order], p);
    mpa_pm_entry(p)->owner = mpa_pm_tag(MPA_PM_RESERVED, order);
    b->dirty_bytes -= BLOCK_SIZE(order);
    b->dirty_blocks--;
    return g >> 1;
}

/* Adds p (its last `tail` chunks not resident) to the b->young generation,
 * merged with its dirty buddies: the merged block's clean tail is the upper
 * half's, or all of the upper half and the lower half's tail when the upper
 * half is wholly clean. */
static void dirty_insert(mpa_backend_t *b, void *p, unsigned order, size_t tail) {
    while (order < b->merge_order) {
        void *buddy = buddy_of(p, order);
        if (buddy == NULL ||
            mpa_pm_owner_load(mpa_pm_entry(buddy)) != free_tag(b, MPA_PM_DIRTY, order))
            break;
        size_t bt = dirty_unlink(b, buddy, order), half = (size_t)1 << order;
        size_t lo = buddy < p ? bt : tail, hi = buddy < p ? tail : bt;
        tail = hi == half ? half + lo : hi;
        if (buddy < p)
            p = buddy;
        order++;
        MPA_ASSERT(1, block_aligned(p, order) && tail <= (size_t)1 << order);
    }
    dirty_push(b, p, order, b->young, tail);
}

/* A dirty block of exactly `order`, split from a larger one if need be;
 * *tail gets its clean tail (a split block's upper half takes the part of
 * the tail that falls in it). */
static void *dirty_take(mpa_backend_t *b, unsigned order, size_t *tail) {
    for (unsigned j = order; j <= b->merge_order; j++) {
        for (unsigned g = 0; g < 2; g++) {
            void *p = b->dirty_head[b->young ^ g][j];
            if (p == NULL)
                continue;
            unsigned gen = b->young ^ g;
            MPA_ASSERT(3, list_tagged(p, free_tag(b, MPA_PM_DIRTY, j), j));
            size_t t = dirty_unlink(b, p, j);
            while (j > order) {
                j--;
                size_t half = (size_t)1 << j;
                dirty_push(b, (char *)p + BLOCK_SIZE(j), j, gen, t < half ? t : half);
                t = t > half ? t - half : 0;
            }
            *tail = t;
            return p;
        }
    }
    return NULL;
}

/* ---- decay: dirty blocks of the old generation are decommitted ---- */

/* Moves the old generation onto a private list; the caller decommits it
 * outside the lock. Returns the list (linked through their entries' block.next). */
static void *turn_generations(mpa_backend_t *b) {
    unsigned old = b->young ^ 1;
    void *out = NULL;
    for (unsigned o = 0; o <= MPA_MAX_ORDER; o++) {
        void *p;
        while ((p = b->dirty_head[old][o]) != NULL) {
            dirty_unlink(b, p, o);
            mpa_pm_entry(p)->block.next = out;
            out = p;
        }
    }
    b->young = old;
    return out;
}

/* Over budget: takes dirty blocks, old generation and large blocks first,
 * until the cache is down to half its budget (hysteresis: the next frees do
 * not each pay a decommit). Returns them as a list for decommit_list. */
static void *shrink_dirty(mpa_backend_t *b) {
    void *out = NULL;
    for (unsigned g = 0; g < 2; g++) {
        unsigned gen = b->young ^ 1 ^ g;
        for (unsigned o = MPA_MAX_ORDER + 1; o-- > 0;) {
            void *p;
            while (b->dirty_bytes > MPA_DIRTY_MAX / 2 && (p = b->dirty_head[gen][o]) != NULL) {
                dirty_unlink(b, p, o);
                mpa_pm_entry(p)->block.next = out;
                out = p;
            }
        }
    }
    return out;
}

/* Fresh memory is about to be committed (`bytes` of clean blocks taken)
 * while dirty blocks wait that could not serve the request: they are too
 * small, their buddies being in use. Takes as many dirty bytes as that for
 * decommit, small blocks first, so that a heap that fragments trades
 * resident memory it cannot reuse for the memory it needs instead of
 * adding to it (wl-sqlite -s 0.5 peak RSS 16.9 -> 16.4 MB). Only the old
 * generation, blocks not reused for a whole turn: trading young ones too
 * (sqlite 15.4 MB) made wl-large fault twice as often (25,100 -> 52,700
 * minor faults at -s 1), its freed blocks being reused soon after.
 * Returns them as a list for decommit_list. */
static bool trade_due(const mpa_backend_t *b) {
    return MPA_DIRTY_TRADE_BITS < 64 && b->dirty_bytes > ((size_t)1 << MPA_DIRTY_TRADE_MIN_BITS) &&
           b->dirty_bytes > b->used_bytes >> (MPA_DIRTY_TRADE_BITS & 63);
}

static void *trade_dirty(mpa_backend_t *b, size_t bytes) {
    void *out = NULL;
    size_t taken = 0;
    unsigned gen = b->young ^ 1;
    for (unsigned o = 0; o <= MPA_MAX_ORDER && taken < bytes; o++) {
        void *p;
        while (taken < bytes && (p = b->dirty_head[gen][o]) != NULL) {
            dirty_unlink(b, p, o);
            mpa_pm_entry(p)->block.next = out;
            out = p;
            taken += BLOCK_SIZE(o);
        }
    }
    return out;
}

/* Takes every dirty block, for a release of all cached memory. */
static void *take_all_dirty(mpa_backend_t *b) {
    void *out = NULL;
    for (unsigned g = 0; g < 2; g++) {
        for (unsigned o = 0; o <= MPA_MAX_ORDER; o++) {
            void *p;
            while ((p = b->dirty_head[g][o]) != NULL) {
                dirty_unlink(b, p, o);
                mpa_pm_entry(p)->block.next = out;
                out = p;
            }
        }
    }
    return out;
}

/* Decommits [p, p + BLOCK_SIZE(order)), no lock held: a granule or more
 * goes back to reserved (soft platforms); less keeps its commit (no new
 * mapping boundary) until it merges into a granule. Returns its state. */
static unsigned decommit(void *p, unsigned order) {
    if (soft && order >= granule_order)
        return uncommit(p, order);
    mpa_pal_notify_not_using(p, BLOCK_SIZE(order));
    return soft ? CS_COMMITTED : CS_RESERVED;
}

/* Decommits a list of blocks (linked through their entries' block.next) with no lock
 * held, then files them all as clean in one acquisition. */
static void decommit_list(mpa_backend_t *b, void *list) {
    if (list == NULL)
        return;
    for (void *p = list; p != NULL; p = mpa_pm_entry(p)->block.next)
        mpa_pm_entry(p)->block.gen = decommit(p, mpa_pm_order(mpa_pm_entry(p)));
    mpa_backend_lock(b);
    for (void *p = list; p != NULL;) {
        mpa_pm_entry_t *e = mpa_pm_entry(p);
        void *next = e->block.next;
        clean_insert(b, p, mpa_pm_order(e), (unsigned)e->block.gen);
        p = next;
    }
    mpa_unlock(&b->lock);
}

static bool decay_due(mpa_backend_t *b, uint64_t now) {
    uint64_t half = MPA_DECAY_MS / 2 ? MPA_DECAY_MS / 2 : 1;
    return now - atomic_load_explicit(&b->epoch_ms, memory_order_relaxed) >= half;
}

void mpa_backend_lock(mpa_backend_t *b) {
    if (MPA_UNLIKELY(!mpa_trylock(&b->lock))) {
        mpa_lock(&b->lock);
        mpa_count1(&b->lock_contended);
    }
    mpa_count1(&b->lock_acquired);
}

void mpa_backend_tick_in(mpa_backend_t *b) {
    uint64_t now = mpa_pal_time_ms();
    if (!decay_due(b, now))
        return;
    mpa_backend_lock(b);
    void *list = NULL;
    if (decay_due(b, now)) {
        atomic_store_explicit(&b->epoch_ms, now, memory_order_relaxed);
        list = turn_generations(b);
    }
    mpa_unlock(&b->lock);
    decommit_list(b, list);
}

size_t mpa_backend_release_in(mpa_backend_t *b) {
    mpa_backend_lock(b);
    size_t bytes = b->dirty_bytes;
    void *list = take_all_dirty(b);
    mpa_unlock(&b->lock);
    decommit_list(b, list);
    return bytes;
}

/* ---- public ---- */

/* Under b's lock: records a new high of used + dirty bytes. */
static void note_peak(mpa_backend_t *b) {
    if (b->used_bytes + b->dirty_bytes > b->peak_bytes)
        b->peak_bytes = b->used_bytes + b->dirty_bytes;
}

/* Under b's lock: a block of `order`, dirty first; *clean when it was not,
 * *cs its commit state (committed when `commit`: see clean_take), *tail
 * its clean tail (mpa_blk; a dirty block's, else unset). */
static void *take_locked(mpa_backend_t *b, unsigned order, bool *clean, bool commit, unsigned *cs,
                         size_t *tail) {
    bool refused = false;
    void *p = dirty_take(b, order, tail);
    *clean = p == NULL;
    *cs = CS_COMMITTED;
    if (*clean)
        p = clean_take(b, order, commit, cs, &refused);
    if (p == NULL && (b->dirty_bytes > 0 || refused)) {
        /* Out of address space: cached blocks, decommitted, merge with their
         * clean buddies into blocks large enough. Out of memory to commit:
         * every free committed block goes back to reserved too. */
        mpa_unlock(&b->lock);
        mpa_backend_release_in(b);
        mpa_backend_lock(b);
        if (refused)
            sweep_committed(b);
        refused = false;
        p = clean_take(b, order, commit, cs, &refused);
    }
    if (p != NULL) {
        MPA_ASSERT(1, block_aligned(p, order));
        b->used_bytes += BLOCK_SIZE(order);
        note_peak(b);
        mpa_pm_owner_store(mpa_pm_entry(p), mpa_pm_tag(MPA_PM_RESERVED, order));
    }
    return p;
}

/* Outside the lock: commits a clean block where the PAL needs it; on
 * failure gives it back and returns false. */
static bool commit_clean(mpa_backend_t *b, void *p, unsigned order) {
    if (soft || (mpa_pal_features() & MPA_PAL_LAZY_COMMIT) ||
        mpa_pal_notify_using(p, BLOCK_SIZE(order)) == 0)
        return true;
    mpa_backend_lock(b); /* no memory behind it: give the block back */
    b->used_bytes -= BLOCK_SIZE(order);
    clean_insert(b, p, order, CS_RESERVED);
    mpa_unlock(&b->lock);
    return false;
}

void *mpa_backend_alloc_in(mpa_backend_t *b, unsigned order, bool *zeroed) {
    uintptr_t block;
    if (mpa_backend_alloc_batch(b, order, &block, 1) == 0)
        return NULL;
    *zeroed = mpa_blk_zero(block);
    return mpa_blk_addr(block, order);
}

size_t mpa_backend_alloc_batch(mpa_backend_t *b, unsigned order, uintptr_t *out, size_t n) {
    if (order > MPA_MAX_ORDER)
        return 0;
    size_t got = 0, fresh = 0, tail;
    bool clean;
    unsigned cs;
    mpa_backend_lock(b);
    for (void *p; got < n && (p = take_locked(b, order, &clean, soft, &cs, &tail)) != NULL; got++) {
        out[got] = clean ? (uintptr_t)p | 1 : mpa_blk(p, false, tail); /* bit 0: taken clean */
        fresh += clean ? BLOCK_SIZE(order) : 0;
    }
    void *trade = fresh != 0 && trade_due(b) ? trade_dirty(b, fresh) : NULL;
    mpa_unlock(&b->lock);
    decommit_list(b, trade);
    bool zero_clean = (mpa_pal_features() & MPA_PAL_ZERO_ON_DECOMMIT) != 0;
    size_t kept = 0;
    for (size_t i = 0; i < got; i++) {
        void *p = mpa_blk_addr(out[i], order);
        if (!(out[i] & 1))
            out[kept++] = out[i];
        else if (commit_clean(b, p, order)) /* nothing in it is resident */
            out[kept++] = mpa_blk(p, zero_clean, (size_t)1 << order);
    }
    return kept;
}

/* Under b's lock: gives chunks [from, to) of the block at p back as
 * aligned power-of-two blocks, never touched: dirty when `dirty`, else
 * clean in commit state cs. */
static void give_tail_locked(mpa_backend_t *b, char *p, size_t from, size_t to, bool dirty,
                             unsigned cs) {
    while (from < to) {
        unsigned o = (unsigned)__builtin_ctzll(from);
        while (from + ((size_t)1 << o) > to)
            o--;
        char *at = p + (from << MPA_CHUNK_BITS);
        b->used_bytes -= BLOCK_SIZE(o);
        if (dirty)
            dirty_insert(b, at, o, 0); /* (its last tenant's pages may be resident) */
        else
            clean_insert(b, at, o, cs);
        from += (size_t)1 << o;
    }
}

void *mpa_backend_alloc_trimmed(mpa_backend_t *b, unsigned order, size_t chunks, bool *zeroed) {
    if (order > MPA_MAX_ORDER)
        return NULL;
    bool clean;
    unsigned cs;
    size_t tail;
    mpa_backend_lock(b);
    char *p = take_locked(b, order, &clean, soft, &cs, &tail);
    if (p != NULL)
        give_tail_locked(b, p, chunks, (size_t)1 << order, !clean, cs);
    mpa_unlock(&b->lock);
    if (p != NULL && clean && !soft && !(mpa_pal_features() & MPA_PAL_LAZY_COMMIT) &&
        mpa_pal_notify_using(p, chunks << MPA_CHUNK_BITS) != 0) {
        mpa_backend_lock(b); /* platforms that commit every use: none to back it */
        give_tail_locked(b, p, 0, chunks, false, CS_RESERVED);
        mpa_unlock(&b->lock);
        return NULL;
    }
    *zeroed = clean && (mpa_pal_features() & MPA_PAL_ZERO_ON_DECOMMIT) != 0;
    return p;
}

void *mpa_backend_alloc_arena(unsigned order) {
    mpa_backend_t *b = &mpa_backend_global;
    if (order > MPA_MAX_ORDER)
        return NULL;
    bool clean;
    unsigned cs;
    size_t tail;
    mpa_backend_lock(b);
    void *p = take_locked(b, order, &clean, false, &cs, &tail);
    mpa_unlock(&b->lock);
    if (p == NULL || (clean && cs == CS_RESERVED))
        return p;
    /* Committed, in part or whole (dirty, or clean but counted): reserved
     * again. A lost range stays counted as used: address space only. */
    return mpa_pal_uncommit(p, BLOCK_SIZE(order)) < 0 ? NULL : p;
}

/* True when a chunk of the block p of `order` is labelled as a slab's (level 2). */
static bool holds_small_labels(void *p, unsigned order) {
    for (size_t i = 0; i < (size_t)1 << order; i++)
        if (mpa_pm_is_small(mpa_pm_entry((char *)p + (i << MPA_CHUNK_BITS))))
            return true;
    return false;
}

/* Under b's lock: files p as dirty (or, with no cache, queues it for
 * decommit on *list); returns the list of blocks to decommit. */
static void *put_locked(mpa_backend_t *b, uintptr_t v, unsigned order, void *list) {
    void *p = mpa_blk_addr(v, order);
    MPA_ASSERT(1, block_aligned(p, order) && b->used_bytes >= BLOCK_SIZE(order));
    /* No slab's labels are left in a block given back (pre: of mpa_backend_free). */
    MPA_ASSERT(2, !holds_small_labels(p, order));
    b->used_bytes -= BLOCK_SIZE(order);
    if (MPA_DECAY_MS == 0) { /* no cache: decommit every block at once */
        mpa_pm_entry(p)->owner = mpa_pm_tag(MPA_PM_RESERVED, order);
        mpa_pm_entry(p)->block.next = list;
        return p;
    }
    dirty_insert(b, p, order, mpa_blk_tail(v, order));
    return list;
}

void mpa_backend_free_in(mpa_backend_t *b, void *p, unsigned order) {
    uintptr_t block = (uintptr_t)p;
    mpa_backend_free_batch(b, &block, 1, order);
}

void mpa_backend_free_batch(mpa_backend_t *b, const uintptr_t *blocks, size_t n, unsigned order) {
    void *list = NULL;
    mpa_backend_lock(b);
    for (size_t i = 0; i < n; i++)
        list = put_locked(b, blocks[i], order, list);
    if (MPA_DECAY_MS != 0 && b->dirty_bytes > MPA_DIRTY_MAX)
        list = shrink_dirty(b);
    mpa_unlock(&b->lock);
    decommit_list(b, list);
}

void mpa_pm_label(void *p, size_t chunks, mpa_pm_entry_t as) {
    MPA_ASSERT(1, ((uintptr_t)p & (MPA_CHUNK_SIZE - 1)) == 0 && (chunks == 0 || mpa_pm_covers(p)));
    for (size_t i = 0; i < chunks; i++) {
        mpa_pm_entry_t *e = mpa_pm_entry((char *)p + (i << MPA_CHUNK_BITS));
        mpa_pm_owner_store(e, as.owner);
        e->small = as.small; /* the words after the owner, whatever the view */
    }
}

void *mpa_meta_alloc(size_t size, size_t align) {
    mpa_backend_t *b = &mpa_backend_global;
    mpa_backend_lock(b);
    char *at = (char *)mpa_align_up((uintptr_t)meta_next, align);
    if (meta_next == NULL || at + size > meta_end) {
        /* Under a limit, a commit granule at a time (2 MiB; committed
         * whole anyway): metadata, never given back, then pins few
         * regions. 64 KiB blocks sprinkled one in each region kept every
         * region of a freed heap from going back (drop_regions) under
         * ulimit -v 1 GiB: 100,000-byte buffers after a fill of 64 B ones
         * reached 15 MiB. (Without one, 64 KiB: the first slabs then lie
         * a region's start, not 2 MiB, above the memory before it, and a
         * wild write 1 MiB below a small object faults.) */
        unsigned order = mpa_ceil_log2((size + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS);
        unsigned least = b->trim ? granule_order : 2;
        order = order > least ? order : least;
        order = order > 2 ? order : 2;
        unsigned cs;
        bool refused = false;
        char *block = clean_take(b, order, soft, &cs, &refused);
        if (block == NULL) {
            mpa_unlock(&b->lock);
            return NULL;
        }
        if (!soft && !(mpa_pal_features() & MPA_PAL_LAZY_COMMIT) &&
            mpa_pal_notify_using(block, BLOCK_SIZE(order)) != 0) {
            clean_insert(b, block, order, CS_RESERVED);
            mpa_unlock(&b->lock);
            return NULL;
        }
        b->used_bytes += BLOCK_SIZE(order);
        mpa_pm_label(block, (size_t)1 << order, mpa_pm_plain(mpa_pm_tag(MPA_PM_RESERVED, 0)));
        meta_next = block;
        meta_end = block + BLOCK_SIZE(order);
        at = block;
    }
    meta_next = at + size;
    mpa_unlock(&b->lock);
    return at;
}

/* Region order for an address-space limit: a 64th of it (down to the
 * largest slab), so that the reserved, unused part of the newest region
 * costs little of it: under ulimit -v 1 GiB a sixteenth left 64 MiB of
 * address space idle beside huge blocks (1 MiB + 1 buffers reached 934 MiB,
 * glibc 1017). */
static unsigned region_order(size_t limit) {
    unsigned order = MPA_REGION_ORDER;
    unsigned min = MPA_MAX_SMALL_BITS + 6 - MPA_CHUNK_BITS; /* the largest slab */
    while (order > min && (MPA_CHUNK_SIZE << order) > limit / 64)
        order--;
    return order;
}

/* Reserves a map for a window of 2^bits bytes; false when refused. */
static bool map_make(unsigned bits) {
    size_t entries = (size_t)1 << (bits - MPA_CHUNK_BITS);
    size_t bytes = mpa_align_up(entries * ENTRY_SIZE, mpa_pal_page_size());
    void *map = mpa_pal_reserve(bytes);
    if (map == NULL)
        return false;
    mpa_pal_notify_using_readonly(map, bytes);
    mpa_pm.base = (uintptr_t)map;
    mpa_pm.mask = (uintptr_t)(entries - 1) << MPA_PM_ENTRY_BITS;
    return true;
}

/* Places the pagemap: over the platform's whole heap range when there is no
 * limit and the platform grants that map; else over a window of
 * 2^MPA_PM_WINDOW_BITS bytes, or four times the limit (the program's own
 * mappings share it), seven eighths of it below where the platform put the
 * map (its next mappings go below it). False when no map can be made. */
static bool pagemap_init(size_t limit) {
    uintptr_t lo;
    size_t size;
    mpa_pal_heap_range(&lo, &size);
    unsigned bits = mpa_ceil_log2(size);
    if (limit == SIZE_MAX && map_make(bits)) {
        mpa_pm.lo = lo;
        mpa_pm.span = size;
    } else {
        unsigned want = limit == SIZE_MAX ? MPA_PM_WINDOW_BITS : mpa_ceil_log2(limit) + 2;
        want = want < bits ? want : bits;
        while (!map_make(want))
            if (--want < MPA_MAX_SMALL_BITS + 6) /* not even the largest slab */
                return false;
        size_t span = (size_t)1 << want;
        /* Seven eighths below the map: the platform places mappings top
         * down, below the libraries that were there before the map. */
        uintptr_t at = (mpa_pm.base & ~(uintptr_t)(MPA_CHUNK_SIZE - 1)) - span / 8 * 7;
        at = at < lo || at > mpa_pm.base ? lo : at; /* clamped into the range */
        at = at + span > lo + size ? lo + size - span : at;
        mpa_pm.lo = at;
        mpa_pm.span = span;
    }
    /* The one window address whose chunk index is 0, as NULL's. Held
     * reserved where it can be (a chunk of address space), so that no
     * mapping the platform places, such as a huge block it moves, spans it. */
    uintptr_t w = (uintptr_t)1 << mpa_ceil_log2(mpa_pm.span);
    null_alias = mpa_align_up(mpa_pm.lo, w);
    if (null_alias != 0)
        (void)mpa_pal_reserve_at((void *)null_alias, MPA_CHUNK_SIZE);
    return true;
}

bool mpa_backend_init(void) {
    mpa_backend_t *b = &mpa_backend_global;
    size_t limit = mpa_pal_address_space_limit(), commit = mpa_pal_commit_limit();
    if (!pagemap_init(limit))
        return false;
    soft = (mpa_pal_features() & MPA_PAL_SOFT_DECOMMIT) != 0;
    b->merge_order = region_order(limit);
    granule_order = MPA_COMMIT_GRANULE_BITS - MPA_CHUNK_BITS;
    granule_order = granule_order < b->merge_order ? granule_order : b->merge_order;
    size_t tight = commit < limit ? commit : limit;
    b->trim = tight != SIZE_MAX;
    /* Under a limit (of address space or of commit) every large object is
     * mapped alone, to the chunk: a buddy block would take up to twice its
     * size of the limit (its trimmed tail holds only smaller objects), and
     * where commit counts, a reserved tail between committed blocks would be
     * a kernel mapping boundary per object. Adjacent ones merge into one
     * mapping. (Objects above 1 MiB only, before: 100,000-byte buffers
     * reached 76% of glibc's 1021 MiB under ulimit -v 1 GiB, 600,000-byte
     * ones 57%.) */
    b->huge_order = b->trim ? 0 : b->merge_order;
    b->page_mapped_min =
        b->trim ? mpa_align_up(tight >> MPA_PAGE_MAPPED_BITS, MPA_CHUNK_SIZE) : SIZE_MAX;
    b->epoch_ms = mpa_pal_time_ms();
    return true;
}

size_t mpa_backend_committed_in(mpa_backend_t *b) {
    mpa_backend_lock(b);
    size_t v = b->used_bytes + b->dirty_bytes;
    mpa_unlock(&b->lock);
    return v;
}

void mpa_backend_info_in(mpa_backend_t *b, mpa_backend_info_t *out) {
    mpa_backend_lock(b);
    *out = (mpa_backend_info_t){
        .used = b->used_bytes,
        .dirty = b->dirty_bytes,
        .dirty_blocks = b->dirty_blocks,
        .peak = b->peak_bytes,
        .reserved = b->reserved_bytes,
        .huge = b->huge_bytes,
        .huge_blocks = b->huge_blocks,
        .huge_peak = b->huge_peak_bytes,
        .huge_peak_blocks = b->huge_peak_blocks,
    };
    mpa_unlock(&b->lock);
}

size_t mpa_backend_dirty_in(mpa_backend_t *b) {
    mpa_backend_lock(b);
    size_t v = b->dirty_bytes;
    mpa_unlock(&b->lock);
    return v;
}

void mpa_backend_fork(mpa_fork_stage_t stage) { mpa_lock_fork(&mpa_backend_global.lock, stage); }

/* ---- huge blocks: larger than a region, mapped and unmapped on their own,
 * sized to the request rather than to a power of two (address space counts
 * under RLIMIT_AS), never cached ---- */

bool mpa_backend_is_huge(const mpa_backend_t *b, unsigned order) {
    return b->arena_end == 0 && order > b->huge_order;
}

size_t mpa_backend_huge_size(const mpa_backend_t *b, size_t usable) {
    size_t chunked = mpa_align_up(usable, MPA_CHUNK_SIZE);
    if (usable >= b->page_mapped_min && chunked - usable > usable >> 4)
        return usable;
    return chunked;
}

/* Under b's lock: huge blocks grew by `bytes` and `blocks` (wrapping
 * negatives shrink them); their highs follow. */
static void huge_count(mpa_backend_t *b, size_t bytes, int blocks) {
    b->huge_bytes += bytes;
    b->huge_blocks += (size_t)(ptrdiff_t)blocks;
    b->huge_peak_bytes = b->huge_bytes > b->huge_peak_bytes ? b->huge_bytes : b->huge_peak_bytes;
    b->huge_peak_blocks =
        b->huge_blocks > b->huge_peak_blocks ? b->huge_blocks : b->huge_peak_blocks;
    note_peak(b);
}

/* True when [p, p + size) holds the chunk NULL aliases (never handed out). */
static bool holds_null_alias(uintptr_t p, size_t size) { return null_alias - p < size; }

/* Out of address space (RLIMIT_AS): every whole free region of b (a clean
 * block of its merge order or above) goes back to the platform, so that
 * huge blocks may take its place: under ulimit -v 256 MiB a fill of 64 B
 * blocks, freed, left its regions reserved and a fill of 100,000-byte
 * blocks then got none. Returns the bytes released. */
static size_t drop_regions(mpa_backend_t *b) {
    size_t bytes = 0;
    mpa_backend_lock(b);
    for (unsigned o = b->merge_order; b->arena_end == 0 && o <= MPA_MAX_ORDER; o++) {
        for (void *p; (p = b->clean_head[o]) != NULL;) {
            list_unlink(&b->clean_head[o], p);
            /* every entry: no stale free-block head may pair with a
             * buddy reserved there later */
            mpa_pm_label(p, (size_t)1 << o, mpa_pm_plain(MPA_PM_UNKNOWN));
            mpa_pal_release(p, BLOCK_SIZE(o));
            b->reserved_bytes -= BLOCK_SIZE(o);
            bytes += BLOCK_SIZE(o);
        }
    }
    mpa_unlock(&b->lock);
    return bytes;
}

/* Address space for a huge block: `size` bytes aligned to `align` (at
 * least a chunk) in the window, its pagemap entries committed; not yet
 * counted as used. NULL when the platform refuses. */
static char *huge_reserve(mpa_backend_t *b, size_t size, size_t align) {
    size_t page = mpa_pal_page_size();
    align = align > MPA_CHUNK_SIZE ? align : MPA_CHUNK_SIZE;
    size_t span = size + align - page;
    if (span < size)
        return NULL;
    char *raw = os_reserve(span, false);
    if (raw == NULL && mpa_backend_release_in(b) > 0)
        raw = os_reserve(span, false); /* cached blocks merged: maybe the kernel finds room */
    if (raw == NULL && drop_regions(b) > 0)
        raw = os_reserve(span, false);
    if (raw != NULL && holds_null_alias((uintptr_t)raw, span)) {
        char *other = os_reserve(span, false); /* placed elsewhere while raw is held */
        mpa_pal_release(raw, span);
        raw = other;
        if (raw != NULL && holds_null_alias((uintptr_t)raw, span)) {
            mpa_pal_release(raw, span);
            raw = NULL;
        }
    }
    if (raw == NULL)
        return NULL;
    char *p = (char *)mpa_align_up((uintptr_t)raw, align);
    if (p > raw)
        mpa_pal_release(raw, (size_t)(p - raw));
    if (raw + span > p + size)
        mpa_pal_release(p + size, (size_t)(raw + span - (p + size)));
    if (pagemap_commit(p, size) != 0 && (free_commit(b), pagemap_commit(p, size) != 0)) {
        mpa_pal_release(p, size);
        return NULL;
    }
    return p;
}

void *mpa_backend_huge_alloc(mpa_backend_t *b, size_t size, size_t align) {
    char *p = huge_reserve(b, size, align);
    if (p == NULL)
        return NULL;
    if (!(mpa_pal_features() & MPA_PAL_LAZY_COMMIT) && mpa_pal_notify_using(p, size) != 0) {
        free_commit(b); /* then one more try */
        if (mpa_pal_notify_using(p, size) != 0) {
            mpa_pal_release(p, size);
            return NULL;
        }
    }
    mpa_backend_lock(b);
    b->used_bytes += size;
    b->reserved_bytes += size;
    huge_count(b, size, 1);
    mpa_unlock(&b->lock);
    return p;
}

/* True when the chunks [p, p + size) touches all have their own entries
 * (in the window) and none is the one NULL aliases. */
static bool chunks_ours(uintptr_t p, size_t size) {
    uintptr_t lo = p & ~(uintptr_t)(MPA_CHUNK_SIZE - 1);
    return in_window(lo, p + size - lo) && !holds_null_alias(lo, p + size - lo);
}

/* A huge block the platform moved (or grew) to [q, q + size) where the
 * pagemap cannot label it: moved again into the window, or back to p (where it was, `old`
 * bytes) when the window has no room for both: its growth is dropped, then
 * its pages go back piece by piece, each piece's place reserved first (never
 * over another mapping), so that only a piece's worth more address space is
 * needed at a time. Returns the new address, or NULL when it is back at p. */
static char *rehome(mpa_backend_t *b, char *q, size_t size, char *p, size_t old) {
    char *to = huge_reserve(b, size, MPA_CHUNK_SIZE);
    if (to != NULL && mpa_pal_remap(q, size, size, to, MPA_PAL_REMAP_ONTO) != NULL)
        return to;
    mpa_pal_release(q + old, size - old);
    if (q == p)
        return NULL; /* it had grown in place, out of the window */
    for (size_t off = 0, piece = size - old; off < old; off += piece) {
        size_t n = old - off < piece ? old - off : piece;
        if (mpa_pal_reserve_at(p + off, n) == NULL ||
            mpa_pal_remap(q + off, n, n, p + off, MPA_PAL_REMAP_ONTO) == NULL)
            mpa_pal_error("mpalloc: realloc: a huge block the OS moved out of the heap window "
                          "could not be moved back (its old place was taken)");
    }
    return NULL;
}

/* The entries of a live huge block that are not plain interior ones: its
 * head and its second (large.c keeps the mapped size there). */
typedef struct huge_labels {
    mpa_pm_entry_t head, second;
} huge_labels_t;

static huge_labels_t huge_labels_save(const char *p, size_t size) {
    huge_labels_t l = {*mpa_pm_entry(p), {0}};
    if (size > MPA_CHUNK_SIZE)
        l.second = *mpa_pm_entry(p + MPA_CHUNK_SIZE);
    return l;
}

/* Labels [p, p + size) as the live huge block it was again. */
static void huge_labels_restore(char *p, size_t size, const huge_labels_t *l) {
    if (size > MPA_CHUNK_SIZE) {
        mpa_pm_label(p + MPA_CHUNK_SIZE, CHUNKS_OF(size) - 1, mpa_pm_interior(p));
        *mpa_pm_entry(p + MPA_CHUNK_SIZE) = l->second;
    }
    mpa_pm_entry_t *head = mpa_pm_entry(p);
    head->large = l->head.large;
    mpa_pm_owner_store(head, l->head.owner);
}

void *mpa_backend_huge_grow(mpa_backend_t *b, void *p, size_t size, size_t grow) {
    if (!(mpa_pal_features() & (MPA_PAL_LAZY_COMMIT | MPA_PAL_SOFT_DECOMMIT)))
        return NULL; /* the grown part would need committing: the caller copies */
    char *q = NULL;
    if (chunks_ours((uintptr_t)p, grow))
        q = mpa_pal_remap(p, size, grow, NULL, MPA_PAL_REMAP_IN_PLACE);
    if (q == NULL) { /* moved where the platform finds room: only the growth counts */
        /* The old range reads as a freed huge block (as huge_free) before
         * the platform unmaps it: another thread may map and label it as
         * soon as it is gone. Put back when the block stays at p. */
        huge_labels_t was = huge_labels_save(p, size);
        mpa_pm_label(p, CHUNKS_OF(size), mpa_pm_plain(MPA_PM_UNKNOWN));
        mpa_pm_label(p, 1, mpa_pm_plain(mpa_pm_tag(MPA_PM_RELEASED, 0)));
        q = mpa_pal_remap(p, size, grow, NULL, MPA_PAL_REMAP_MOVE);
        if (q == NULL) {
            huge_labels_restore(p, size, &was);
            return NULL;
        }
        /* A huge block starts a chunk (its head entry is its own): the
         * platform places a moved one on a page, maybe in the unmapped
         * rest of another block's last chunk (blocks mapped to the page). */
        bool aligned = ((uintptr_t)q & (MPA_CHUNK_SIZE - 1)) == 0;
        if ((!aligned || !chunks_ours((uintptr_t)q, grow)) &&
            (q = rehome(b, q, grow, p, size)) == NULL) {
            huge_labels_restore(p, size, &was); /* back at p */
            return NULL;
        }
        if (q != p && pagemap_commit(q, grow) != 0) /* no-op: lazily committed platform */
            mpa_pal_error("mpalloc: realloc: pagemap entries could not be committed");
    }
    mpa_backend_lock(b);
    b->used_bytes += grow - size;
    b->reserved_bytes += grow - size;
    huge_count(b, grow - size, 0);
    mpa_unlock(&b->lock);
    return q;
}

void mpa_backend_huge_shrink(mpa_backend_t *b, void *p, size_t size, size_t keep) {
    char *tail = (char *)p + keep;
    /* the chunks past the one holding the last kept byte (a block mapped
     * to the page ends inside its last chunk) */
    mpa_pm_label((char *)p + mpa_align_up(keep, MPA_CHUNK_SIZE), CHUNKS_OF(size) - CHUNKS_OF(keep),
                 mpa_pm_plain(MPA_PM_UNKNOWN));
    /* A freed block's head says so (a second free is then told apart from
     * a foreign pointer; the tag is no free-block tag: buddies never merge
     * with it). Every label is written before the range goes back: after,
     * another thread may map it and label its own block there (a head
     * written RELEASED after the unmap made that thread's next free of its
     * live block a "double free": 6 threads of large mallocs, reallocs and
     * frees under ulimit -v 1 GiB). */
    if (keep == 0)
        mpa_pm_label(p, 1, mpa_pm_plain(mpa_pm_tag(MPA_PM_RELEASED, 0)));
    mpa_pal_release(tail, size - keep);
    mpa_backend_lock(b);
    b->used_bytes -= size - keep;
    b->reserved_bytes -= size - keep;
    huge_count(b, -(size - keep), keep == 0 ? -1 : 0);
    mpa_unlock(&b->lock);
}

void mpa_backend_huge_free(mpa_backend_t *b, void *p, size_t size) {
    mpa_backend_huge_shrink(b, p, size, 0);
}

/* ---- returning part of a block ---- */

void mpa_backend_free_chunks_in(mpa_backend_t *b, void *p, size_t from, size_t to, bool clean) {
    while (from < to) {
        unsigned o = from ? (unsigned)__builtin_ctzll(from) : MPA_MAX_ORDER;
        while (from + ((size_t)1 << o) > to)
            o--;
        char *at = (char *)p + (from << MPA_CHUNK_BITS);
        if (clean) {
            unsigned cs = decommit(at, o);
            mpa_backend_lock(b);
            b->used_bytes -= BLOCK_SIZE(o);
            clean_insert(b, at, o, cs);
            mpa_unlock(&b->lock);
        } else {
            mpa_backend_free_in(b, at, o);
        }
        from += (size_t)1 << o;
    }
}

/* ---- a backend confined to one block of another (an mspace's heap) ---- */

/* Everything but the lock, which is taken, never overwritten: a pooled
 * mspace record stays on fork's list, so fork may hold this lock meanwhile
 * (a lock word stored 0 under fork was then released by it, to 2, and
 * stuck). The lock is the first member (checked below). */
void mpa_backend_init_in(mpa_backend_t *b, void *base, unsigned order) {
    const size_t from = offsetof(mpa_backend_t, lock) + sizeof b->lock;
    mpa_backend_t fresh = {.merge_order = order, .page_mapped_min = SIZE_MAX};
    fresh.arena_next = (uintptr_t)base;
    fresh.arena_end = (uintptr_t)base + BLOCK_SIZE(order);
    atomic_init(&fresh.epoch_ms, mpa_pal_time_ms());
    mpa_lock(&b->lock);
    __builtin_memcpy((char *)b + from, (const char *)&fresh + from, sizeof *b - from);
    mpa_unlock(&b->lock);
}
_Static_assert(offsetof(mpa_backend_t, lock) == 0, "mpa_backend_init_in copies what follows lock");

/* Bytes of b's arena that may carry pagemap labels: the part handed out. */
size_t mpa_backend_arena_used(mpa_backend_t *b) {
    return b->arena_end ? (size_t)(b->arena_next - (b->arena_end - BLOCK_SIZE(b->merge_order))) : 0;
}

void *mpa_backend_alloc(unsigned order, bool *zeroed) {
    return mpa_backend_alloc_in(&mpa_backend_global, order, zeroed);
}
void mpa_backend_free(void *p, unsigned order) {
    mpa_backend_free_in(&mpa_backend_global, p, order);
}
void mpa_backend_tick(void) {
    atomic_fetch_add_explicit(&mpa_backend_global.decay_checks, 1, memory_order_relaxed);
    mpa_backend_tick_in(&mpa_backend_global);
}

void mpa_backend_free_clean(void *p, unsigned order) {
    mpa_backend_t *b = &mpa_backend_global;
    unsigned cs = decommit(p, order); /* an arena: committed only where used */
    mpa_backend_lock(b);
    b->used_bytes -= BLOCK_SIZE(order);
    clean_insert(b, p, order, soft && cs == CS_COMMITTED ? CS_MIXED : cs);
    mpa_unlock(&b->lock);
}
size_t mpa_backend_committed(void) { return mpa_backend_committed_in(&mpa_backend_global); }
size_t mpa_backend_dirty(void) { return mpa_backend_dirty_in(&mpa_backend_global); }
