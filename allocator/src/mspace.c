/* mspaces: isolated heaps behind dlmalloc's API. An mspace is a core of its
 * own (slabs, message queue) over a backend of its own, confined to one
 * power-of-two block taken from the global backend; its thread-local lists
 * live in the mspace itself, behind a lock when it was created locked.
 * destroy_mspace decommits the whole block in one call and returns it. The
 * mspace record is pooled for the next create, but each mspace gets a fresh
 * core: frees of its objects may still be on their way from other threads'
 * remote caches, and must land in a queue nobody drains, not in a new heap. */
#include <errno.h>
#include <string.h>

#include "core.h"
#include "mpalloc.h"

#define MSPACE_DEFAULT_BITS 30 /* capacity 0: a 1 GiB reservation */

typedef struct mpa_mspace {
    mpa_lock_t lock; /* held around every call when locked */
    bool locked;
    unsigned order; /* the block: chunk << order bytes */
    char *base;
    mpa_local_t local;     /* the mspace's own fast lists */
    mpa_backend_t backend; /* confined to [base, base + block) */
    struct mpa_mspace *pool_next;
    struct mpa_mspace *all_next; /* every record ever made (never freed), for fork */
} mpa_mspace_t;

static mpa_lock_t pool_lock = MPA_LOCK_INIT;
static mpa_mspace_t *pool;
static mpa_mspace_t *_Atomic all_records;

static void enter(mpa_mspace_t *m) {
    if (m->locked)
        mpa_lock(&m->lock);
}

static void leave(mpa_mspace_t *m) {
    if (m->locked)
        mpa_unlock(&m->lock);
}

static mpa_mspace_t *record_get(void) {
    mpa_lock(&pool_lock);
    mpa_mspace_t *m = pool;
    if (m)
        pool = m->pool_next;
    mpa_unlock(&pool_lock);
    if (m)
        return m;
    m = mpa_meta_alloc(sizeof *m, MPA_CACHELINE);
    if (m == NULL)
        return NULL;
    m->lock = (mpa_lock_t)MPA_LOCK_INIT;
    m->backend.lock = (mpa_lock_t)MPA_LOCK_INIT;
    /* Under the pool lock, which fork holds while it walks this list (see
     * fork_outer): a record pushed between two walks of one fork would
     * have its locks released by a fork that never took them. */
    mpa_lock(&pool_lock);
    m->all_next = atomic_load_explicit(&all_records, memory_order_relaxed);
    atomic_store_explicit(&all_records, m, memory_order_release);
    mpa_unlock(&pool_lock);
    return m;
}

static void record_put(mpa_mspace_t *m) {
    mpa_lock(&pool_lock);
    m->pool_next = pool;
    pool = m;
    mpa_unlock(&pool_lock);
}

/* ---- fork: the mspace pool and every mspace's lock come first in the
 * lock order, their backends' locks after the per-core caches (an mspace
 * call takes its core's cache lock, then its backend's); the core's fork
 * handlers (hooks.c) call these around their own. The pool lock guards the
 * list of records and is released last (after fork_inner, and after the
 * records' locks here), so that every walk of one fork finds the same
 * records: the ones whose locks its prepare took. ---- */

static void records_fork(mpa_fork_stage_t stage) {
    for (mpa_mspace_t *m = atomic_load(&all_records); m != NULL; m = m->all_next)
        mpa_lock_fork(&m->lock, stage);
}

static void fork_outer(mpa_fork_stage_t stage) {
    if (stage == MPA_FORK_PREPARE) {
        mpa_lock_fork(&pool_lock, stage);
        records_fork(stage);
    } else {
        records_fork(stage);
        mpa_lock_fork(&pool_lock, stage);
    }
}

static void fork_inner(mpa_fork_stage_t stage) {
    for (mpa_mspace_t *m = atomic_load(&all_records); m != NULL; m = m->all_next)
        mpa_lock_fork(&m->backend.lock, stage);
}

static const mpa_fork_ext_t fork_ext = {.outer = fork_outer, .inner = fork_inner};

/* Joins the fork handlers at load, before any thread can create an mspace
 * (create_mspace joins again, for a call from an earlier constructor). */
