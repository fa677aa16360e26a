/* The per-thread allocator's slow paths: thread start and exit, the pool of
 * cores, slabs (creation, taking a slab's free objects into the fast list,
 * waking a slab when enough objects came back, returning an empty one), and
 * the slow path of free. A slab counts down `needed` frees to its next event:
 * sleeping -> available after `wake` frees, available -> empty when all are. */
#include <errno.h>

#include "core.h"

static mpa_lock_t init_lock = MPA_LOCK_INIT;
static atomic_int init_state; /* 0 not yet, 1 ready, 2 failed */
static mpa_lock_t pool_lock = MPA_LOCK_INIT;
static mpa_core_t *pool;
static mpa_core_t *_Atomic all_cores;

/* The orphan lists: calls made on a thread after its teardown (destructors
 * of later rounds, glibc's own TLS clean-up) bind no core of their own, as
 * nothing would hand it back; they share this one, under orphan_lock. Its
 * objects come back to it through its queue like any remote free. */
static mpa_lock_t orphan_lock = MPA_LOCK_INIT;
static mpa_local_t orphan = {.me = &mpa_local_none};

/* A thread that never allocated posts its first frees (glibc frees TLS
 * blocks on exit, after every destructor) straight to their owners rather
 * than binding a core it might never give back. */
#define UNBOUND_FREES_MAX 64

/* ---- process and thread start ---- */

/* Pools the exiting thread's core at once: the PAL's handler may run in
 * several rounds (glibc's key destructors), and whatever the thread does
 * later binds no core (the orphan path below). */
static void on_thread_exit(void) {
    mpa_check_thread_exit(); /* the debug build's latest frees join its quarantine */
    mpa_thread_teardown();
}

/* Registers the thread-exit handler (under the init lock: never allocates). */
static void thread_exit_register(void) {
    if (mpa_pal_on_thread_exit(on_thread_exit) != 0 &&
        (mpa_pal_features() & MPA_PAL_THREAD_EXIT) != 0)
        mpa_pal_error("mpalloc: cannot register the thread-exit handler");
}

/* Where checked.c's quarantine releases an object (mpa_check_init): a
 * small one of this thread's joins its fast list when to_fast and the list
 * has room, as the fast build's free does (to its slab, a slab of a class
 * with few objects empties and is released and made again over and over:
 * 333,312 slabs made in wl-mixed-sizes -s 0.1, against 56,995), else its
 * owner takes it back (a full list: its overflow, a slow path that walks
 * the list, cost ~210 instructions on nearly every release of a medium
 * class, whose lists hold an object or two; the quarantine emptied: thread
 * exit, trim, memory running out). */
static void quarantine_release(void *p, mpa_pm_entry_t *e, bool to_fast) {
    mpa_local_t *l = &mpa_local;
    mpa_core_t *c = mpa_lists(l);
    if (to_fast && mpa_pm_is_small(e) && e->owner == (uintptr_t)c && c->room[e->small.cls] > 0) {
        unsigned cls = (unsigned)e->small.cls;
        mpa_fl_set(p, c->fast[cls]);
        c->fast[cls] = p;
        c->room[cls]--;
        return;
    }
    mpa_dealloc_owner(p, e);
}

static const mpa_check_upcalls_t check_upcalls = {.release = quarantine_release,
                                                  .hold_slack = mpa_large_hold_slack};

bool mpa_core_init(void) {
    int state = atomic_load_explicit(&init_state, memory_order_acquire);
    if (MPA_LIKELY(state != 0))
        return state == 1;
    mpa_lock(&init_lock);
    if (atomic_load_explicit(&init_state, memory_order_relaxed) == 0) {
        mpa_sizeclass_init();
        mpa_check_init(&check_upcalls); /* keys; where quarantined objects go when released */
        bool ok = mpa_backend_init();
        if (ok)
            thread_exit_register();
        atomic_store_explicit(&init_state, ok ? 1 : 2, memory_order_release);
    }
    mpa_unlock(&init_lock);
    return atomic_load_explicit(&init_state, memory_order_acquire) == 1;
}

static mpa_core_t *core_acquire(void) {
    mpa_lock(&pool_lock);
    mpa_core_t *c = pool;
    if (c)
        pool = c->pool_next;
    mpa_unlock(&pool_lock);
    if (c)
        return c;
    return mpa_core_new(&mpa_backend_global);
}

mpa_core_t *mpa_core_new(mpa_backend_t *b) {
    mpa_core_t *c = mpa_meta_alloc(sizeof(mpa_core_t), 256);
    if (c == NULL)
        return NULL;
    c->backend = b;
    mpa_chunkcache_init(&c->cache, b);
    mpa_remote_init(c);
    /* Under the pool lock, which fork holds from before its walk of this
     * list until its parent or child step has walked it again: a core
     * pushed in between would have its cache lock released (left at 2,
     * "kept for fork") by a fork that never took it. */
    mpa_lock(&pool_lock);
    c->all_next = atomic_load_explicit(&all_cores, memory_order_relaxed);
    atomic_store_explicit(&all_cores, c, memory_order_release);
    mpa_unlock(&pool_lock);
    return c;
}

mpa_core_t *mpa_core_list(void) { return atomic_load(&all_cores); }

size_t mpa_core_drain_cache(mpa_core_t *c) { return mpa_chunkcache_drain(&c->cache); }

size_t mpa_core_drain_caches(void) {
    size_t bytes = 0;
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next)
        bytes += mpa_chunkcache_drain(&c->cache);
    return bytes;
}

bool mpa_thread_init(mpa_local_t *l) {
    if (!mpa_core_init())
        return false;
    if (l->state == MPA_THREAD_DEAD)
        return false; /* callers take the orphan path */
    /* Arms the exit hook first. Arming may allocate (glibc callocs the block
     * of a key index above 31, and the exit key is the last one): that
     * block lives until after every destructor, so it comes from the orphan
     * lists, not from the core this thread then binds, which would
     * otherwise go back to the pool with a slab still out. */
    l->state = MPA_THREAD_DEAD;
    /* Also after teardown (a destructor that allocates): the handler must
     * run again. -1 without MPA_PAL_THREAD_EXIT: no thread ever exits. */
    (void)mpa_pal_thread_exit_arm();
    l->state = MPA_THREAD_NEW;
    mpa_core_t *c = core_acquire();
    if (c == NULL)
        return false;
    l->core = c;
    mpa_core_reset_room(c);
    c->tid = mpa_pal_thread_id();
    c->handler_mark = mpa_pal_handler_mark();
    atomic_store_explicit(&c->lent, 0, memory_order_relaxed);
    atomic_store_explicit(&l->me, c, memory_order_relaxed);
    l->state = MPA_THREAD_ACTIVE;
    atomic_store_explicit(&c->thread, l, memory_order_release); /* the purger may watch it now */
    return true;
}

