/* Backend: buddy allocator over reservations from the platform, the
 * dirty-block cache with two-generation decay, the two-level pagemap's
 * leaves (reserved as the heap reaches new spans), and the metadata bump
 * area. Reservations are sized to the address-space limit (RLIMIT_AS):
 * MPA_REGION_SIZE where there is room, smaller under a tight limit, and just
 * what a request needs when even that is refused.
 * Free-list links live in pagemap entries, never in the (decommitted) blocks. */
#include "backend.h"

/* The entries of every span the heap never used: read, never written. */
static mpa_pm_entry_t zero_leaf[MPA_PM_LEAF_ENTRIES] __attribute__((aligned(4096)));

/* Span 0 (addresses below 4 GiB, NULL among them) is looked up correctly
 * even before the heap starts; mpa_backend_init sets the other words. */
uintptr_t mpa_pm_root[MPA_PM_ROOT_SIZE] = {(uintptr_t)zero_leaf};

/* Guards leaf creation (root words); innermost lock, taken under a backend's. */
static mpa_lock_t leaf_lock = MPA_LOCK_INIT;

mpa_backend_t mpa_backend_global = {.lock = MPA_LOCK_INIT, .merge_order = MPA_REGION_ORDER};

static char *meta_next, *meta_end; /* metadata bump area (global backend only) */

#define BLOCK_SIZE(order) (MPA_CHUNK_SIZE << (order))

/* ---- intrusive doubly linked lists through pagemap entries ---- */