__attribute__((constructor)) static void join_fork(void) {
    mpa_hooks_fork_extend(&fork_ext);
    mpa_hooks_init(); /* the fork handlers, where no override constructor registered them */
}

MPA_EXPORT mspace create_mspace(size_t capacity, int locked) {
    if (!mpa_core_init())
        return NULL;
    mpa_hooks_fork_extend(&fork_ext);
    size_t want = capacity ? capacity : (size_t)1 << MSPACE_DEFAULT_BITS;
    if (want > ((size_t)1 << 46)) {
        errno = ENOMEM;
        return NULL;
    }
    unsigned order = mpa_ceil_log2((want + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS);
    unsigned min_order = MPA_MAX_SMALL_BITS + 6 - MPA_CHUNK_BITS; /* room for the largest slab */
    order = order < min_order ? min_order : order;
    char *base = mpa_backend_alloc_arena(order); /* committed as it is used */
    mpa_mspace_t *m = base ? record_get() : NULL;
    mpa_core_t *c = m ? mpa_core_new(&m->backend) : NULL;
    if (c == NULL) {
        if (m)
            record_put(m);
        if (base)
            mpa_backend_free(base, order);
        errno = ENOMEM;
        return NULL;
    }
    m->locked = locked != 0;
    m->order = order;
    m->base = base;
    mpa_backend_init_in(&m->backend, base, order);
    memset(&m->local, 0, sizeof m->local);
    m->local.core = c;
    m->local.me = c;
    mpa_core_reset_room(c);
    m->local.state = MPA_THREAD_ACTIVE;
    return m;
}

MPA_EXPORT size_t destroy_mspace(mspace msp) {
    mpa_mspace_t *m = msp;
    if (m == NULL)
        return 0;
    enter(m);
    size_t held = mpa_backend_committed_in(&m->backend);
    size_t used = mpa_backend_arena_used(&m->backend);
    /* Every label inside the block goes: a later free of an object of this
     * mspace is then reported, not taken for a live one. */
    mpa_pm_label(m->base, used >> MPA_CHUNK_BITS, mpa_pm_plain(mpa_pm_tag(MPA_PM_RESERVED, 0)));
    mpa_pal_notify_not_using(m->base, used);
    mpa_core_forget(m->local.core);
    leave(m);
    mpa_backend_free_clean(m->base, m->order);
    record_put(m);
    return held;
}

MPA_EXPORT void *mspace_malloc(mspace msp, size_t size) {
    mpa_mspace_t *m = msp;
    enter(m);
    void *p = mpa_alloc_in(&m->local, size);
    leave(m);
    return p;
}

/* The mspace's own objects go straight back to their slabs; anything else
 * (another heap's object, or any free in the checked build) takes the
 * general path. */
MPA_EXPORT void mspace_free(mspace msp, void *p) {
    mpa_mspace_t *m = msp;
    enter(m);
    mpa_dealloc_in(&m->local, p);
    leave(m);
}

MPA_EXPORT void *mspace_calloc(mspace msp, size_t n, size_t size) {
    mpa_mspace_t *m = msp;
    enter(m);
    void *p = mpa_heap_calloc(&m->local, n, size);
    leave(m);
    return p;
}

MPA_EXPORT void *mspace_memalign(mspace msp, size_t align, size_t size) {
    if (align & (align - 1)) {
        errno = EINVAL;
        return NULL;
    }
    mpa_mspace_t *m = msp;
    enter(m);
    void *p = mpa_heap_aligned(&m->local, align, size);
    leave(m);
    return p;
}

MPA_EXPORT void *mspace_realloc(mspace msp, void *p, size_t size) {
    if (p == NULL)
        return mspace_malloc(msp, size);
    mpa_mspace_t *m = msp;
    enter(m);
    void *q = mpa_heap_realloc(&m->local, p, size);
    leave(m);
    return q;
}

MPA_EXPORT size_t mspace_usable_size(const void *p) { return mpa_malloc_usable_size(p); }

MPA_EXPORT size_t mspace_footprint(mspace msp) {
    mpa_mspace_t *m = msp;
    return mpa_backend_committed_in(&m->backend);
}
