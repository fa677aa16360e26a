/* The per-thread allocator. A core owns slabs and a message queue; a thread
 * holds one core while it runs (cores of exited threads go to a pool and are
 * reused, never destroyed, as messages may still be on their way to them).
 * The thread-local part (mpa_local) holds the per-class fast free lists, so
 * malloc and a local free are a handful of instructions inlined below. */
#ifndef MPA_CORE_H
#define MPA_CORE_H

#include "backend.h"
#include "chunkcache.h"
#include "slab.h"

#define MPA_NO_OWNER ((uintptr_t)1) /* matches no pagemap entry */

enum { MPA_THREAD_NEW = 0, MPA_THREAD_ACTIVE = 1, MPA_THREAD_DEAD = 2 };

/* A bucket's batch is a list of carriers: freed objects that carry, after
 * their queue link (word 0), the addresses of other freed objects of the
 * same owner (remote.c), so that a remote free writes into one object per
 * carrier, not into each. */
typedef struct mpa_remote_bucket {
    uintptr_t owner;   /* core the batch goes to */
    void *head, *tail; /* closed carriers, linked through first words */
    void **cur;        /* the carrier being filled (NULL: bucket empty) */
    size_t n, cap;     /* addresses cur carries, and how many it can */
} mpa_remote_bucket_t;

typedef struct mpa_core {
    _Atomic(void *) q_back; /* producers swap their last object in */
    char pad0[MPA_CACHELINE - sizeof(void *)];
    void *q_front;                          /* consumer end; owner only */
    void *q_stub;                           /* storage of the stub message */
    mpa_slab_t *avail[MPA_NUM_CLASSES + 1]; /* slabs with free objects */
    uint16_t empties[MPA_NUM_CLASSES + 1];  /* fully free slabs kept on avail */
    mpa_slab_t *spare;                      /* recycled slab records */
    mpa_slab_t *all_slabs;                  /* every live slab, for mpa_core_forget */
    size_t remote_bytes;                    /* bytes waiting in remote[] */
    size_t remote_used;                     /* entries in remote_list */
    mpa_remote_bucket_t remote[MPA_REMOTE_SLOTS];
    uint16_t remote_list[MPA_REMOTE_SLOTS];     /* buckets holding a batch */
    mpa_backend_t *backend;                     /* where its slabs and large objects come from */
    struct mpa_core *pool_next;                 /* pool of cores without a thread */
    struct mpa_core *all_next;                  /* every core, for statistics */
    _Atomic int64_t out[MPA_NUM_CLASSES + 1];   /* objects out of slabs (see stats.c) */
    _Atomic int64_t slabs[MPA_NUM_CLASSES + 1]; /* slabs this core owns */
    _Atomic uint64_t slabs_created, slabs_released; /* slab events (owner writes) */
    mpa_chunkcache_t cache;                         /* blocks this core freed, for its reuse */
} mpa_core_t;

typedef struct mpa_local {
    void
        *fast[MPA_NUM_CLASSES + 1]; /* objects ready for malloc, one list per class, newest first */
    int32_t
        room[MPA_NUM_CLASSES + 1]; /* objects a list may still take: mpa_classes[].hold - length */
    uintptr_t me;                  /* address of this thread's core, or MPA_NO_OWNER */
    mpa_core_t *core;
    uint32_t ticks;         /* slow paths, to pace decay checks */
    uint8_t state;          /* MPA_THREAD_* */
    uint16_t unbound_frees; /* frees made while MPA_THREAD_NEW */
} mpa_local_t;

MPA_HIDDEN extern __thread mpa_local_t mpa_local __attribute__((tls_model("initial-exec")));

/* Statistics are kept per slab event, never on the fast paths. */
MPA_INLINE void mpa_stat_add(_Atomic int64_t *counter, int64_t delta) {
    if (MPA_STATS)
        atomic_fetch_add_explicit(counter, delta, memory_order_relaxed);
}

MPA_HIDDEN void *mpa_alloc_slow(size_t size, mpa_local_t *l) __attribute__((noinline));

/* checked.c (hardened builds only): the object about to be handed out must
 * be intact (it then records `size`, the requested size, in its trailer);
 * the object being freed must be the start of an allocated object with its
 * canary intact. */
MPA_HIDDEN void mpa_check_alloc(mpa_local_t *l, void *p, unsigned cls, size_t size)
    __attribute__((noinline));