static void list_push(void **head, void *p, uintptr_t tag) {
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    mpa_pm_owner_store(e, tag);
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

#define LEAF_BYTES (MPA_PM_LEAF_ENTRIES * sizeof(mpa_pm_entry_t))
#define SPAN_SIZE  ((uintptr_t)1 << MPA_PM_LEAF_BITS)

/* The root word of span i when its leaf starts at `leaf`. */
static uintptr_t root_word(uintptr_t leaf, size_t i) {
    return leaf - i * MPA_PM_LEAF_ENTRIES * sizeof(mpa_pm_entry_t);
}

static bool has_leaf(size_t i) {
    return __atomic_load_n(&mpa_pm_root[i], __ATOMIC_ACQUIRE) != root_word((uintptr_t)zero_leaf, i);
}

/* Gives every span of [p, p + size) its own leaf; false when the platform
 * refuses the address space (leaves already made stay: they are reused). */
static bool leaves_ensure(uintptr_t p, size_t size) {
    bool ok = true;
    mpa_lock(&leaf_lock);
    for (size_t i = p >> MPA_PM_LEAF_BITS; i <= (p + size - 1) >> MPA_PM_LEAF_BITS && ok; i++) {
        if (has_leaf(i))
            continue;
        void *leaf = mpa_pal_reserve(mpa_align_up(LEAF_BYTES, mpa_pal_page_size()));
        if (leaf == NULL) {
            ok = false;
            break;
        }
        mpa_pal_notify_using_readonly(leaf, LEAF_BYTES);
        __atomic_store_n(&mpa_pm_root[i], root_word((uintptr_t)leaf, i), __ATOMIC_RELEASE);
    }
    mpa_unlock(&leaf_lock);
    return ok;
}

/* Commits the pagemap entries of [p, p + size) where the platform needs it,
 * span by span (a leaf's entries are contiguous, leaves are not). */
static int pagemap_commit(void *p, size_t size) {
    if (mpa_pal_features() & MPA_PAL_LAZY_COMMIT)
        return 0;
    size_t page = mpa_pal_page_size();
    for (uintptr_t at = (uintptr_t)p, end = (uintptr_t)p + size; at < end;) {
        uintptr_t stop = (at | (SPAN_SIZE - 1)) + 1;
        stop = stop < end ? stop : end;
        uintptr_t lo = (uintptr_t)mpa_pm_entry((void *)at) & ~(page - 1);
        uintptr_t hi = mpa_align_up(
            (uintptr_t)mpa_pm_entry((void *)(stop - 1)) + sizeof(mpa_pm_entry_t), page);
        if (mpa_pal_notify_using((void *)lo, hi - lo) != 0)
            return -1;
        at = stop;
    }
    return 0;
}

static void *reserve(mpa_backend_t *b, unsigned order) {
    size_t size = BLOCK_SIZE(order);
    void *p;
    if (b->arena_end == 0) {
        p = mpa_pal_reserve_aligned(size);
        if (p != NULL && !leaves_ensure((uintptr_t)p, size)) {
            mpa_pal_release(p, size);
            return NULL;
        }
    } else {
        uintptr_t at = mpa_align_up(b->arena_next, size);
        if (at + size > b->arena_end || at + size < at)
            return NULL;
        b->arena_next = at + size;
        p = (void *)at;
    }
    if (p != NULL && pagemap_commit(p, size) != 0)
        return NULL; /* the address range is lost to this heap; rare and bounded */
    return p;
}

static void clean_insert(mpa_backend_t *b, void *p, unsigned order) {
    /* Merge with free buddies, but never beyond a region's own size. */
    while (order < b->merge_order) {
        void *buddy = (void *)((uintptr_t)p ^ BLOCK_SIZE(order));
        mpa_pm_entry_t *e = mpa_pm_entry(buddy);
        if (mpa_pm_owner_load(e) != mpa_pm_tag(MPA_PM_FREE, order))
            break;
        list_unlink(&b->clean_head[order], buddy);
        e->owner = mpa_pm_tag(MPA_PM_RESERVED, 0);
        if (buddy < p)
            p = buddy;
        order++;
    }
    list_push(&b->clean_head[order], p, mpa_pm_tag(MPA_PM_FREE, order));
}

static void *clean_take(mpa_backend_t *b, unsigned order) {
    unsigned j = order;
    while (j <= MPA_MAX_ORDER && b->clean_head[j] == NULL)
        j++;
    if (j > MPA_MAX_ORDER) {
        /* A whole region if the platform grants it; where address space is
         * tight (RLIMIT_AS, a small arena), just what this request needs. */
        j = order > b->merge_order ? order : b->merge_order;
        void *fresh;
        while ((fresh = reserve(b, j)) == NULL && j > order)
            j--;
        if (fresh == NULL)
            return NULL;
        list_push(&b->clean_head[j], fresh, mpa_pm_tag(MPA_PM_FREE, j));
    }
    void *p = list_pop(&b->clean_head[j]);
    while (j > order) {
        j--;
        list_push(&b->clean_head[j], (char *)p + BLOCK_SIZE(j), mpa_pm_tag(MPA_PM_FREE, j));
    }
    return p;
}

/* ---- dirty blocks: kept committed, merged with dirty buddies so that a
 * later decommit is one call for a large range (madvise is costly) ---- */

static void dirty_push(mpa_backend_t *b, void *p, unsigned order, unsigned gen) {
    list_push(&b->dirty_head[gen][order], p, mpa_pm_tag(MPA_PM_DIRTY, order));
    mpa_pm_entry(p)->cls = gen;
    b->dirty_bytes += BLOCK_SIZE(order);
}

static void dirty_unlink(mpa_backend_t *b, void *p, unsigned order) {
    list_unlink(&b->dirty_head[mpa_pm_entry(p)->cls][order], p);
    mpa_pm_entry(p)->owner = mpa_pm_tag(MPA_PM_RESERVED, order);
    b->dirty_bytes -= BLOCK_SIZE(order);
}

/* Adds p to the b->young generation, merged with its dirty buddies. */
static void dirty_insert(mpa_backend_t *b, void *p, unsigned order) {
    while (order < b->merge_order) {
        void *buddy = (void *)((uintptr_t)p ^ BLOCK_SIZE(order));
        if (mpa_pm_owner_load(mpa_pm_entry(buddy)) != mpa_pm_tag(MPA_PM_DIRTY, order))
            break;
        dirty_unlink(b, buddy, order);
        if (buddy < p)
            p = buddy;
        order++;
    }
    dirty_push(b, p, order, b->young);
}

/* A dirty block of exactly `order`, split from a larger one if need be. */
static void *dirty_take(mpa_backend_t *b, unsigned order) {
    for (unsigned j = order; j <= b->merge_order; j++) {
        for (unsigned g = 0; g < 2; g++) {
            void *p = b->dirty_head[b->young ^ g][j];
            if (p == NULL)
                continue;
            unsigned gen = b->young ^ g;
            dirty_unlink(b, p, j);
            while (j > order) {
                j--;
                dirty_push(b, (char *)p + BLOCK_SIZE(j), j, gen);
            }
            return p;
        }
    }
    return NULL;
}

/* ---- decay: dirty blocks of the old generation are decommitted ---- */

/* Moves the old generation onto a private list; the caller decommits it
 * outside the lock. Returns the list (linked through entries' meta). */
static void *turn_generations(mpa_backend_t *b) {
    unsigned old = b->young ^ 1;
    void *out = NULL;
    for (unsigned o = 0; o <= MPA_MAX_ORDER; o++) {
        void *p;
        while ((p = b->dirty_head[old][o]) != NULL) {
            dirty_unlink(b, p, o);
            mpa_pm_entry_t *e = mpa_pm_entry(p);
            e->meta = out;
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
                mpa_pm_entry(p)->meta = out;
                out = p;
            }
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
                mpa_pm_entry(p)->meta = out;
                out = p;
            }
        }
    }
    return out;
}

