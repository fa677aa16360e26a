/* The backend and the pagemap (allocator/src/backend.h, pagemap.h), seen
 * through their headers: blocks aligned to their size and disjoint, head
 * entries and labels, the dirty cache (reuse, then decay to decommitted
 * pages), buddy coalescing up to a region, and entries of memory the heap
 * never handed out. Each test runs in its own process with the heap started. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "mpalloc.h"
#include "sizeclass.h"

#define BLOCK(order) (MPA_CHUNK_SIZE << (order))

/* Starts the heap: the first malloc sets up size classes and the backend. */
static void heap_start(void) { mpa_free(mpa_malloc(1)); }

TestSuite(backend, .init = heap_start);

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Ticks until every dirty block has decayed; false on timeout. */
static bool drain_dirty(void) {
    for (int waited = 0; waited < 4 * MPA_DECAY_MS + 2000; waited += 10) {
        mpa_backend_tick();
        if (mpa_backend_dirty() == 0)
            return true;
        sleep_ms(10);
    }
    return false;
}

static void *alloc_block(unsigned order) {
    bool zeroed = false;
    void *p = mpa_backend_alloc(order, &zeroed);
    cr_assert_not_null(p, "order %u", order);
    return p;
}

/* ---- alignment, disjointness, head entries ---- */

#define NORDERS   9
#define PER_ORDER 4

typedef struct {
    char *p;
    size_t size;
} span_t;

static int span_cmp(const void *a, const void *b) {
    const span_t *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p;
}

static void check_fresh_block(char *p, unsigned order, bool zeroed) {
    cr_assert_eq((uintptr_t)p % BLOCK(order), 0, "order %u block %p misaligned", order, p);
    cr_assert(mpa_pm_covers(p) && mpa_pm_covers(p + BLOCK(order) - 1));
    const mpa_pm_entry_t *e = mpa_pm_entry(p);
    cr_assert(!mpa_pm_is_small(e));
    cr_assert_eq(mpa_pm_kind(e), MPA_PM_RESERVED, "head of %p reads kind %u", p, mpa_pm_kind(e));
    cr_assert_eq(mpa_pm_order(e), order);
    for (size_t off = 0; zeroed && off < BLOCK(order); off += MPA_PAGE_SIZE)
        cr_assert_eq(*(volatile long *)(p + off), 0, "block %p said zeroed, byte %zu is not", p,
                     off);
    p[0] = 1; /* usable from end to end */
    p[BLOCK(order) - 1] = 1;
}

Test(backend, blocks_aligned_and_disjoint) {
    span_t s[NORDERS * PER_ORDER];
    size_t n = 0;
    for (unsigned order = 0; order < NORDERS; order++)
        for (int i = 0; i < PER_ORDER; i++, n++) {
            bool zeroed = false;
            s[n].p = mpa_backend_alloc(order, &zeroed);
            s[n].size = BLOCK(order);
            cr_assert_not_null(s[n].p);
            check_fresh_block(s[n].p, order, zeroed);
        }
    qsort(s, n, sizeof s[0], span_cmp);
    for (size_t i = 1; i < n; i++)
        cr_assert_leq(s[i - 1].p + s[i - 1].size, s[i].p, "blocks %p and %p overlap", s[i - 1].p,
                      s[i].p);
    for (size_t i = 0; i < n; i++)
        mpa_backend_free(s[i].p, mpa_ceil_log2(s[i].size >> MPA_CHUNK_BITS));
}

Test(backend, too_large_order_refused) {
    bool zeroed;
    cr_assert_null(mpa_backend_alloc(MPA_MAX_ORDER + 1, &zeroed));
}

/* ---- labels ---- */