/* ---- a thread's slow paths, and lending its core to the purger ----
 * An idle thread keeps its fast lists, slabs and caches, and being blocked
 * it never reaches a slow path to give them back. So the purger borrows
 * the core of a thread whose slow paths stopped (mpa_core_reclaim_idle):
 * it swaps the thread's `me` for mpa_local_none (its next malloc or free of
 * its own objects then takes the slow path), and, once the kernel reports
 * the thread asleep in a system call (it is then in no fast path: they make
 * none) and outside every slow path (`busy`), drains the core as its
 * owner. The slow path that ends a fast path on mpa_local_none takes the
 * lists back under lend_lock (owner_rearm). Costs the fast paths nothing
 * but reaching the lists through `me` (malloc: one load; free loads `me`
 * for its owner test anyway). */

/* Takes the thread's lists back from the purger: waits for a drain in
 * progress (lend_lock), then `me` is the core again. */
static void __attribute__((noinline)) owner_rearm(mpa_local_t *l) {
    mpa_core_t *c = l->core;
    mpa_lock(&c->lend_lock);
    atomic_store_explicit(&l->me, c, memory_order_relaxed);
    atomic_store_explicit(&c->lent, 0, memory_order_relaxed);
    mpa_unlock(&c->lend_lock);
    mpa_purger_wake(); /* a parked purger watches this thread again */
}

/* Every slow path on a thread's own core starts here: marks it busy (the
 * purger never drains a busy core), takes the lists back when the purger
 * took them, counts the slow path (the purger's idleness test). pre: l is
 * the calling thread's, MPA_THREAD_ACTIVE. */