MPA_HIDDEN bool mpa_check_free(void *p, mpa_pm_entry_t *e) __attribute__((noinline));
MPA_HIDDEN void mpa_check_live(const void *p, const mpa_pm_entry_t *e, const char *what);
/* Records a new requested size for the live small object p of class cls
 * (realloc in place, aligned allocations). */
MPA_HIDDEN void mpa_check_resize(void *p, unsigned cls, size_t size);
/* Records the requested size of the large object p (just labelled) and
 * writes its canary. */
MPA_HIDDEN void mpa_check_large_alloc(void *p, size_t size);
/* Requested size of the live object p (checked: from its trailer). */
MPA_HIDDEN size_t mpa_check_requested(const void *p, const mpa_pm_entry_t *e);
/* Frees every object the quarantines hold, when memory runs out; true
 * when they held any (the caller then tries again). */
MPA_HIDDEN bool mpa_quarantine_flush(void);
/* The quarantine locks across fork (mpa_lock_fork). */
MPA_HIDDEN void mpa_check_fork(mpa_fork_stage_t stage);
/* Bytes of freed objects the hardened builds hold in quarantine (counted
 * as live by the slabs and the large-object counter); 0 in the fast build. */
MPA_HIDDEN size_t mpa_quarantined_bytes(void);
/* Reports a sized free (free_sized, sized operator delete) whose size is
 * not the requested size of the live object p. */
MPA_HIDDEN void mpa_check_sized_free(const void *p, size_t size);
/* Marks p freed (checked mode); nothing in the fast build. */
MPA_INLINE void mpa_mark_freed(void *p);
MPA_HIDDEN void mpa_dealloc_slow(void *p, mpa_pm_entry_t *e) __attribute__((noinline));
/* The part of free after the checks: p (checked, marked freed) goes back to
 * its slab, its owner's queue or the backend. */
MPA_HIDDEN void mpa_dealloc_owner(void *p, mpa_pm_entry_t *e);
MPA_HIDDEN void mpa_slab_event(mpa_slab_t *s) __attribute__((noinline));
/* A local free found the fast list of cls full: keeps its newest half and
 * gives the older half back to their slabs, and does a slow path's upkeep
 * (messages, decay pacing). */
MPA_HIDDEN void mpa_fast_overflow(mpa_local_t *l, unsigned cls) __attribute__((noinline));
/* Empty fast lists: every class may take its full hold again. */
MPA_HIDDEN void mpa_local_reset_room(mpa_local_t *l);

/* malloc fast path, 13 instructions counted in the shared library:
 *   size check (2), TLS offset (1), class lookup (2: the table is indexed by
 *   the size), load head, test, branch (3), load next, store (2), room back
 *   (1), move the result, return (2). Sizes too large for a class (and
 *   absurd ones) go to the slow path, which checks them. */
MPA_INLINE void *mpa_alloc_in(mpa_local_t *l, size_t size) {
    if (MPA_LIKELY(size <= MPA_MAX_SMALL - MPA_TRAILER)) {
        size_t cls = mpa_size_to_class(size + MPA_TRAILER);
        void *p = l->fast[cls];
        if (MPA_LIKELY(p != NULL)) {
            l->fast[cls] = mpa_fl_next(p);
            if (MPA_CHECKED)
                mpa_check_alloc(l, p, (unsigned)cls, size); /* looks at the next link too */
            else
                l->room[cls]++;
            return p;
        }
    }
    return mpa_alloc_slow(size, l);
}

/* malloc's fast path on this thread's lists. */
MPA_INLINE void *mpa_alloc(size_t size) { return mpa_alloc_in(&mpa_local, size); }

/* free fast path for an object of this thread (hot local reuse), 16
 * instructions: pagemap lookup (4: shift, mask, base; pagemap.h), owner test
 * (4: TLS offset, load, compare, branch), class (1), push on this thread's
 * fast list of the class (3), count its room down (3: GCC adds a lea),
 * return. The object freed last is the next one malloc hands out for its
 * class, while it is still in cache; a list over its hold keeps its newest
 * half. NULL and foreign pointers take the slow path. */
MPA_INLINE void mpa_dealloc_in(mpa_local_t *l, void *p) {
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (MPA_LIKELY(e->owner == l->me) && !MPA_CHECKED) {
        uintptr_t cls = e->small.cls;
        mpa_fl_set(p, l->fast[cls]);
        l->fast[cls] = p;
        if (MPA_UNLIKELY(--l->room[cls] < 0))
            mpa_fast_overflow(l, (unsigned)cls);
        return;
    }
    mpa_dealloc_slow(p, e); /* others' objects go through this thread's remote cache */
}