Test(backend, label_every_chunk) {
    unsigned order = 3;
    char *p = alloc_block(order);
    size_t chunks = (size_t)1 << order;
    mpa_pm_label(p, chunks, mpa_pm_small(0x12345678, (struct mpa_slab *)p, p, 7));
    for (size_t i = 0; i < chunks; i++) {
        const mpa_pm_entry_t *e = mpa_pm_entry(p + i * MPA_CHUNK_SIZE + MPA_CHUNK_SIZE / 2);
        cr_assert(mpa_pm_is_small(e), "chunk %zu", i);
        cr_assert_eq(e->owner, 0x12345678, "chunk %zu", i);
        cr_assert_eq((void *)e->small.slab, p, "chunk %zu", i);
        cr_assert_eq(e->small.cls, 7, "chunk %zu", i);
    }
    mpa_pm_label(p, chunks, mpa_pm_interior(p));
    for (size_t i = 0; i < chunks; i++) {
        const mpa_pm_entry_t *e = mpa_pm_entry(p + i * MPA_CHUNK_SIZE + MPA_CHUNK_SIZE / 2);
        cr_assert_eq(mpa_pm_kind(e), MPA_PM_LARGE_INTERIOR, "chunk %zu", i);
        cr_assert_eq(e->large.base, p, "chunk %zu", i);
        cr_assert_eq(e->large.usable, 0, "chunk %zu: no field of the small label left", i);
        cr_assert_null(e->large.backend, "chunk %zu: no field of the small label left", i);
    }
    /* Hand the block back as the contract asks: no stale labels. */
    mpa_pm_label(p, chunks, mpa_pm_plain(mpa_pm_tag(MPA_PM_RESERVED, 0)));
    mpa_backend_free(p, order);
}

/* What malloc writes: small objects carry their class, large ones a head
 * and interior entries pointing back at it. */
Test(backend, malloc_labels) {
    char *small = mpa_malloc(100);
    const mpa_pm_entry_t *e = mpa_pm_entry(small);
    cr_assert(mpa_pm_covers(small) && mpa_pm_is_small(e));
    cr_assert_eq(e->small.cls, mpa_size_to_class(100));
    size_t big = MPA_MAX_SMALL * 4 + 1;
    char *large = mpa_malloc(big);
    cr_assert_eq((uintptr_t)large % MPA_CHUNK_SIZE, 0);
    e = mpa_pm_entry(large);
    cr_assert(mpa_pm_covers(large) && !mpa_pm_is_small(e));
    cr_assert_eq(mpa_pm_kind(e), MPA_PM_LARGE);
    cr_assert_eq(e->large.base, large);
    cr_assert_geq(e->large.usable, big);
    cr_assert_eq(e->large.backend, &mpa_backend_global, "large objects name their backend");
    const mpa_pm_entry_t *last = mpa_pm_entry(large + big - 1);
    cr_assert_eq(mpa_pm_kind(last), MPA_PM_LARGE_INTERIOR);
    cr_assert_eq(last->large.base, large);
    mpa_free(large);
    mpa_free(small);
}

/* ---- memory the heap never handed out ---- */

static int a_static;

static void check_unknown(const void *p) {
    if (!mpa_pm_covers(p))
        return; /* confined mode: the pagemap does not reach it at all */
    const mpa_pm_entry_t *e = mpa_pm_entry(p);
    cr_assert(!mpa_pm_is_small(e), "%p reads as a small object", p);
    cr_assert_eq(mpa_pm_kind(e), MPA_PM_UNKNOWN, "%p reads kind %u", p, mpa_pm_kind(e));
}

Test(backend, unknown_memory) {
    int on_stack = 0;
    check_unknown(&on_stack);
    check_unknown(&a_static);
    void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(m, MAP_FAILED);
    check_unknown(m);
    munmap(m, 1 << 20);
}

/* ---- the dirty cache ---- */

/* A freed block is kept committed and comes back on the next request of
 * its order. */
Test(backend, dirty_block_reused) {
    if (MPA_DECAY_MS == 0 || MPA_DIRTY_MAX < BLOCK(2))
        cr_skip_test("this build keeps no dirty blocks");
    cr_assert(drain_dirty());
    for (unsigned order = 0; order <= 2; order++) {
        char *p = alloc_block(order);
        p[0] = 42;
        size_t committed = mpa_backend_committed();
        mpa_backend_free(p, order);
        const mpa_pm_entry_t *e = mpa_pm_entry(p);
        cr_assert_eq(mpa_pm_kind(e), MPA_PM_DIRTY, "order %u: freed head reads %u", order,
                     mpa_pm_kind(e));
        cr_assert_eq(mpa_pm_order(e), order);
        cr_assert_eq(mpa_backend_dirty(), BLOCK(order));
        cr_assert_eq(mpa_backend_committed(), committed, "a dirty block stays committed");
        bool zeroed = true;
        char *q = mpa_backend_alloc(order, &zeroed);
        cr_assert_eq(q, p, "order %u: dirty block %p not reused (got %p)", order, p, q);
        cr_assert(!zeroed, "a reused dirty block is not known to be zero");
        mpa_backend_free(q, order);
        cr_assert(drain_dirty());
    }
}