static mpa_core_t *owner_enter(mpa_local_t *l) {
    mpa_core_t *c = l->core;
    MPA_ASSERT(1, l->state == MPA_THREAD_ACTIVE && c != NULL && c != &mpa_local_none);
    uint32_t depth = atomic_load_explicit(&c->busy, memory_order_relaxed);
    atomic_store_explicit(&c->busy, depth + 1, memory_order_relaxed);
    if (MPA_UNLIKELY(mpa_lists(l) != c))
        owner_rearm(l);
    atomic_store_explicit(&c->epoch, atomic_load_explicit(&c->epoch, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    return c;
}

static void owner_leave(mpa_core_t *c) {
    MPA_ASSERT(1, atomic_load_explicit(&c->busy, memory_order_relaxed) > 0);
    atomic_store_explicit(&c->busy, atomic_load_explicit(&c->busy, memory_order_relaxed) - 1,
                          memory_order_release);
}

/* ---- slabs ---- */

/* Objects on s's free list (level 2 assertions: bounded by one slab);
 * stops counting past its capacity (a cycle). */
static size_t slab_listed(const mpa_slab_t *s) {
    size_t n = 0, count = mpa_classes[s->cls].count;
    for (void *p = s->free; p != NULL && n <= count; p = mpa_fl_next(p))
        n++;
    return n;
}

/* Objects of s on its decommitted units (off its list: free all along). */
static size_t slab_trimmed_objects(const mpa_slab_t *s);

/* True when the pagemap labels every chunk of s as s's (level 2). */
static bool slab_labelled(const mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    for (size_t i = 0; i < (size_t)1 << ci->slab_order; i++) {
        const mpa_pm_entry_t *e = mpa_pm_entry(s->base + (i << MPA_CHUNK_BITS));
        if (e->owner != (uintptr_t)s->owner || e->small.slab != s || e->small.cls != s->cls)
            return false;
    }
    return true;
}

/* Objects on the fast list of cls (level 2: bounded by its hold and a
 * slab's objects, which a refill may put there beyond the hold). */
static size_t fast_length(const mpa_core_t *c, unsigned cls) {
    size_t n = 0, most = mpa_classes[cls].hold + mpa_classes[cls].count + 1;
    for (void *p = c->fast[cls]; p != NULL && n <= most; p = mpa_fl_next(p))
        n++;
    return n;
}

static void avail_push(mpa_core_t *c, mpa_slab_t *s) {
    MPA_ASSERT(1, s->owner == c && s->state != MPA_SLAB_SLEEPING);
    s->prev = NULL;
    s->next = c->avail[s->cls];
    if (s->next)
        s->next->prev = s;
    c->avail[s->cls] = s;
}

static void avail_unlink(mpa_core_t *c, mpa_slab_t *s) {
    if (s->prev)
        s->prev->next = s->next;
    else
        c->avail[s->cls] = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

static void slab_release(mpa_core_t *c, mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    MPA_ASSERT(1, s->owner == c && s->state != MPA_SLAB_SLEEPING);
    /* every object is back: free + out = count, none out */
    MPA_ASSERT(2, slab_listed(s) + slab_trimmed_objects(s) == ci->count);
    MPA_ASSERT(2, slab_labelled(s));
    MPA_ASSERT(1, atomic_load_explicit(&c->slabs[s->cls], memory_order_relaxed) > 0);
    avail_unlink(c, s);
    if (s->all_prev)
        s->all_prev->all_next = s->all_next;
    else
        c->all_slabs = s->all_next;
    if (s->all_next)
        s->all_next->all_prev = s->all_prev;
    mpa_pm_label(s->base, (size_t)1 << ci->slab_order,
                 mpa_pm_plain(mpa_pm_tag(MPA_PM_RESERVED, 0)));
    atomic_fetch_sub_explicit(&c->slabs[s->cls], 1, memory_order_relaxed);
    mpa_count1(&c->slabs_released);
    mpa_chunkcache_free(&c->cache, s->base, ci->slab_order);
    s->trimmed = 0; /* (its memory goes as it is: dirty, parts of it decommitted) */
    s->next = c->spare;
    c->spare = s;
    mpa_purger_wake();
}

/* Empty slabs kept per class (every build: the checked build's frees reach
 * the fast lists too, through its delay slots, so its slabs empty as
 * seldom). */
#define EMPTY_KEEP         MPA_EMPTY_SLABS_KEEP
#define EMPTY_KEEP_OF(cls) EMPTY_KEEP

/* Every object of s is free again: keep a few such slabs, return the rest. */
static void slab_empty(mpa_core_t *c, mpa_slab_t *s) {
#if EMPTY_KEEP > 0 /* (an unsigned count is never below 0: no test at all then) */
    if (c->empties[s->cls] < EMPTY_KEEP_OF(s->cls)) {
        c->empties[s->cls]++;
        s->state = MPA_SLAB_EMPTY;
        s->needed = UINT32_MAX; /* nothing more can come back */
        return;
    }
#endif
    slab_release(c, s);
}

static void slab_event(mpa_core_t *c, mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    MPA_ASSERT(1, s->needed == 0 && s->owner == c && s->state != MPA_SLAB_EMPTY);
    /* sleeping: `wake` objects came back; available: all of them did */
    MPA_ASSERT(2, slab_listed(s) + slab_trimmed_objects(s) ==
                      (s->state == MPA_SLAB_SLEEPING ? ci->wake : ci->count));
    if (s->state != MPA_SLAB_SLEEPING) {
        mpa_stat_add(&c->out[s->cls], -(int64_t)(ci->count - ci->wake));
        slab_empty(c, s);
        return;
    }
    mpa_stat_add(&c->out[s->cls], -(int64_t)ci->wake);
    s->state = MPA_SLAB_AVAILABLE;
    avail_push(c, s);
    s->needed = ci->count - ci->wake;
    if (s->needed == 0)
        slab_empty(c, s); /* every object is back: nothing left to count */
}

/* (The checked build's free calls it from its fast path, where the core is
 * not marked busy: an event may wait for the chunk cache's lock.) */
void mpa_slab_event(mpa_slab_t *s) {
    mpa_core_t *c = s->owner;
    uint32_t depth = atomic_load_explicit(&c->busy, memory_order_relaxed);
    atomic_store_explicit(&c->busy, depth + 1, memory_order_relaxed);
    slab_event(c, s);
    atomic_store_explicit(&c->busy, depth, memory_order_release);
}

/* ---- the free pages of slabs a live object pins ----
 * A slab with a few live objects stays, and its free objects with it. The
 * purger (draining an idle thread's core, as its owner) decommits the
 * slab's units (pages; a sixteenth of slabs above 16 pages) that only free
 * objects overlap, and takes those objects off the slab's free list, whose
 * links lived in them: s->trimmed remembers the units, and slab_take links
 * the objects back (the pages come back as zero pages when written). The
 * slab's counts do not change: the objects are free all along. */

#define TRIM_MAX_OBJECTS 4096 /* larger counts (tunables) are not trimmed */

/* Bytes of s per bit of s->trimmed. */
static size_t trim_unit(const mpa_class_info_t *ci) {
    size_t u = ((size_t)1 << ci->slab_bits) / 16;
    return u > MPA_PAGE_SIZE ? u : MPA_PAGE_SIZE;
}

/* The units object i of class ci overlaps, as a mask; `tail` only the unit
 * of its last word (a checked build reads its left neighbour's tail code). */
static uint32_t obj_units(const mpa_class_info_t *ci, size_t i, size_t unit, bool tail) {
    size_t end = (i + 1) * ci->size - 1, start = tail ? end : i * ci->size;
    unsigned first = (unsigned)(start / unit), last = (unsigned)(end / unit);
    return (uint32_t)(((UINT64_C(2) << last) - 1) & ~((UINT64_C(1) << first) - 1));
}

static size_t slab_trimmed_objects(const mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    size_t unit = trim_unit(ci), n = 0;
    for (size_t i = 0; s->trimmed != 0 && i < ci->count; i++)
        n += (obj_units(ci, i, unit, false) & s->trimmed) != 0;
    return n;
}

/* Links the objects of s that overlap its trimmed units back on its free
 * list (checked builds: as fresh objects, with their tail codes). */
static void slab_untrim(mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    size_t unit = trim_unit(ci);
    for (size_t i = ci->count; i-- > 0;) {
        if ((obj_units(ci, i, unit, false) & s->trimmed) == 0)
            continue;
        void *obj = s->base + i * ci->size;
        mpa_check_fresh(obj, ci->size);
        mpa_fl_set(obj, s->free);
        s->free = obj;
    }
    s->trimmed = 0;
}

/* Decommits the units of s that only free objects overlap; returns the
 * bytes. pre: the caller owns s's core, s is not in a fast list's hands
 * (its free objects are all on s->free or off it on trimmed units). */
static size_t slab_trim(mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    MPA_ASSERT(1, mpa_lock_is_held(&s->owner->lend_lock));
    size_t unit = trim_unit(ci), units = ((size_t)1 << ci->slab_bits) / unit;
    if (units < 2 || s->free == NULL || ci->count > TRIM_MAX_OBJECTS)
        return 0;
    uint64_t listed[TRIM_MAX_OBJECTS / 64] = {0};
    for (void *p = s->free; p != NULL; p = mpa_fl_next(p)) {
        size_t i = mpa_class_index(s->cls, (size_t)((char *)p - s->base));
        listed[i / 64] |= UINT64_C(1) << (i % 64);
    }
    uint32_t busy = 0; /* units a live object (or, checked, its tail code) needs */
    for (size_t i = 0; i < ci->count; i++) {
        if (listed[i / 64] >> (i % 64) & 1)
            continue;
        uint32_t u = obj_units(ci, i, unit, false);
        if ((u & s->trimmed) != 0)
            continue; /* off the list on a trimmed unit: free */
        busy |= u;
        if (MPA_CHECKED && i > 0)
            busy |= obj_units(ci, i - 1, unit, true); /* its free reads the left tail code */
    }
    MPA_ASSERT(1, units <= 16); /* s->trimmed has a bit per unit */
    uint32_t all = (uint32_t)((UINT64_C(1) << units) - 1), fresh = all & ~busy & ~s->trimmed;
    if (fresh == 0)
        return 0;
    s->trimmed = (uint16_t)(s->trimmed | fresh);
    void *keep = NULL; /* the list again, without the objects on trimmed units */
    for (void *p = s->free, *next; p != NULL; p = next) {
        next = mpa_fl_next(p);
        size_t i = mpa_class_index(s->cls, (size_t)((char *)p - s->base));
        if ((obj_units(ci, i, unit, false) & s->trimmed) == 0) {
            mpa_fl_set(p, keep);
            keep = p;
        }
    }
    s->free = keep;
    size_t bytes = 0;
    for (unsigned u = 0; u < units; u++) { /* runs of fresh units, one call each */
        if (!(fresh >> u & 1))
            continue;
        unsigned end = u;
        while (end + 1 < units && (fresh >> (end + 1) & 1))
            end++;
        mpa_pal_notify_not_using(s->base + u * unit, (end - u + 1) * unit);
        bytes += (end - u + 1) * unit;
        u = end;
    }
    return bytes;
}

/* Moves every free object of s into the thread's fast list for its class
 * (objects on trimmed units linked first: a slab slab_take_first took
 * before, or one the purger trimmed). Counting: a fresh or empty slab puts `count` objects out; an available
 * one puts out its free objects but also settles the frees since it woke,
 * which nets `wake` (see stats.c). */
static void slab_take(mpa_core_t *c, mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    bool avail = s->state == MPA_SLAB_AVAILABLE;
    MPA_ASSERT(1, s->owner == c && s->state != MPA_SLAB_SLEEPING && c->fast[s->cls] == NULL);
    MPA_ASSERT(1, !avail || s->needed <= ci->count - ci->wake);
    if (s->trimmed != 0)
        slab_untrim(s);
    /* free + out = count: an available slab holds count - needed free objects */
    MPA_ASSERT(2, slab_listed(s) == (avail ? ci->count - s->needed : ci->count));
    mpa_stat_add(&c->out[s->cls], avail ? ci->wake : ci->count);
    c->room[s->cls] -= (int32_t)(avail ? ci->count - s->needed : ci->count); /* objects taken */
    c->fast[s->cls] = s->free;
    s->free = NULL;
    s->state = MPA_SLAB_SLEEPING;
    s->needed = ci->wake;
}

/* Links the objects of a fresh slab. Fast build: lowest address first out.
 * Checked build: a random order (a random start and a stride coprime with
 * the count), so that heap layout cannot be predicted. */
#if MPA_CHECKED
/* Per-thread generator of slab orders, seeded once from the platform's
 * entropy (a getrandom call per slab cost 30,000 system calls in a run of
 * wl-mixed-sizes -s 0.05). */
static __thread uint64_t slab_rng __attribute__((tls_model("initial-exec")));

static uint64_t slab_random(void) {
    if (MPA_UNLIKELY(slab_rng == 0))
        slab_rng = mpa_pal_entropy() | 1;
    slab_rng ^= slab_rng << 13;
    slab_rng ^= slab_rng >> 7;
    slab_rng ^= slab_rng << 17;
    return slab_rng * UINT64_C(0x2545F4914F6CDD1D);
}
#else
static uint64_t slab_random(void) { return 0; }
#endif

/* ---- fresh slabs linked as they are taken (fast build) ----
 * A fresh slab's first take hands out only the objects of its first units
 * (those object 0 spans: a page for small objects), and the rest of the
 * slab is made as if trimmed (s->trimmed, above): never written, so never
 * resident until its next take links it (slab_untrim). A class a program
 * uses for a few objects keeps a page of its slab resident, not the whole
 * slab written end to end when it was made (16 KiB or more per class). The
 * hardened builds link a slab whole, in their random order. */

/* The units of a fresh slab of ci left unlinked, as a mask; 0 when the
 * whole slab is linked at once. */
static uint16_t slab_lazy_units(const mpa_class_info_t *ci) {
    size_t unit = trim_unit(ci), units = ((size_t)1 << ci->slab_bits) / unit;
    if (MPA_CHECKED || units < 2 || units > 16)
        return 0;
    uint32_t all = (uint32_t)((UINT64_C(1) << units) - 1);
    return (uint16_t)(all & ~obj_units(ci, 0, unit, false));
}

/* Links the objects of s that overlap none of its trimmed units; returns
 * the first (lowest address first out). */
static void *slab_link_untrimmed(const mpa_slab_t *s, const mpa_class_info_t *ci) {
    size_t unit = trim_unit(ci);
    void *head = NULL;
    for (size_t i = ci->count; i-- > 0;) {
        if ((obj_units(ci, i, unit, false) & s->trimmed) != 0)
            continue;
        void *obj = s->base + i * ci->size;
        mpa_fl_set(obj, head);
        head = obj;
    }
    return head;
}

/* The first take of a fresh slab whose later units are left unlinked: its
 * linked objects go to the fast list and the slab stays available for the
 * rest. Counted as if the slab had been taken whole and `count - wake`
 * objects had come back since it woke: it is available with `needed` =
 * the objects out, so the slab events and stats.c's settlement hold, and
 * settle_out counts the unlinked objects as free (they are trimmed).
 * False, nothing done, when the slab was linked whole. */
static bool slab_take_first(mpa_core_t *c, mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    if (s->trimmed == 0)
        return false;
    uint32_t n = 0;
    for (void *p = s->free; p != NULL; p = mpa_fl_next(p))
        n++;
    mpa_stat_add(&c->out[s->cls], ci->count - ci->wake);
    c->room[s->cls] -= (int32_t)n;
    c->fast[s->cls] = s->free;
    s->free = NULL;
    s->state = MPA_SLAB_AVAILABLE;
    s->needed = n;
    avail_push(c, s);
    return true;
}

static void *slab_build(char *base, const mpa_class_info_t *ci) {
    size_t n = ci->count, start = 0, stride = 1;
    if (MPA_CHECKED && n > 2) {
        uint64_t r = slab_random();
        start = (size_t)(r % n);
        do
            stride = 1 + (size_t)((r >> 20) % (n - 1)), r = r * 6364136223846793005u + 1;
        while (mpa_gcd(stride, n) != 1);
    }
    void *head = NULL;
    for (size_t i = n; i-- > 0;) {
        void *obj = base + ((start + i * stride) % n) * ci->size;
        mpa_check_fresh(obj, ci->size); /* (in a 16-byte object the link's MAC covers it) */
        mpa_fl_set(obj, head);
        head = obj;
    }
    return head;
}

static mpa_slab_t *slab_new(mpa_core_t *c, unsigned cls) {
    const mpa_class_info_t *ci = &mpa_classes[cls];
    mpa_slab_t *s = c->spare;
    if (s)
        c->spare = s->next;
    else if ((s = mpa_meta_alloc(sizeof *s, MPA_CACHELINE)) == NULL)
        return NULL;
    bool zeroed;
    char *base = mpa_chunkcache_alloc(&c->cache, ci->slab_order, &zeroed);
    if (base == NULL) {
        s->next = c->spare;
        c->spare = s;
        return NULL;
    }
    s->base = base;
    s->all_prev = NULL;
    s->all_next = c->all_slabs;
    if (s->all_next)
        s->all_next->all_prev = s;
    c->all_slabs = s;
    s->cls = (uint8_t)cls;
    s->owner = c;
    s->trimmed = slab_lazy_units(ci);
    s->free = s->trimmed != 0 ? slab_link_untrimmed(s, ci) : slab_build(base, ci);
    s->state = MPA_SLAB_EMPTY; /* all free; slab_take counts them out */
    /* a block from the chunk cache reads "reserved" until labelled here */
    MPA_ASSERT(1, !mpa_pm_is_small(mpa_pm_entry(base)) &&
                      mpa_pm_kind(mpa_pm_entry(base)) == MPA_PM_RESERVED);
    atomic_fetch_add_explicit(&c->slabs[cls], 1, memory_order_relaxed);
    mpa_count1(&c->slabs_created);
    mpa_pm_label(base, (size_t)1 << ci->slab_order, mpa_pm_small((uintptr_t)c, s, base, cls));
    return s;
}

void mpa_core_forget(mpa_core_t *c) {
    for (mpa_slab_t *s = c->all_slabs, *next; s != NULL; s = next) {
        next = s->all_next;
        s->next = c->spare;
        c->spare = s;
    }
    c->all_slabs = NULL;
#if MPA_CHECKED
    for (unsigned cls = 0; cls <= MPA_NUM_CLASSES; cls++)
        c->delay[cls] = NULL; /* (their memory goes too) */
    mpa_check_no_recent(c);
#endif
    for (unsigned cls = 0; cls <= MPA_NUM_CLASSES; cls++) {
        c->avail[cls] = NULL;
        c->empties[cls] = 0;
        atomic_store_explicit(&c->out[cls], 0, memory_order_relaxed);
        atomic_store_explicit(&c->slabs[cls], 0, memory_order_relaxed);
    }
    mpa_remote_post_all(c); /* other owners' objects go home; the buckets empty */
    mpa_remote_init(c);
    mpa_chunkcache_forget(&c->cache);
}

size_t mpa_core_release_empties(mpa_core_t *c) {
    size_t bytes = 0;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        for (mpa_slab_t *s = c->avail[cls], *next; s != NULL; s = next) {
            next = s->next;
            if (s->state != MPA_SLAB_EMPTY)
                continue;
            MPA_ASSERT(1, c->empties[cls] > 0);
            c->empties[cls]--;
            bytes += (size_t)1 << mpa_classes[cls].slab_bits;
            slab_release(c, s);
        }
        MPA_ASSERT(1, c->empties[cls] == 0);
    }
    return bytes;
}

/* Refills the fast list of cls from an available slab or a new one. */
static bool refill(mpa_local_t *l, unsigned cls) {
    mpa_core_t *c = l->core;
    mpa_slab_t *s = c->avail[cls];
    if (s != NULL) {
        MPA_ASSERT(1, s->cls == cls && (s->state != MPA_SLAB_EMPTY || c->empties[cls] > 0));
        if (s->state == MPA_SLAB_EMPTY)
            c->empties[cls]--;
        avail_unlink(c, s);
    } else if ((s = slab_new(c, cls)) == NULL) {
        return false;
    } else if (slab_take_first(c, s)) {
        return true;
    }
    slab_take(c, s);
    return true;
}

/* ---- messages: remote frees coming back (remote.c carries them) ---- */

/* Takes in p, an object that came back in a message; returns its size. */
static size_t take_in(mpa_local_t *l, void *p) {
    if (MPA_CHECKED && !mpa_pm_covers(p)) /* a carried address written over */
        mpa_report("corrupted remote-free message (use after free?): address", p, 0);
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    size_t size = mpa_class_size((unsigned)e->small.cls);
    if (MPA_CHECKED && e->owner == (uintptr_t)l->core)
        mpa_check_taken_in(p, (unsigned)e->small.cls);
    if (MPA_LIKELY(e->owner == (uintptr_t)l->core))
        mpa_dealloc_local(p, e->small.slab);
    else if (MPA_CHECKED)
        mpa_report("message for another heap (free after destroy_mspace?):", p, size);
    return size;
}

size_t mpa_core_drain_messages(mpa_local_t *l) {
    mpa_core_t *c = l->core;
    MPA_ASSERT(1, l->state == MPA_THREAD_ACTIVE && c != NULL);
    size_t budget = MPA_DRAIN_MAX, taken = 0;
    void **m;
    while (taken < budget && (m = mpa_remote_pop(c)) != NULL) {
        size_t cap = mpa_remote_carrier_cap(mpa_class_size((unsigned)mpa_pm_entry(m)->small.cls));
        for (size_t i = MPA_CARRY_FIRST; i < MPA_CARRY_FIRST + cap && m[i] != NULL; i++)
            taken += take_in(l, m[i]);
        taken += take_in(l, m); /* last: its words were read above */
    }
    return taken;
}

/* Work every slow path does: messages, and every 16th time a look at the
 * clock for decay of cached memory (the chunk cache paces its own calls the
 * same way; nothing else reads the clock). */
static void maintain(mpa_local_t *l) {
    mpa_core_drain_messages(l);
    if ((++l->ticks & 15) == 0)
        mpa_chunkcache_tick(&l->core->cache);
}

static void *oom(void) {
    errno = ENOMEM;
    return NULL;
}

static bool orphan_bind(void) {
    mpa_core_t *c = core_acquire();
    if (c == NULL)
        return false;
    orphan.core = c;
    mpa_core_reset_room(c);
    atomic_store_explicit(&orphan.me, c, memory_order_relaxed);
    orphan.state = MPA_THREAD_ACTIVE;
    return true;
}

static void *orphan_alloc(size_t size) {
    mpa_lock(&orphan_lock);
    MPA_ASSERT(1, mpa_lock_is_held(&orphan_lock));
    void *p =
        orphan.state == MPA_THREAD_ACTIVE || orphan_bind() ? mpa_alloc_in(&orphan, size) : oom();
    mpa_unlock(&orphan_lock);
    return p;
}

void *mpa_lists_large(mpa_local_t *l, size_t size, size_t align, bool zero) {
    if (l->state == MPA_THREAD_DEAD) {
        mpa_lock(&orphan_lock);
        void *p = orphan.state == MPA_THREAD_ACTIVE || orphan_bind()
                      ? mpa_large_alloc(orphan.core, size, align, zero)
                      : oom();
        mpa_unlock(&orphan_lock);
        return p;
    }
    if (l->state != MPA_THREAD_ACTIVE && !mpa_thread_init(l))
        return oom();
    mpa_core_t *c = owner_enter(l);
    void *p = mpa_large_alloc(c, size, align, zero);
    owner_leave(c);
    return p;
}

void *mpa_alloc_slow(size_t size, mpa_local_t *l) {
    if (MPA_UNLIKELY(l->state != MPA_THREAD_ACTIVE)) { /* only a thread's own lists */
        if (l->state == MPA_THREAD_DEAD)
            return orphan_alloc(size);
        if (!mpa_thread_init(l))
            return oom();
        return mpa_alloc_in(l, size);
    }
    mpa_core_t *c = owner_enter(l);
    if (size > MPA_MAX_SMALL - MPA_TRAILER) {
        void *p = mpa_large_alloc(c, size, 0, false); /* refuses absurd sizes */
        owner_leave(c);
        return p;
    }
    unsigned cls = mpa_size_to_class(size + MPA_TRAILER);
    maintain(l);
    bool ok = c->fast[cls] != NULL || refill(l, cls);
    owner_leave(c);
    return ok ? mpa_alloc_in(l, size) : oom();
}

void mpa_core_reset_room(mpa_core_t *c) {
    for (unsigned cls = 0; cls <= MPA_NUM_CLASSES; cls++)
        c->room[cls] = (int32_t)mpa_classes[cls].hold;
#if MPA_CHECKED
    mpa_check_no_recent(c); /* (the delay slots are empty) */
#endif
}

/* Keeps the newest half of the list, rounded up (the objects freed last,
 * still in cache; at least the one just freed, or a class whose hold is one
 * object would give it back and refill on every malloc/free pair) and gives
 * the older half back to their slabs: untouched objects of the slab the
 * list was refilled from, and the first of a burst of frees, so that a slab
 * whose objects all came back can empty and be released rather than stay
 * pinned by one object in a list. */
void mpa_fast_overflow(mpa_local_t *l, unsigned cls) {
    mpa_core_t *c = owner_enter(l);
    /* room: the hold less the list's length, below 0 by the object just pushed */
    MPA_ASSERT(1, c->room[cls] < 0 && cls >= 1 && cls <= MPA_NUM_CLASSES);
    MPA_ASSERT(2, fast_length(c, cls) == (size_t)((int32_t)mpa_classes[cls].hold - c->room[cls]));
    int32_t keep = ((int32_t)mpa_classes[cls].hold + 1) / 2;
    void *rest = c->fast[cls];
    if (keep == 0) {
        c->fast[cls] = NULL;
    } else {
        void *last = rest;
        for (int32_t i = 1; i < keep; i++)
            last = mpa_fl_next(last);
        rest = mpa_fl_next(last);
        mpa_fl_set(last, NULL);
    }
    while (rest != NULL) {
        if (MPA_CHECKED)
            mpa_check_listed(rest); /* its MAC is rewritten on the slab's list */
        void *next = mpa_fl_next(rest);
        mpa_dealloc_local(rest, mpa_pm_entry(rest)->small.slab);
        rest = next;
    }
    c->room[cls] = (int32_t)mpa_classes[cls].hold - keep;
    maintain(l); /* a program that only frees and reuses never takes another slow path */
    owner_leave(c);
}

#if MPA_CHECKED
void mpa_check_delay_spill(mpa_core_t *c, uintptr_t cls, uintptr_t *q) {
    c->room[cls]++; /* (hold - room stays the list's length) */
    mpa_slab_t *s = mpa_pm_entry(q)->small.slab;
    uintptr_t link = (uintptr_t)MPA_FL_ENCODE(q, s->free);
    q[0] = link;
    q[1] ^= MPA_MARK_HELD ^ link; /* a write over word 1 while held stays visible */
    s->free = q;
    if (--s->needed == 0)
        mpa_slab_event(s); /* (marks the core busy) */
}
#endif

void mpa_dealloc_local(void *p, mpa_slab_t *s) {
    MPA_ASSERT(1, mpa_pm_entry(p)->small.slab == s && s->needed != 0 && s->state != MPA_SLAB_EMPTY);
    mpa_fl_set(p, s->free);
    s->free = p;
    if (--s->needed == 0)
        mpa_slab_event(s);
}

void mpa_dealloc_sized_slow(void *p, mpa_pm_entry_t *e, size_t size) {
    mpa_check_sized_free(p, size);
    mpa_dealloc_slow(p, e);
}

void mpa_dealloc_slow(void *p, mpa_pm_entry_t *e) {
    if (p == NULL)
        return;
    if (MPA_UNLIKELY(!mpa_pm_covers(p)))
        mpa_check_bad_free(p, e);
    /* Checked: reports misuse and marks p held; true when p is held in
     * quarantine (checked.c hands it to mpa_dealloc_owner later). */
    mpa_local_t *l = &mpa_local;
    if (l->state != MPA_THREAD_ACTIVE) {
        if (!(MPA_CHECKED && mpa_check_free(p, e)))
            mpa_dealloc_owner(p, e);
        return;
    }
    mpa_core_t *c = owner_enter(l);
    if (!(MPA_CHECKED && mpa_check_free(p, e)))
        mpa_dealloc_owner(p, e);
    owner_leave(c);
}

/* The rarer frees: large objects, and small ones freed by a thread without
 * an active core (new, or after its teardown). Kept apart so that the
 * common remote free below needs no stack frame. */
static void __attribute__((noinline)) dealloc_unusual(mpa_local_t *l, void *p, mpa_pm_entry_t *e) {
    if (!mpa_pm_is_small(e)) {
        if (!mpa_large_is_live(p, e))
            mpa_check_bad_free(p, e);
        mpa_large_free(l, p, e);
        return;
    }
    if (l->state == MPA_THREAD_NEW && ++l->unbound_frees > UNBOUND_FREES_MAX)
        mpa_thread_init(l); /* a thread that frees a lot: batch its frees */
    uintptr_t owner = e->owner;
    MPA_ASSERT(1, (uintptr_t)e->small.slab->owner == owner); /* label and record agree */
    if (owner == (uintptr_t)mpa_lists(l)) {
        mpa_dealloc_local(p, e->small.slab);
    } else if (l->state == MPA_THREAD_ACTIVE) {
        mpa_remote_free(l, p, owner, mpa_class_size((unsigned)e->small.cls));
    } else {
        mpa_remote_post_one((mpa_core_t *)owner, p);
    }
}

void mpa_dealloc_owner(void *p, mpa_pm_entry_t *e) {
    mpa_local_t *l = &mpa_local;
    if (MPA_LIKELY(mpa_pm_is_small(e) && l->state == MPA_THREAD_ACTIVE)) {
        if (e->owner == (uintptr_t)l->core)
            mpa_dealloc_local(p, e->small.slab);
        else
            mpa_remote_free(l, p, e->owner, mpa_class_size((unsigned)e->small.cls));
        return;
    }
    dealloc_unusual(l, p, e);
}

/* Recounts c's objects out of slabs (mpa_core_t.out, kept per slab event:
 * ahead of the truth by the frees an available slab had since it woke)
 * from its slabs' free lists, exactly: a core that goes idle or to the
 * pool is counted right in mpa_stats_json. pre: the caller owns c, whose
 * fast lists are empty. */
static void settle_out(mpa_core_t *c) {
    int64_t out[MPA_NUM_CLASSES + 1] = {0};
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++)
        MPA_ASSERT(1, c->fast[cls] == NULL);
    for (mpa_slab_t *s = c->all_slabs; s != NULL; s = s->all_next) {
        const mpa_class_info_t *ci = &mpa_classes[s->cls];
        int64_t n = (int64_t)ci->count;
        for (void *p = s->free; p != NULL; p = mpa_fl_next(p))
            n--;
        n -= (int64_t)slab_trimmed_objects(s);
        MPA_ASSERT(1, n >= 0);
        out[s->cls] += n;
    }
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++)
        atomic_store_explicit(&c->out[cls], out[cls], memory_order_relaxed);
}