/* free's fast path on this thread's lists. */
MPA_INLINE void mpa_dealloc(void *p) { mpa_dealloc_in(&mpa_local, p); }

/* heap.c: the rest of the malloc family, on a thread's or an mspace's lists.
 * Arguments are checked by the callers (override.c, mspace.c), except
 * calloc's product, checked here for both. */
#define MPA_MAX_REQUEST (SIZE_MAX >> 1) /* PTRDIFF_MAX: pointer differences must fit */
MPA_HIDDEN void *mpa_calloc_in(mpa_local_t *l, size_t n, size_t size);
MPA_HIDDEN void *mpa_realloc_in(mpa_local_t *l, void *p, size_t size);
MPA_HIDDEN void *mpa_aligned_in(mpa_local_t *l, size_t align, size_t size);
MPA_HIDDEN size_t mpa_usable_size(const void *p);

/* ---- slow-path services shared by core.c, remote.c, large.c, override ---- */

/* Makes this thread's core ready; false when the heap cannot start. */
MPA_HIDDEN bool mpa_thread_init(mpa_local_t *l);
/* Starts the heap (once per process); false when the platform refuses. */
MPA_HIDDEN bool mpa_heap_init(void);
/* A core with empty lists and its queue ready, never freed. */
MPA_HIDDEN mpa_core_t *mpa_core_new(mpa_backend_t *b);
/* Returns every slab record of c to its spare list and forgets its slabs
 * (their memory is going away with c's backend); c stays usable. */
MPA_HIDDEN void mpa_core_forget(mpa_core_t *c);
/* Gives every block cached by core c (its chunk cache) back to its backend;
 * callable from any thread at any time (takes c's cache lock, never the
 * owner's fast lists). Returns the bytes given back. The idle purger and
 * malloc_trim use these; empty slabs an active core keeps are its own. */
MPA_HIDDEN size_t mpa_chunkcache_drain(mpa_core_t *c);
/* The same for every core (thread cores, pooled cores and mspace cores). */
MPA_HIDDEN size_t mpa_chunkcache_drain_all(void);
/* Owner only: releases c's empty slabs it keeps for reuse; returns bytes. */
MPA_HIDDEN size_t mpa_core_release_empties(mpa_core_t *c);
/* Thread exit: hands fast lists and remote cache back, gives empty slabs
 * and cached chunks to the backend, pools the core. Later calls on this
 * thread bind no core (see the orphan lists in core.c). */
MPA_HIDDEN void mpa_thread_teardown(void);
/* A large object for lists l (a thread's after its teardown: from the
 * orphan lists); readies a new thread's lists. NULL with errno ENOMEM. */
MPA_HIDDEN void *mpa_lists_large(mpa_local_t *l, size_t size, size_t align, bool zero);
/* Takes in the messages of pooled cores and of the orphan lists and gives
 * their empty slabs and cached blocks back (the idle purger and
 * malloc_trim); returns the bytes taken in and given back. */
MPA_HIDDEN size_t mpa_pool_purge(void);
/* Frees p, a small object of this thread's core, to its slab s. */
MPA_HIDDEN void mpa_dealloc_local(void *p, mpa_slab_t *s);
MPA_HIDDEN mpa_core_t *mpa_core_list(void);

/* remote.c */
MPA_HIDDEN void mpa_remote_init(mpa_core_t *c);
MPA_HIDDEN void mpa_remote_free(mpa_local_t *l, void *p, uintptr_t owner, size_t size);
MPA_HIDDEN void mpa_remote_post_all(mpa_core_t *c);
MPA_HIDDEN void mpa_remote_post_one(mpa_core_t *owner, void *p);
/* Takes in at most MPA_DRAIN_MAX bytes of messages; returns the bytes taken. */
MPA_HIDDEN size_t mpa_remote_drain(mpa_local_t *l);

/* large.c: objects above MPA_MAX_SMALL, from core c's chunk cache (medium
 * sizes) or straight from its backend */
MPA_HIDDEN void *mpa_large_alloc(mpa_core_t *c, size_t size, size_t align, bool zero);
/* Frees a live large object: into l's chunk cache when l runs on the
 * object's backend, else back to that backend. */