/* Pages of p that are resident now. */
static size_t resident_pages(void *p, size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = size / page, in = 0;
    unsigned char vec[BLOCK(2) / 4096];
    cr_assert_leq(n, sizeof vec);
    cr_assert_eq(mincore(p, size, vec), 0);
    for (size_t i = 0; i < n; i++)
        in += vec[i] & 1;
    return in;
}

#define DECAY_BLOCKS 64

/* After MPA_DECAY_MS, freed blocks are decommitted: the dirty count drops
 * to zero, committed bytes fall by what was freed, the pages leave RSS. */
Test(backend, dirty_blocks_decay) {
    unsigned order = 2;
    char *b[DECAY_BLOCKS];
    cr_assert(drain_dirty());
    for (int i = 0; i < DECAY_BLOCKS; i++) {
        b[i] = alloc_block(order);
        memset(b[i], 0xab, BLOCK(order));
    }
    cr_assert_eq(resident_pages(b[0], BLOCK(order)), BLOCK(order) / 4096);
    size_t peak = mpa_backend_committed();
    for (int i = 0; i < DECAY_BLOCKS; i++)
        mpa_backend_free(b[i], order);
    cr_assert(drain_dirty(), "dirty bytes still %zu after the decay time", mpa_backend_dirty());
    size_t after = mpa_backend_committed();
    cr_assert_leq(after, peak - DECAY_BLOCKS * BLOCK(order), "committed %zu -> %zu", peak, after);
    /* The idle purger may be the one decommitting them: the dirty count
     * drops when it takes them, the pages a moment later. */
    for (int i = 0; i < DECAY_BLOCKS; i++) {
        for (int waited = 0; waited < 1000 && resident_pages(b[i], BLOCK(order)) != 0; waited += 10)
            sleep_ms(10);
        cr_assert_eq(resident_pages(b[i], BLOCK(order)), 0, "block %d still resident", i);
    }
}

/* ---- buddy coalescing ---- */

#define QUARTER (MPA_REGION_ORDER - 2)

/* Allocates QUARTER blocks until one region is wholly held by them; stores
 * its four quarters in q[] and frees the other blocks. */
static void hold_region(char *q[4]) {
    char *got[16];
    int n = 0, found = 0;
    for (; n < 16 && !found; n++) {
        got[n] = alloc_block(QUARTER);
        uintptr_t base = (uintptr_t)got[n] & ~(MPA_REGION_SIZE - 1);
        int have = 0;
        for (int i = 0; i <= n; i++)
            if (((uintptr_t)got[i] & ~(MPA_REGION_SIZE - 1)) == base)
                q[((uintptr_t)got[i] - base) / BLOCK(QUARTER)] = got[i], have++;
        found = have == 4;
    }
    cr_assert(found, "no region filled by 16 blocks of order %u", QUARTER);
    for (int i = 0; i < n; i++)
        if (((uintptr_t)got[i] & ~(MPA_REGION_SIZE - 1)) != (uintptr_t)q[0])
            mpa_backend_free(got[i], QUARTER);
}

static void check_free_head(void *p, unsigned order) {
    const mpa_pm_entry_t *e = mpa_pm_entry(p);
    cr_assert_eq(mpa_pm_kind(e), MPA_PM_FREE, "head %p reads kind %u", p, mpa_pm_kind(e));
    cr_assert_eq(mpa_pm_order(e), order, "head %p reads order %u, want %u", p, mpa_pm_order(e),
                 order);
}

/* Two free buddies merge into their parent, which the next request of the
 * parent's order gets back without more memory; all four quarters merge
 * into the whole region. */
Test(backend, buddies_coalesce) {
    char *q[4];
    cr_assert(drain_dirty());
    hold_region(q);
    cr_assert(drain_dirty());
    size_t committed = mpa_backend_committed();
    mpa_backend_free(q[1], QUARTER);
    mpa_backend_free(q[0], QUARTER);
    cr_assert(drain_dirty());
    check_free_head(q[0], QUARTER + 1);
    cr_assert_neq(mpa_pm_kind(mpa_pm_entry(q[1])), MPA_PM_FREE, "absorbed buddy still a head");
    char *half = alloc_block(QUARTER + 1);
    cr_assert_eq(half, q[0], "merged block %p not handed out (got %p)", q[0], half);
    cr_assert_eq(mpa_backend_committed(), committed);
    mpa_backend_free(q[2], QUARTER);
    mpa_backend_free(half, QUARTER + 1);
    mpa_backend_free(q[3], QUARTER);
    cr_assert(drain_dirty());
    check_free_head(q[0], MPA_REGION_ORDER);
    char *whole = alloc_block(MPA_REGION_ORDER);
    cr_assert_eq(whole, q[0], "merged region %p not handed out (got %p)", q[0], whole);
    mpa_backend_free(whole, MPA_REGION_ORDER);
}