/* ---- thread exit ---- */

/* Checked build: the objects waiting in c's delay slots (one per class)
 * go to their slabs, each still marked held (thread exit, lending). */
static void delay_flush(mpa_core_t *c) {
#if MPA_CHECKED
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        uintptr_t *q = c->delay[cls];
        c->delay[cls] = NULL;
        if (q == NULL)
            continue;
        if (q[1] != (mpa_obj_key(q) ^ MPA_MARK_HELD))
            mpa_check_bad_pop(q, cls);
        mpa_dealloc_local(q, mpa_pm_entry(q)->small.slab);
    }
    mpa_check_no_recent(c);
#else
    (void)c;
#endif
}

static void flush_fast_lists(mpa_core_t *c) {
    delay_flush(c);
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        MPA_ASSERT(2,
                   fast_length(c, cls) == (size_t)((int32_t)mpa_classes[cls].hold - c->room[cls]));
        void *p = c->fast[cls];
        c->fast[cls] = NULL;
        while (p != NULL) {
            if (MPA_CHECKED)
                mpa_check_listed(p);
            void *next = mpa_fl_next(p);
            mpa_dealloc_local(p, mpa_pm_entry(p)->small.slab);
            p = next;
        }
    }
    mpa_core_reset_room(c);
}

/* Takes in every message waiting for the lists l, then gives their core's
 * empty slabs and cached blocks back; returns the bytes of both. pre: the
 * caller owns l. */