/* Decommits a list of blocks (linked through entries' meta) with no lock
 * held, then files them all as clean in one acquisition. */
static void decommit_list(mpa_backend_t *b, void *list) {
    if (list == NULL)
        return;
    for (void *p = list; p != NULL; p = mpa_pm_entry(p)->meta)
        mpa_pal_notify_not_using(p, BLOCK_SIZE(mpa_pm_order(mpa_pm_entry(p))));
    mpa_backend_lock(b);
    for (void *p = list; p != NULL;) {
        mpa_pm_entry_t *e = mpa_pm_entry(p);
        void *next = e->meta;
        clean_insert(b, p, mpa_pm_order(e));
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
    atomic_fetch_add_explicit(&b->decay_checks, 1, memory_order_relaxed);
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

/* Under b's lock: a block of `order`, dirty first; *clean when it was not. */
static void *take_locked(mpa_backend_t *b, unsigned order, bool *clean) {
    void *p = dirty_take(b, order);
    *clean = p == NULL;
    if (*clean)
        p = clean_take(b, order);
    if (p == NULL && b->dirty_bytes > 0) {
        /* Out of address space: cached blocks, decommitted, merge with their
         * clean buddies into blocks large enough. */
        mpa_unlock(&b->lock);
        mpa_backend_release_in(b);
        mpa_backend_lock(b);
        p = clean_take(b, order);
    }
    if (p != NULL) {
        b->used_bytes += BLOCK_SIZE(order);
        mpa_pm_owner_store(mpa_pm_entry(p), mpa_pm_tag(MPA_PM_RESERVED, order));
    }
    return p;
}

/* Outside the lock: commits a clean block where the PAL needs it; on
 * failure gives it back and returns false. */
static bool commit_clean(mpa_backend_t *b, void *p, unsigned order) {
    if ((mpa_pal_features() & MPA_PAL_LAZY_COMMIT) ||
        mpa_pal_notify_using(p, BLOCK_SIZE(order)) == 0)
        return true;
    mpa_backend_lock(b); /* no memory behind it: give the block back */
    b->used_bytes -= BLOCK_SIZE(order);
    clean_insert(b, p, order);
    mpa_unlock(&b->lock);
    return false;
}

void *mpa_backend_alloc_in(mpa_backend_t *b, unsigned order, bool *zeroed) {
    uintptr_t block;
    if (mpa_backend_alloc_batch(b, order, &block, 1) == 0)
        return NULL;
    *zeroed = (block & 1) != 0;
    return (void *)(block & ~(uintptr_t)1);
}

size_t mpa_backend_alloc_batch(mpa_backend_t *b, unsigned order, uintptr_t *out, size_t n) {
    if (order > MPA_MAX_ORDER)
        return 0;
    size_t got = 0;
    bool clean;
    mpa_backend_lock(b);
    for (void *p; got < n && (p = take_locked(b, order, &clean)) != NULL; got++)
        out[got] = (uintptr_t)p | (clean ? 1 : 0);
    mpa_unlock(&b->lock);
    bool zero_clean = (mpa_pal_features() & MPA_PAL_ZERO_ON_DECOMMIT) != 0;
    size_t kept = 0;
    for (size_t i = 0; i < got; i++) {
        void *p = (void *)(out[i] & ~(uintptr_t)1);
        if (!(out[i] & 1))
            out[kept++] = (uintptr_t)p;
        else if (commit_clean(b, p, order))
            out[kept++] = (uintptr_t)p | (zero_clean ? 1 : 0);
    }
    return kept;
}

/* Under b's lock: files p as dirty (or, with no cache, queues it for
 * decommit on *list); returns the list of blocks to decommit. */
static void *put_locked(mpa_backend_t *b, void *p, unsigned order, void *list) {
    b->used_bytes -= BLOCK_SIZE(order);
    if (MPA_DECAY_MS == 0) { /* no cache: decommit every block at once */
        mpa_pm_entry(p)->owner = mpa_pm_tag(MPA_PM_RESERVED, order);
        mpa_pm_entry(p)->meta = list;
        return p;
    }
    dirty_insert(b, p, order);
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
        list = put_locked(b, (void *)(blocks[i] & ~(uintptr_t)1), order, list);
    if (MPA_DECAY_MS != 0 && b->dirty_bytes > MPA_DIRTY_MAX)
        list = shrink_dirty(b);
    mpa_unlock(&b->lock);
    decommit_list(b, list);
}

void mpa_pm_label(void *p, size_t chunks, uintptr_t owner, void *meta, unsigned cls) {
    for (size_t i = 0; i < chunks; i++) {
        mpa_pm_entry_t *e = mpa_pm_entry((char *)p + (i << MPA_CHUNK_BITS));
        mpa_pm_owner_store(e, owner);
        e->meta = meta;
        e->cls = cls;
    }
}

void *mpa_meta_alloc(size_t size, size_t align) {
    mpa_backend_t *b = &mpa_backend_global;
    mpa_backend_lock(b);
    char *at = (char *)mpa_align_up((uintptr_t)meta_next, align);
    if (meta_next == NULL || at + size > meta_end) {
        unsigned order = mpa_ceil_log2((size + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS);
        if (order < 2)
            order = 2;
        char *block = clean_take(b, order);
        if (block == NULL) {
            mpa_unlock(&b->lock);
            return NULL;
        }
        if (!(mpa_pal_features() & MPA_PAL_LAZY_COMMIT) &&
            mpa_pal_notify_using(block, BLOCK_SIZE(order)) != 0) {
            clean_insert(b, block, order);
            mpa_unlock(&b->lock);
            return NULL;
        }
        b->used_bytes += BLOCK_SIZE(order);
        mpa_pm_label(block, (size_t)1 << order, mpa_pm_tag(MPA_PM_RESERVED, 0), NULL, 0);
        meta_next = block;
        meta_end = block + BLOCK_SIZE(order);
        at = block;
    }
    meta_next = at + size;
    mpa_unlock(&b->lock);
    return at;
}

/* Region order for an address-space limit: a sixteenth of it, so that a
 * few regions, the pagemap leaves and the program's own mappings fit. */
static unsigned region_order(size_t limit) {
    unsigned order = MPA_REGION_ORDER;
    unsigned min = MPA_MAX_SMALL_BITS + 6 - MPA_CHUNK_BITS; /* the largest slab */
    while (order > min && (MPA_CHUNK_SIZE << order) > limit / 16)
        order--;
    return order;
}

bool mpa_backend_init(void) {
    mpa_backend_t *b = &mpa_backend_global;
    uintptr_t lo;
    size_t size;
    mpa_pal_heap_range(&lo, &size);
    if ((lo + size - 1) >> MPA_PM_ADDRESS_BITS != 0)
        return false; /* the root covers user space only */
    for (size_t i = 1; i < MPA_PM_ROOT_SIZE; i++)
        mpa_pm_root[i] = root_word((uintptr_t)zero_leaf, i);
    size_t limit = mpa_pal_address_space_limit();
    b->merge_order = region_order(limit);
    b->trim = limit != SIZE_MAX;
    /* Under a limit, objects above 1/256 of it are mapped alone, to the chunk. */
    b->huge_order = b->merge_order;
    while (b->trim && b->huge_order > 0 && (MPA_CHUNK_SIZE << b->huge_order) > limit / 256)
        b->huge_order--;
    b->epoch_ms = mpa_pal_time_ms();
    return true;
}

size_t mpa_backend_committed_in(mpa_backend_t *b) {
    mpa_backend_lock(b);
    size_t v = b->used_bytes + b->dirty_bytes;
    mpa_unlock(&b->lock);
    return v;
}

size_t mpa_backend_dirty_in(mpa_backend_t *b) {
    mpa_backend_lock(b);
    size_t v = b->dirty_bytes;
    mpa_unlock(&b->lock);
    return v;
}

void mpa_backend_fork(mpa_fork_stage_t stage) {
    mpa_lock_fork(&mpa_backend_global.lock, stage);
    mpa_lock_fork(&leaf_lock, stage);
}

/* ---- huge blocks: larger than a region, mapped and unmapped on their own,
 * sized to the request rather than to a power of two (address space counts
 * under RLIMIT_AS), never cached ---- */

bool mpa_backend_is_huge(const mpa_backend_t *b, unsigned order) {
    return b->arena_end == 0 && order > b->huge_order;
}

void *mpa_backend_huge_alloc(mpa_backend_t *b, size_t size, size_t align) {
    size_t page = mpa_pal_page_size();
    align = align > MPA_CHUNK_SIZE ? align : MPA_CHUNK_SIZE;
    size_t span = size + align - page;
    if (span < size)
        return NULL;
    char *raw = mpa_pal_reserve(span);
    if (raw == NULL && mpa_backend_release_in(b) > 0)
        raw = mpa_pal_reserve(span); /* cached blocks merged: maybe the kernel finds room */
    if (raw == NULL)
        return NULL;
    char *p = (char *)mpa_align_up((uintptr_t)raw, align);
    if (p > raw)
        mpa_pal_release(raw, (size_t)(p - raw));
    if (raw + span > p + size)
        mpa_pal_release(p + size, (size_t)(raw + span - (p + size)));
    if (!leaves_ensure((uintptr_t)p, size) || pagemap_commit(p, size) != 0 ||
        (!(mpa_pal_features() & MPA_PAL_LAZY_COMMIT) && mpa_pal_notify_using(p, size) != 0)) {
        mpa_pal_release(p, size);
        return NULL;
    }
    mpa_backend_lock(b);
    b->used_bytes += size;
    mpa_unlock(&b->lock);
    return p;
}

void mpa_backend_huge_shrink(mpa_backend_t *b, void *p, size_t size, size_t keep) {
    char *tail = (char *)p + keep;
    mpa_pm_label(tail, (size - keep) >> MPA_CHUNK_BITS, MPA_PM_UNKNOWN, NULL, 0);
    mpa_pal_release(tail, size - keep);
    mpa_backend_lock(b);
    b->used_bytes -= size - keep;
    mpa_unlock(&b->lock);
}

void mpa_backend_huge_free(mpa_backend_t *b, void *p, size_t size) {
    mpa_backend_huge_shrink(b, p, size, 0);
    /* A second free is then told apart from a foreign pointer (the tag
     * is no free-block tag: buddies never merge with it). */
    mpa_pm_label(p, 1, mpa_pm_tag(MPA_PM_RELEASED, 0), NULL, 0);
}

/* ---- returning part of a block ---- */

void mpa_backend_free_chunks_in(mpa_backend_t *b, void *p, size_t from, size_t to, bool clean) {
    while (from < to) {
        unsigned o = from ? (unsigned)__builtin_ctzll(from) : MPA_MAX_ORDER;
        while (from + ((size_t)1 << o) > to)
            o--;
        char *at = (char *)p + (from << MPA_CHUNK_BITS);
        if (clean) {
            mpa_pal_notify_not_using(at, BLOCK_SIZE(o));
            mpa_backend_lock(b);
            b->used_bytes -= BLOCK_SIZE(o);
            clean_insert(b, at, o);
            mpa_unlock(&b->lock);
        } else {
            mpa_backend_free_in(b, at, o);
        }
        from += (size_t)1 << o;
    }
}

/* ---- a backend confined to one block of another (an mspace's heap) ---- */

void mpa_backend_init_in(mpa_backend_t *b, void *base, unsigned order) {
    *b = (mpa_backend_t){.lock = MPA_LOCK_INIT, .merge_order = order};
    b->arena_next = (uintptr_t)base;
    b->arena_end = (uintptr_t)base + BLOCK_SIZE(order);
    atomic_store(&b->epoch_ms, mpa_pal_time_ms());
}

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
void mpa_backend_tick(void) { mpa_backend_tick_in(&mpa_backend_global); }

void mpa_backend_free_clean(void *p, unsigned order) {
    mpa_backend_t *b = &mpa_backend_global;
    mpa_pal_notify_not_using(p, BLOCK_SIZE(order));
    mpa_backend_lock(b);
    b->used_bytes -= BLOCK_SIZE(order);
    clean_insert(b, p, order);
    mpa_unlock(&b->lock);
}
size_t mpa_backend_committed(void) { return mpa_backend_committed_in(&mpa_backend_global); }
size_t mpa_backend_dirty(void) { return mpa_backend_dirty_in(&mpa_backend_global); }