/* ---- clean tails (mpa_blk): how much of a block is known not resident ---- */

static uintptr_t take_blk(unsigned order) {
    uintptr_t v = 0;
    cr_assert_eq(mpa_backend_alloc_batch(&mpa_backend_global, order, &v, 1), 1, "order %u", order);
    return v;
}

static void give_blk(void *p, unsigned order, size_t tail) {
    uintptr_t v = mpa_blk(p, false, tail);
    mpa_backend_free_batch(&mpa_backend_global, &v, 1, order);
}

/* A fresh block is wholly clean; a dirty one keeps the tail it was freed
 * with; a split gives the upper half the part of the tail inside it; a
 * merge with a wholly clean upper half adds the lower half's tail. */
Test(backend, clean_tails_split_and_merge) {
    if (MPA_DECAY_MS == 0 || MPA_DIRTY_MAX < BLOCK(3))
        cr_skip_test("this build keeps no dirty blocks");
    cr_assert(drain_dirty());
    uintptr_t v = take_blk(2);
    char *p = mpa_blk_addr(v, 2);
    cr_assert_eq(mpa_blk_tail(v, 2), 4, "a fresh block of 4 chunks: all clean");
    memset(p, 1, BLOCK(0) + 100); /* one chunk and a bit touched: 2 of 4 may be resident */
    give_blk(p, 2, 2);
    cr_assert_eq(mpa_backend_dirty(), BLOCK(2));
    uintptr_t lo = take_blk(1); /* the dirty block split: its lower half */
    cr_assert_eq(mpa_blk_addr(lo, 1), p);
    cr_assert_eq(mpa_blk_tail(lo, 1), 0, "the lower half holds both touched chunks");
    uintptr_t hi = take_blk(1);
    cr_assert_eq(mpa_blk_addr(hi, 1), p + BLOCK(1), "the upper half is the next dirty block");
    cr_assert_eq(mpa_blk_tail(hi, 1), 2, "the upper half was never touched");
    give_blk(p + BLOCK(1), 1, 2);
    give_blk(p, 1, 1); /* merges: upper wholly clean, so 2 + the lower's 1 */
    cr_assert_eq(mpa_pm_kind(mpa_pm_entry(p)), MPA_PM_DIRTY);
    cr_assert_eq(mpa_pm_order(mpa_pm_entry(p)), 2);
    v = take_blk(2);
    cr_assert_eq(mpa_blk_addr(v, 2), p);
    cr_assert_eq(mpa_blk_tail(v, 2), 3);
    give_blk(p, 2, 0);
    cr_assert(drain_dirty());
}

/* The backend commits fresh memory while over 1/2^MPA_DIRTY_TRADE_BITS of
 * its bytes in use sit in dirty blocks too small to serve the request
 * (their buddies in use): as many dirty bytes of the old generation (not
 * reused for a whole turn) are decommitted. */