static size_t core_purge(mpa_local_t *l) {
    size_t bytes = 0, n;
    while ((n = mpa_core_drain_messages(l)) > 0)
        bytes += n;
    bytes += mpa_core_release_empties(l->core);
    return bytes + mpa_chunkcache_drain(&l->core->cache);
}

void mpa_thread_trim(void) {
    mpa_local_t *l = &mpa_local;
    if (l->state == MPA_THREAD_ACTIVE) {
        mpa_core_t *c = owner_enter(l);
        mpa_check_thread_flush(l); /* checked build: its quarantine */
        delay_flush(c);            /* and its delay slots */
        core_purge(l);
        owner_leave(c);
    }
}

size_t mpa_pool_purge(void) {
    size_t bytes = 0;
    mpa_lock(&orphan_lock);
    if (orphan.state == MPA_THREAD_ACTIVE) {
        mpa_remote_post_all(orphan.core);
        bytes += core_purge(&orphan);
    }
    mpa_unlock(&orphan_lock);
    mpa_lock(&pool_lock);
    for (mpa_core_t *c = pool; c != NULL; c = c->pool_next) {
        mpa_local_t as_owner = {.core = c, .me = c, .state = MPA_THREAD_ACTIVE};
        bytes += core_purge(&as_owner);
    }
    mpa_unlock(&pool_lock);
    return bytes;
}

