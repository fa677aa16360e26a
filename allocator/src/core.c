/* The per-thread allocator's slow paths: thread start and exit, the pool of
 * cores, slabs (creation, taking a slab's free objects into the fast list,
 * waking a slab when enough objects came back, returning an empty one), and
 * the slow path of free. A slab counts down `needed` frees to its next event:
 * sleeping -> available after `wake` frees, available -> empty when all are. */
#include <errno.h>

#include "core.h"

__thread mpa_local_t mpa_local __attribute__((tls_model("initial-exec"))) = {
    .me = MPA_NO_OWNER,
};

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
static mpa_local_t orphan = {.me = MPA_NO_OWNER};

/* A thread that never allocated posts its first frees (glibc frees TLS
 * blocks on exit, after every destructor) straight to their owners rather
 * than binding a core it might never give back. */
#define UNBOUND_FREES_MAX 64

#if MPA_CHECKED
uintptr_t mpa_fl_key;
uint64_t mpa_code_key = UINT64_C(0x8080808080808080);
#endif

/* ---- process and thread start ---- */

bool mpa_heap_init(void) {
    int state = atomic_load_explicit(&init_state, memory_order_acquire);
    if (MPA_LIKELY(state != 0))
        return state == 1;
    mpa_lock(&init_lock);
    if (atomic_load_explicit(&init_state, memory_order_relaxed) == 0) {
        mpa_sizeclass_init();
#if MPA_CHECKED
        mpa_fl_key = (uintptr_t)mpa_pal_entropy() | 1;
        mpa_code_key = mpa_pal_entropy() << 48 | UINT64_C(0x8080808080808080);
#endif
        bool ok = mpa_backend_init();
        if (ok)
            mpa_hooks_init_locked();
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
    mpa_check_no_recent(c);
    mpa_cc_init(&c->cache, b);
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

bool mpa_thread_init(mpa_local_t *l) {
    if (!mpa_heap_init())
        return false;
    if (l->state == MPA_THREAD_DEAD)
        return false; /* callers take the orphan path */
    /* Arms the exit hook first. Arming may allocate (glibc callocs the block
     * of a key index above 31, and the exit key is the last one): that
     * block lives until after every destructor, so it comes from the orphan
     * lists, not from the core this thread then binds, which would
     * otherwise go back to the pool with a slab still out. */
    l->state = MPA_THREAD_DEAD;
    mpa_hooks_thread_started();
    l->state = MPA_THREAD_NEW;
    mpa_core_t *c = core_acquire();
    if (c == NULL)
        return false;
    l->core = c;
    l->me = (uintptr_t)c;
    mpa_local_reset_room(l);
    l->state = MPA_THREAD_ACTIVE;
    return true;
}

/* ---- slabs ---- */

static void avail_push(mpa_core_t *c, mpa_slab_t *s) {
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
#if MPA_CHECKED
    if ((uintptr_t)c->recent - (uintptr_t)s->base < ((size_t)1 << ci->slab_bits))
        mpa_check_no_recent(c); /* its memory goes */
#endif
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
    mpa_cc_free(&c->cache, s->base, ci->slab_order);
    s->next = c->spare;
    c->spare = s;
    mpa_purger_wake();
}

/* Empty slabs kept per class. Hardened builds keep at least one of a
 * one-chunk slab: their frees go to the slab's list, not the fast list, so
 * in a malloc/free loop the slab empties just before the fast list runs
 * dry, and without one kept it was released and a new one built
 * (slab_build) every `count` pairs (+25 instructions per pair). Not of the
 * larger slabs (up to 256 KiB each: one per class kept 10 MB more on
 * wl-mixed-sizes -s 0.1, 17.4 MB against the fast build's 7.2). */
#define EMPTY_KEEP (MPA_CHECKED && MPA_EMPTY_SLABS_KEEP == 0 ? 1 : MPA_EMPTY_SLABS_KEEP)
#define EMPTY_KEEP_OF(cls) \
    (MPA_CHECKED && MPA_EMPTY_SLABS_KEEP == 0 && mpa_classes[cls].slab_order > 0 ? 0 : EMPTY_KEEP)

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

void mpa_slab_event(mpa_slab_t *s) {
    mpa_core_t *c = s->owner;
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
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

/* Moves every free object of s into the thread's fast list for its class.
 * Counting: a fresh or empty slab puts `count` objects out; an available
 * one puts out its free objects but also settles the frees since it woke,
 * which nets `wake` (see stats.c). */
static void slab_take(mpa_local_t *l, mpa_slab_t *s) {
    const mpa_class_info_t *ci = &mpa_classes[s->cls];
    bool avail = s->state == MPA_SLAB_AVAILABLE;
    mpa_stat_add(&l->core->out[s->cls], avail ? ci->wake : ci->count);
    l->room[s->cls] -= (int32_t)(avail ? ci->count - s->needed : ci->count); /* objects taken */
    l->fast[s->cls] = s->free;
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
    char *base = mpa_cc_alloc(&c->cache, ci->slab_order, &zeroed);
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
    s->free = slab_build(base, ci);
    s->state = MPA_SLAB_EMPTY; /* all free; slab_take counts them out */
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
    mpa_check_no_recent(c);
    for (unsigned cls = 0; cls <= MPA_NUM_CLASSES; cls++) {
        c->avail[cls] = NULL;
        c->empties[cls] = 0;
        atomic_store_explicit(&c->out[cls], 0, memory_order_relaxed);
        atomic_store_explicit(&c->slabs[cls], 0, memory_order_relaxed);
    }
    mpa_remote_post_all(c); /* other owners' objects go home; the buckets empty */
    mpa_remote_init(c);
    mpa_cc_forget(&c->cache);
}

size_t mpa_core_release_empties(mpa_core_t *c) {
    size_t bytes = 0;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        for (mpa_slab_t *s = c->avail[cls], *next; s != NULL; s = next) {
            next = s->next;
            if (s->state != MPA_SLAB_EMPTY)
                continue;
            c->empties[cls]--;
            bytes += (size_t)1 << mpa_classes[cls].slab_bits;
            slab_release(c, s);
        }
    }
    return bytes;
}

/* Refills the fast list of cls from an available slab or a new one. */
static bool refill(mpa_local_t *l, unsigned cls) {
    mpa_core_t *c = l->core;
    mpa_slab_t *s = c->avail[cls];
    if (s != NULL) {
        if (s->state == MPA_SLAB_EMPTY)
            c->empties[cls]--;
        avail_unlink(c, s);
    } else if ((s = slab_new(c, cls)) == NULL) {
        return false;
    }
    slab_take(l, s);
    return true;
}

/* Work every slow path does: messages, and every 16th time a look at the
 * clock for decay of cached memory (the chunk cache paces its own calls the
 * same way; nothing else reads the clock). */
static void maintain(mpa_local_t *l) {
    mpa_remote_drain(l);
    if ((++l->ticks & 15) == 0)
        mpa_cc_tick(&l->core->cache);
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
    orphan.me = (uintptr_t)c;
    mpa_local_reset_room(&orphan);
    orphan.state = MPA_THREAD_ACTIVE;
    return true;
}

static void *orphan_alloc(size_t size) {
    mpa_lock(&orphan_lock);
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
    return mpa_large_alloc(l->core, size, align, zero);
}

void *mpa_alloc_slow(size_t size, mpa_local_t *l) {
    if (MPA_UNLIKELY(l->state != MPA_THREAD_ACTIVE)) { /* only a thread's own lists */
        if (l->state == MPA_THREAD_DEAD)
            return orphan_alloc(size);
        if (!mpa_thread_init(l))
            return oom();
        return mpa_alloc_in(l, size);
    }
    if (size > MPA_MAX_SMALL - MPA_TRAILER)
        return mpa_large_alloc(l->core, size, 0, false); /* refuses absurd sizes */
    unsigned cls = mpa_size_to_class(size + MPA_TRAILER);
    maintain(l);
    if (l->fast[cls] == NULL && !refill(l, cls))
        return oom();
    return mpa_alloc_in(l, size);
}

void mpa_local_reset_room(mpa_local_t *l) {
    for (unsigned cls = 0; cls <= MPA_NUM_CLASSES; cls++)
        l->room[cls] = (int32_t)mpa_classes[cls].hold;
}

/* Keeps the newest half of the list, rounded up (the objects freed last,
 * still in cache; at least the one just freed, or a class whose hold is one
 * object would give it back and refill on every malloc/free pair) and gives
 * the older half back to their slabs: untouched objects of the slab the
 * list was refilled from, and the first of a burst of frees, so that a slab
 * whose objects all came back can empty and be released rather than stay
 * pinned by one object in a list. */
void mpa_fast_overflow(mpa_local_t *l, unsigned cls) {
    int32_t keep = ((int32_t)mpa_classes[cls].hold + 1) / 2;
    void *rest = l->fast[cls];
    if (keep == 0) {
        l->fast[cls] = NULL;
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
    l->room[cls] = (int32_t)mpa_classes[cls].hold - keep;
    maintain(l); /* a program that only frees and reuses never takes another slow path */
}

void mpa_dealloc_local(void *p, mpa_slab_t *s) {
    mpa_fl_set(p, s->free);
    s->free = p;
    if (--s->needed == 0)
        mpa_slab_event(s);
}

void mpa_report_bad_free(const void *p, const mpa_pm_entry_t *e) {
    if (!mpa_pm_covers(p) || e->owner == MPA_PM_UNKNOWN)
        mpa_report("free of a pointer mpalloc did not allocate:", p, 0);
    unsigned kind = mpa_pm_kind(e);
    if (kind == MPA_PM_LARGE_INTERIOR || kind == MPA_PM_LARGE)
        mpa_report("free of a pointer inside a large object:", p, 0);
    if (kind == MPA_PM_DIRTY || kind == MPA_PM_FREE || kind == MPA_PM_RESERVED ||
        kind == MPA_PM_RELEASED)
        mpa_report("double free (or free of a freed block) of the large object at", p, 0);
    mpa_report("free of a pointer that is not allocated:", p, 0);
}

void mpa_dealloc_slow(void *p, mpa_pm_entry_t *e) {
    if (p == NULL)
        return;
    if (MPA_UNLIKELY(!mpa_pm_covers(p)))
        mpa_report_bad_free(p, e);
    /* Checked: reports misuse and marks p held; true when p is held in
     * quarantine (checked.c hands it to mpa_dealloc_owner later). */
    if (MPA_CHECKED && mpa_check_free(p, e))
        return;
    mpa_dealloc_owner(p, e);
}

/* The rarer frees: large objects, and small ones freed by a thread without
 * an active core (new, or after its teardown). Kept apart so that the
 * common remote free below needs no stack frame. */
static void __attribute__((noinline)) dealloc_unusual(mpa_local_t *l, void *p, mpa_pm_entry_t *e) {
    if (!mpa_pm_is_small(e)) {
        if (!mpa_large_is_live(p, e))
            mpa_report_bad_free(p, e);
        mpa_large_free(l, p, e);
        return;
    }
    if (l->state == MPA_THREAD_NEW && ++l->unbound_frees > UNBOUND_FREES_MAX)
        mpa_thread_init(l); /* a thread that frees a lot: batch its frees */
    uintptr_t owner = e->owner;
    if (owner == l->me) {
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
        if (e->owner == l->me)
            mpa_dealloc_local(p, e->small.slab);
        else
            mpa_remote_free(l, p, e->owner, mpa_class_size((unsigned)e->small.cls));
        return;
    }
    dealloc_unusual(l, p, e);
}

/* ---- thread exit ---- */

static void flush_fast_lists(mpa_local_t *l) {
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        void *p = l->fast[cls];
        l->fast[cls] = NULL;
        while (p != NULL) {
            if (MPA_CHECKED)
                mpa_check_listed(p);
            void *next = mpa_fl_next(p);
            mpa_dealloc_local(p, mpa_pm_entry(p)->small.slab);
            p = next;
        }
    }
    mpa_local_reset_room(l);
}

/* Takes in every message waiting for the lists l, then gives their core's
 * empty slabs and cached blocks back; returns the bytes of both. pre: the
 * caller owns l. */
static size_t core_purge(mpa_local_t *l) {
    size_t bytes = 0, n;
    while ((n = mpa_remote_drain(l)) > 0)
        bytes += n;
    bytes += mpa_core_release_empties(l->core);
    return bytes + mpa_cc_drain(&l->core->cache);
}

void mpa_thread_trim(void) {
    mpa_local_t *l = &mpa_local;
    if (l->state == MPA_THREAD_ACTIVE) {
        mpa_check_thread_flush(l); /* checked build: its quarantine */
        core_purge(l);
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
        mpa_local_t as_owner = {.core = c, .me = (uintptr_t)c, .state = MPA_THREAD_ACTIVE};
        bytes += core_purge(&as_owner);
    }
    mpa_unlock(&pool_lock);
    return bytes;
}

void mpa_thread_teardown(void) {
    mpa_local_t *l = &mpa_local;
    if (l->state != MPA_THREAD_ACTIVE)
        return;
    mpa_core_t *c = l->core;
    mpa_check_thread_flush(l); /* checked build: its quarantine */
    mpa_remote_drain(l);
    flush_fast_lists(l);
    mpa_remote_post_all(c);
    mpa_core_release_empties(c); /* a pooled core holds no idle memory */
    mpa_cc_drain(&c->cache);
    mpa_purger_wake(); /* messages may still come: the purger takes them in */
    l->state = MPA_THREAD_DEAD;
    l->me = MPA_NO_OWNER;
    l->core = NULL;
    mpa_lock(&pool_lock);
    c->pool_next = pool;
    pool = c;
    mpa_unlock(&pool_lock);
}

/* ---- fork: no lock may be held by a thread that does not exist in the child ---- */

/* Lock order (allocator/src/README.md): orphan -> init -> pool -> per-core
 * caches -> quarantines -> global backend. Taken at prepare in this order;
 * released (parent) or reset (child) in the reverse one. The order of
 * release matters: the pool lock guards the list of cores (mpa_core_new
 * pushes under it), so the cores are walked again while fork still holds
 * it, and the walk finds exactly the cores prepare took, also when another
 * thread makes a core or forks meanwhile (glibc runs two forks' handlers at
 * once: it drops its atfork lock around each handler). */
static void cores_fork(mpa_fork_stage_t stage) {
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next)
        mpa_cc_fork(&c->cache, stage);
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