#define TRADE_BLOCKS 1024
Test(backend, fresh_memory_traded_for_dirty) {
    size_t need = (size_t)1 << MPA_DIRTY_TRADE_MIN_BITS;
    if (MPA_DECAY_MS == 0 || MPA_DIRTY_TRADE_BITS >= 64 || MPA_DIRTY_MAX < 4 * need ||
        TRADE_BLOCKS / 2 * BLOCK(0) <= need)
        cr_skip_test("this build trades no dirty memory, or not at this size");
    static char *b[TRADE_BLOCKS];
    cr_assert(drain_dirty());
    for (int i = 0; i < TRADE_BLOCKS; i++) {
        b[i] = alloc_block(0);
        memset(b[i], 7, BLOCK(0));
    }
    for (int i = 0; i < TRADE_BLOCKS; i += 2) /* every other one: no two are buddies */
        mpa_backend_free(b[i], 0);
    size_t dirty = mpa_backend_dirty();
    cr_assert_geq(dirty, TRADE_BLOCKS / 2 * BLOCK(0));
    /* One generation turn: the blocks are the old generation (a second
     * would decommit them; the purger may turn too, so look every 5 ms). */
    const mpa_pm_entry_t *e0 = mpa_pm_entry(b[0]);
    for (int waited = 0;
         waited < 4 * MPA_DECAY_MS + 2000 && (e0->block.gen & 1) == mpa_backend_global.young;
         waited += 5) {
        sleep_ms(5);
        mpa_backend_tick();
    }
    cr_assert_eq(mpa_pm_kind(e0), MPA_PM_DIRTY, "the blocks decayed before the test saw them old");
    cr_assert_neq(e0->block.gen & 1, mpa_backend_global.young);
    dirty = mpa_backend_dirty();
    char *big = alloc_block(4); /* no dirty block is large enough: fresh memory */
    size_t after = mpa_backend_dirty();
    cr_assert_leq(after, dirty - BLOCK(4), "dirty %zu -> %zu: nothing traded", dirty, after);
    size_t gone = 0;
    for (int i = 0; i < TRADE_BLOCKS; i += 2)
        if (mpa_pm_kind(mpa_pm_entry(b[i])) != MPA_PM_DIRTY)
            gone += resident_pages(b[i], BLOCK(0)) == 0;
    cr_assert_geq(gone * BLOCK(0), dirty - after, "the traded blocks left RSS");
    mpa_backend_free(big, 4);
    for (int i = 1; i < TRADE_BLOCKS; i += 2)
        mpa_backend_free(b[i], 0);
    cr_assert(drain_dirty());
}

/* ---- an arena (an mspace's backend) inside a block of the global one ---- */

/* The global backend frees the buddy of an arena whose own backend has its
 * whole block free (clean, then dirty): the arena's head reads as a free
 * block of the same order, filed by the arena's backend. The global backend
 * must leave it alone; it used to merge the live arena into a block of its
 * own (unlinking it through the arena's list links) and hand it out again
 * or decommit it under the mspace (stress/fork_new_locks: SIGSEGV on a
 * PROT_NONE slab, about 1 run in 30 under the debug library). */
static void check_arena_kept(mpa_backend_t *arena, char *base, char *buddy, unsigned order,
                             unsigned kind) {
    mpa_pm_entry_t *e = mpa_pm_entry(buddy);
    cr_assert_eq(mpa_pm_kind(e), kind, "global buddy %p reads kind %u: merged with the arena",
                 buddy, mpa_pm_kind(e));
    cr_assert_eq(mpa_pm_order(e), order, "global buddy %p reads order %u", buddy, mpa_pm_order(e));
    cr_assert_eq(mpa_pm_entry(base)->owner, mpa_pm_tag(kind, order) | MPA_PM_CONFINED,
                 "arena head %p reads %#lx", base, (unsigned long)mpa_pm_entry(base)->owner);
    bool zeroed;
    void *again = mpa_backend_alloc_in(arena, order, &zeroed);
    cr_assert_eq(again, base, "the arena's block %p is not its own any more (got %p)", base, again);
    memset(again, 0x5a, BLOCK(order)); /* still committed to the arena */
}

Test(backend, arena_not_merged_into_global) {
    const unsigned order = 8;
    for (int dirty = 0; dirty < 2; dirty++) {
        char *pair = alloc_block(order + 1), *base = pair, *buddy = pair + BLOCK(order);
        static mpa_backend_t arena = {.lock = MPA_LOCK_INIT};
        mpa_backend_init_in(&arena, base, order);
        bool zeroed;
        char *whole = mpa_backend_alloc_in(&arena, order, &zeroed);
        cr_assert_eq(whole, base, "arena %p hands out %p", base, whole);
        memset(whole, 1, BLOCK(order));
        if (dirty) {
            mpa_backend_free_in(&arena, whole, order);
            mpa_backend_free(buddy, order);
        } else {
            mpa_backend_free_chunks_in(&arena, whole, 0, (size_t)1 << order, true);
            mpa_backend_free_chunks_in(&mpa_backend_global, buddy, 0, (size_t)1 << order, true);
        }
        check_arena_kept(&arena, base, buddy, order, dirty ? MPA_PM_DIRTY : MPA_PM_FREE);
        mpa_pm_label(base, (size_t)1 << order, mpa_pm_plain(mpa_pm_tag(MPA_PM_RESERVED, 0)));
        mpa_backend_free_clean(base, order); /* as destroy_mspace */
    }
}