void mpa_thread_teardown(void) {
    mpa_local_t *l = &mpa_local;
    if (l->state != MPA_THREAD_ACTIVE)
        return;
    mpa_core_t *c = owner_enter(l);
    MPA_ASSERT(1, atomic_load_explicit(&c->thread, memory_order_relaxed) == l);
    mpa_check_thread_flush(l); /* checked build: its quarantine */
    mpa_core_drain_messages(l);
    flush_fast_lists(c);
    mpa_remote_post_all(c);
    mpa_core_release_empties(c); /* a pooled core holds no idle memory */
    settle_out(c);
    mpa_chunkcache_drain(&c->cache);
    mpa_purger_wake();       /* messages may still come: the purger takes them in */
    mpa_lock(&c->lend_lock); /* the purger no longer watches it */
    atomic_store_explicit(&c->thread, NULL, memory_order_relaxed);
    atomic_store_explicit(&l->me, &mpa_local_none, memory_order_relaxed);
    mpa_unlock(&c->lend_lock);
    owner_leave(c);
    l->state = MPA_THREAD_DEAD;
    l->core = NULL;
    mpa_lock(&pool_lock);
    c->pool_next = pool;
    pool = c;
    mpa_unlock(&pool_lock);
}

/* ---- lending: the purger's side ---- */