MPA_HIDDEN void mpa_large_free(mpa_local_t *l, void *p, mpa_pm_entry_t *e);
MPA_HIDDEN size_t mpa_large_usable(const mpa_pm_entry_t *e);
/* True when p is the start of a large object that is still allocated. */
MPA_INLINE bool mpa_large_is_live(const void *p, const mpa_pm_entry_t *e) {
    return mpa_pm_kind(e) == MPA_PM_LARGE && e->large.base == p && e->large.usable != 0;
}
/* Reports a free of p, which is no live object (e: its entry, not small). */
MPA_HIDDEN void mpa_report_bad_free(const void *p, const mpa_pm_entry_t *e)
    __attribute__((noreturn, cold));
/* Resizes the large object p (entry e) where it lies, or moves a huge one
 * without copying; returns its address, or NULL when the caller must copy. */
MPA_HIDDEN void *mpa_large_resize(void *p, mpa_pm_entry_t *e, size_t size);
MPA_HIDDEN int64_t mpa_large_live_bytes(void);

/* hooks.c: process and thread lifecycle, through the PAL (thread exit and
 * fork; a platform without them refuses, and these do nothing there).
 * Registers the thread-exit handler; under the init lock, never allocates. */
MPA_HIDDEN void mpa_hooks_init_locked(void);
/* Registers the fork handlers, once the heap is ready (may allocate). */
MPA_HIDDEN void mpa_hooks_init(void);
/* Arms the thread-exit handler of a thread that just bound a core. */
MPA_HIDDEN void mpa_hooks_thread_started(void);

/* Fork stages of a higher layer with locks of its own (mspace.c): outer
 * runs before every core lock is taken (and after each is released or
 * reset), inner after the global backend's lock is taken
 * (and before they are released or reset). */
typedef struct mpa_fork_ext {
    void (*outer)(mpa_fork_stage_t stage);
    void (*inner)(mpa_fork_stage_t stage);
} mpa_fork_ext_t;
/* Joins ext to the fork handlers (one extension; registering it again is
 * harmless). Must happen before any of ext's locks exists to be held: from a
 * constructor, and again before the first lock is made. */
MPA_HIDDEN void mpa_hooks_fork_extend(const mpa_fork_ext_t *ext);

/* purge.c: the idle purger, a background thread (through the PAL) started the
 * first time memory is cached (cheap when it runs already or is disabled). */
MPA_HIDDEN void mpa_purger_start(void);
MPA_HIDDEN void mpa_purger_fork_child(void);
/* Gives every cached byte back at once (malloc_trim); true when there was any. */
MPA_HIDDEN bool mpa_trim_all(void);
/* Takes in this thread's messages and gives its core's empty slabs back. */
MPA_HIDDEN void mpa_thread_trim(void);

/* The orphan, init and pool locks, every chunk cache's, the quarantines' and
 * the global backend's, across fork (mpa_lock_fork), for the fork hooks. */
MPA_HIDDEN void mpa_core_fork(mpa_fork_stage_t stage);

#if MPA_CHECKED
/* A freed small object carries this in its second word: a use-after-free
 * write or a second free of it is then visible. */
MPA_INLINE uintptr_t mpa_freed_mark(const void *p) {
    return mpa_fl_key ^ ((uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15));
}
MPA_INLINE void mpa_mark_freed(void *p) { ((uintptr_t *)p)[1] = mpa_freed_mark(p); }
/* Key of the trailer word that records a small object's requested size. */
MPA_INLINE uintptr_t mpa_trailer_key(const void *p) {
    return mpa_fl_key ^ ((uintptr_t)p * UINT64_C(0xD6E8FEB86659FD93));
}
/* A never-allocated object of a new slab (size bytes): free, with a trailer
 * that reads as valid, so that its neighbours' underflow checks hold (in a
 * 16-byte object the mark takes the trailer's place). */
MPA_INLINE void mpa_mark_fresh(void *p, size_t size) {
    *(uintptr_t *)((char *)p + size - 8) = mpa_trailer_key(p) ^ (size - 8);
    mpa_mark_freed(p);
}
#else
MPA_INLINE void mpa_mark_freed(void *p) { (void)p; }
MPA_INLINE void mpa_mark_fresh(void *p, size_t size) { (void)p, (void)size; }
#endif

#endif /* MPA_CORE_H */