/* The checked build's quarantine of c's thread: its objects are freed as
 * the calling thread's, so the purger (which never binds a core of its own)
 * holds c as its lists for the moment. */
static void lend_flush_quarantine(mpa_core_t *c) {
    if (MPA_CHECKED != 1)
        return;
    mpa_local_t *l = &mpa_local;
    mpa_core_t *me = mpa_lists(l), *core = l->core;
    uint8_t state = l->state;
    l->core = c;
    atomic_store_explicit(&l->me, c, memory_order_relaxed);
    l->state = MPA_THREAD_ACTIVE;
    mpa_check_thread_flush(l);
    l->state = state;
    atomic_store_explicit(&l->me, me, memory_order_relaxed);
    l->core = core;
}

/* Drains c as its owner: the fast lists back to their slabs, the messages
 * taken in, the thread's remote frees posted (and, checked build, its
 * quarantine released), empty slabs and cached blocks given back, the free
 * units of the slabs that stay decommitted. Returns the bytes given back.
 * pre: the caller holds c->lend_lock and the thread is parked outside every
 * allocator call. */
static size_t lend_drain(mpa_core_t *c) {
    mpa_local_t as_owner = {.core = c, .me = c, .state = MPA_THREAD_ACTIVE};
    MPA_ASSERT(1, mpa_lock_is_held(&c->lend_lock) &&
                      atomic_load_explicit(&c->busy, memory_order_relaxed) == 0);
    lend_flush_quarantine(c);
    flush_fast_lists(c);
    mpa_remote_post_all(c);
    size_t bytes = 0, n;
    while ((n = mpa_core_drain_messages(&as_owner)) > 0)
        bytes += n;
    bytes += mpa_core_release_empties(c);
    for (mpa_slab_t *s = c->all_slabs; s != NULL; s = s->all_next)
        bytes += slab_trim(s);
    settle_out(c);
    return bytes + mpa_chunkcache_drain_clean(&c->cache); /* idle: no decay first */
}

bool mpa_core_reclaim_idle(mpa_core_t *c) {
    if (!mpa_trylock(&c->lend_lock))
        return false;
    bool lent = false;
    mpa_local_t *t = atomic_load_explicit(&c->thread, memory_order_acquire);
    if (t != NULL && atomic_load_explicit(&c->lent, memory_order_relaxed) == 0) {
        /* From now on the thread's next fast path fails and its slow path
         * waits for lend_lock: only a fast path already under way could
         * still touch the lists, and a thread asleep in the kernel is in
         * none (they make no system call), nor, busy clear, in a slow path
         * (its stores are visible: it entered the kernel since). */
        atomic_exchange(&t->me, &mpa_local_none);
        if (mpa_pal_thread_parked(c->tid, c->handler_mark) &&
            atomic_load_explicit(&c->busy, memory_order_acquire) == 0) {
            lend_drain(c);
            atomic_store_explicit(&c->lent, 1, memory_order_relaxed);
            lent = true;
        }
    }
    mpa_unlock(&c->lend_lock);
    return lent;
}

/* ---- fork: no lock may be held by a thread that does not exist in the child ---- */

/* Lock order (allocator/src/README.md): orphan -> init -> pool -> per-core
 * lend locks -> per-core caches -> quarantines -> global backend. Taken at
 * prepare in this order;
 * released (parent) or reset (child) in the reverse one. The order of
 * release matters: the pool lock guards the list of cores (mpa_core_new
 * pushes under it), so the cores are walked again while fork still holds
 * it, and the walk finds exactly the cores prepare took, also when another
 * thread makes a core or forks meanwhile (glibc runs two forks' handlers at
 * once: it drops its atfork lock around each handler). */
static void cores_fork(mpa_fork_stage_t stage) {
    if (stage == MPA_FORK_PREPARE)
        for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next)
            mpa_lock_fork(&c->lend_lock, stage);
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next)
        mpa_chunkcache_fork(&c->cache, stage);
    if (stage != MPA_FORK_PREPARE)
        for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next)
            mpa_lock_fork(&c->lend_lock, stage);
}

void mpa_core_fork(mpa_fork_stage_t stage) {
    if (stage == MPA_FORK_PREPARE) {
        mpa_lock_fork(&orphan_lock, stage);
        mpa_lock_fork(&init_lock, stage);
        mpa_lock_fork(&pool_lock, stage);
        cores_fork(stage);
        mpa_check_fork(stage);
        mpa_backend_fork(stage);
        return;
    }
    mpa_backend_fork(stage);
    mpa_check_fork(stage);
    cores_fork(stage);
    mpa_lock_fork(&pool_lock, stage);
    mpa_lock_fork(&init_lock, stage);
    mpa_lock_fork(&orphan_lock, stage);
}

/* In a fork child: only the forking thread exists, and only its core has a
 * thread the purger may watch (the others' threads, and their TLS, are
 * gone: glibc hands their stacks to new threads). */
void mpa_core_fork_child_threads(void) {
    mpa_core_t *mine = mpa_local.state == MPA_THREAD_ACTIVE ? mpa_local.core : NULL;
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        if (c == mine)
            c->tid = mpa_pal_thread_id(); /* handler_mark: the same TLS address */
        else
            atomic_store_explicit(&c->thread, NULL, memory_order_relaxed);
    }
}
