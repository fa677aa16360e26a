/* The per-thread allocator. A core owns slabs and a message queue; a thread
 * holds one core while it runs (cores of exited threads go to a pool and are
 * reused, never destroyed, as messages may still be on their way to them).
 * The core holds the per-class fast free lists, which the thread reaches
 * through its thread-local part (mpa_local.me), so malloc and a local free
 * are a handful of instructions inlined below; the purger may take them
 * back from a thread asleep in the kernel (core.c, "lending"). */
#ifndef MPA_CORE_H
#define MPA_CORE_H

#include "backend.h"
#include "chunkcache.h"
#include "slab.h"

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
    /* The fast lists, read and written only by the thread that uses the
     * core (through mpa_local.me), or by the purger while it is lent; first,
     * so that the fast paths index them without an offset. */
    void
        *fast[MPA_NUM_CLASSES + 1]; /* objects ready for malloc, one list per class, newest first */
    int32_t
        room[MPA_NUM_CLASSES + 1]; /* objects a list may still take: mpa_classes[].hold - length */
#if MPA_CHECKED
    /* Checked build: a free of the thread's own small object waits in its
     * class's delay slot (held mark) until the next free of that class
     * pushes it on the fast list, so that the next malloc never hands back
     * the object freed last (a delayed double free finds it still marked
     * freed; a write after free lands in an object no one uses yet). */
    void *delay[MPA_NUM_CLASSES + 1];
    const uintptr_t *recent; /* the object freed last, verified at each malloc, */
    uintptr_t recent_key;    /* with its words 0 ^ 1 as freed (mpa_no_recent, 0: none) */
#endif
    _Alignas(MPA_CACHELINE) _Atomic(void *) q_back; /* producers swap their last object in */
    char pad0[MPA_CACHELINE - sizeof(void *)];
    void *q_front;                              /* consumer end; owner only */
    void *q_stub;                               /* storage of the stub message */
    mpa_slab_t *avail[MPA_NUM_CLASSES + 1];     /* slabs with free objects */
    uint16_t empties[MPA_NUM_CLASSES + 1];      /* fully free slabs kept on avail */
    mpa_slab_t *spare;                          /* recycled slab records */
    mpa_slab_t *all_slabs;                      /* every live slab, for mpa_core_forget */
    size_t remote_bytes;                        /* bytes waiting in remote[] */
    size_t remote_used;                         /* entries in remote_list */
    mpa_backend_t *backend;                     /* where its slabs and large objects come from */
    struct mpa_core *pool_next;                 /* pool of cores without a thread */
    struct mpa_core *all_next;                  /* every core, for statistics */
    _Atomic int64_t out[MPA_NUM_CLASSES + 1];   /* objects out of slabs (see stats.c) */
    _Atomic int64_t slabs[MPA_NUM_CLASSES + 1]; /* slabs this core owns */
    _Atomic uint64_t slabs_created, slabs_released; /* slab events (owner writes) */
    mpa_chunkcache_t cache;                         /* blocks this core freed, for its reuse */
    /* hardened builds only (NULL in the fast build): */
    struct mpa_quarantine *quarantine; /* freed medium/large objects held back (checked.c) */
    /* Lending an idle thread's core to the purger (core.c, "lending"): */
    struct mpa_local *_Atomic thread; /* lists of the thread using it (its TLS), or NULL */
    int tid;                          /* that thread's id (the PAL's) */
    const void *handler_mark;         /* its signal-handler mark (the PAL's) */
    _Atomic uint32_t epoch;           /* its slow paths, counted by the thread */
    _Atomic uint32_t busy;            /* the thread is inside a slow path (nesting depth) */
    _Atomic uint32_t lent;            /* drained by the purger since the thread's last call */
    mpa_lock_t lend_lock;             /* the purger's drain, the thread's taking its lists back */
    uint32_t seen_epoch, idle_rounds, lend_tries; /* the purger's own view */
    /* Last: the remote cache's buckets, touched only when used. */
    uint16_t remote_list[MPA_REMOTE_SLOTS]; /* buckets holding a batch */
    mpa_remote_bucket_t remote[MPA_REMOTE_SLOTS];
} mpa_core_t;

/* A thread's (or an mspace's, or the orphan lists') handle on its core.
 * `me` is the core whose fast lists the fast paths use and whose objects
 * free pushes on them: the thread's core, or mpa_local_none (empty lists, no
 * object owned) before the thread binds one, after its teardown, and while
 * the purger has taken its lists back (an idle thread's: see "lending" in
 * core.c); the slow path then takes them back. */
typedef struct mpa_local {
    struct mpa_core *_Atomic me; /* lists the fast paths use: core, or &mpa_local_none */
    mpa_core_t *core;            /* this thread's core (NULL until bound) */
    uint32_t ticks;              /* slow paths, to pace decay checks */
    uint8_t state;               /* MPA_THREAD_* */
    uint16_t unbound_frees;      /* frees made while MPA_THREAD_NEW */
} mpa_local_t;

/* local.c: no lists, owner of nothing: what `me` reads when no core's
 * lists are in use. */
MPA_HIDDEN extern mpa_core_t mpa_local_none;

/* The core whose lists l's fast paths use (a relaxed load: the purger may
 * swap it for mpa_local_none). */
MPA_INLINE mpa_core_t *mpa_lists(mpa_local_t *l) {
    return atomic_load_explicit(&l->me, memory_order_relaxed);
}

/* local.c: the calling thread's handle. */
MPA_HIDDEN extern __thread mpa_local_t mpa_local __attribute__((tls_model("initial-exec")));

/* Statistics are kept per slab event, never on the fast paths. */
MPA_INLINE void mpa_stat_add(_Atomic int64_t *counter, int64_t delta) {
    if (MPA_STATS)
        atomic_fetch_add_explicit(counter, delta, memory_order_relaxed);
}

/* core.c: the slow paths the inline fast paths below call. malloc's: a
 * refill, a large object, a thread's first call (size as asked). */
MPA_HIDDEN void *mpa_alloc_slow(size_t size, mpa_local_t *l) __attribute__((noinline));
/* free's: NULL, foreign or large objects, the checked build's checks. */
MPA_HIDDEN void mpa_dealloc_slow(void *p, mpa_pm_entry_t *e) __attribute__((noinline));
/* A sized free of p (entry e) that left the fast path: mpa_check_sized_free
 * (checked builds), then mpa_dealloc_slow. */
MPA_HIDDEN void mpa_dealloc_sized_slow(void *p, mpa_pm_entry_t *e, size_t size)
    __attribute__((noinline));
/* The checked build's fast free made a slab event due on s. */
MPA_HIDDEN void mpa_slab_event(mpa_slab_t *s) __attribute__((noinline));
/* A local free found the fast list of cls full: keeps its newest half and
 * gives the older half back to their slabs, and does a slow path's upkeep
 * (messages, decay pacing). */
MPA_HIDDEN void mpa_fast_overflow(mpa_local_t *l, unsigned cls) __attribute__((noinline));

/* checked.c: the hardened builds' checks and quarantine (see the inline
 * checks further down), below every other core file but local.c and
 * chunkcache.c; what it needs from above comes in through these two.
 * Draws the keys (hardened builds) and takes what it calls above it; at
 * heap start. */
typedef struct mpa_check_upcalls {
    /* where a quarantined object goes when released (core.c's: with
     * to_fast, a small object of the calling thread's joins its fast list,
     * else its owner takes it back, as mpa_dealloc_owner) */
    void (*release)(void *p, mpa_pm_entry_t *e, bool to_fast);
    /* a large object entering (held) or leaving the quarantine: its slack
     * leaves or rejoins the slack budget (large.c's mpa_large_hold_slack) */
    void (*hold_slack)(void *p, const mpa_pm_entry_t *e, bool held);
} mpa_check_upcalls_t;
MPA_HIDDEN void mpa_check_init(const mpa_check_upcalls_t *up);
/* What a front end above the core (the debug build's debug.c) holds and
 * the core must reach; registered by the front end before it holds any. */
typedef struct mpa_check_frontend {
    void (*thread_exit)(void);      /* the exiting thread's part, before its core goes */
    void (*fork)(mpa_fork_stage_t); /* its locks, after the cores' and before the backend's */
    bool (*flush)(void);            /* frees what it holds back; true when it held any */
    size_t (*held_bytes)(void);     /* bytes of freed objects it holds back */
    bool (*bounds)(const void *a, const char **start, size_t *n); /* its object holding a */
    void (*about)(const char *user); /* names that object's sites in the next report */
} mpa_check_frontend_t;
/* Registers fe (one; registering it again is harmless). */
MPA_HIDDEN void mpa_check_frontend(const mpa_check_frontend_t *fe);
/* A thread exits: the front end's part (before the core's teardown). */
MPA_HIDDEN void mpa_check_thread_exit(void);
/* Reports a free of p, which is no live object (e: its entry, not small). */
MPA_HIDDEN void mpa_check_bad_free(const void *p, const mpa_pm_entry_t *e)
    __attribute__((noreturn, cold));
/* Reports a free object whose MAC does not hold as malloc pops it. */
MPA_HIDDEN void mpa_check_bad_pop(const void *p, unsigned cls) __attribute__((noreturn, cold));
/* Reports the free object p (on a list, leaving it) unless its MAC holds. */
MPA_HIDDEN void mpa_check_listed(const void *p);
/* Reports p, a remote-freed object of class cls its owner takes in, unless
 * it still carries the held mark (a write after free in transit). */
MPA_HIDDEN void mpa_check_taken_in(const void *p, unsigned cls);
/* A medium allocation p on lists l: verifies the newest object of the
 * thread's quarantine (a write just after its free); returns p. */
MPA_HIDDEN void *mpa_check_medium_alloc(mpa_local_t *l, void *p) __attribute__((noinline));
/* Slow-path free checks: the object must be the start of a live object of
 * ours with its canaries intact; p is then marked freed (held). True when
 * p is held in quarantine (checked.c hands it to mpa_dealloc_owner later). */
MPA_HIDDEN bool mpa_check_free(void *p, mpa_pm_entry_t *e) __attribute__((noinline));
MPA_HIDDEN void mpa_check_live(const void *p, const mpa_pm_entry_t *e, const char *what);
/* True when the small object p reads as freed (checked builds). */
MPA_HIDDEN bool mpa_small_is_freed(const void *p);
/* Records a new requested size for the live small object p of class cls
 * (realloc in place, aligned allocations), keeping its bytes below it. */
MPA_HIDDEN void mpa_check_resize(void *p, unsigned cls, size_t size);
/* Records the requested size of the large object p (just labelled) and
 * writes its canary. */
MPA_HIDDEN void mpa_check_large_alloc(void *p, size_t size);
/* Requested size of the live object p (checked: from its tail code). */
MPA_HIDDEN size_t mpa_check_requested(const void *p, const mpa_pm_entry_t *e);
/* Frees every object the calling thread's quarantine holds (the debug
 * build: the debug quarantine), when memory runs out; true when it held
 * any (the caller then tries again). */
MPA_HIDDEN bool mpa_quarantine_flush(void);
/* Frees every object the quarantine of lists l holds (thread exit, trim);
 * true when it held any. */
MPA_HIDDEN bool mpa_check_thread_flush(mpa_local_t *l);
/* The quarantine locks across fork (mpa_lock_fork): the front end's. */
MPA_HIDDEN void mpa_check_fork(mpa_fork_stage_t stage);
/* Bytes of freed objects the hardened builds hold in quarantine (counted
 * as live by the slabs and the large-object counter), in the cores listed
 * from `cores` (mpa_core_list) or the front end; 0 in the fast build. */
MPA_HIDDEN size_t mpa_quarantined_bytes(mpa_core_t *cores);
/* For copies.c (hardened builds): reports when the len bytes at a, inside a
 * heap object, pass its requested end (write: the copy's destination, else
 * its source), or when the object is freed. Callers first rule out
 * addresses whose pagemap entry is no heap object's (mpa_copy_may_check). */
MPA_HIDDEN void mpa_check_range(const char *call, const void *a, size_t len, bool write)
    __attribute__((noinline));
/* True when a may lie in a heap object (its pagemap entry is not of unknown
 * memory: stack, static data, other mappings read 0): 6 instructions. */
MPA_INLINE bool mpa_copy_may_check(const void *a) {
    return mpa_pm_entry(a)->owner != MPA_PM_UNKNOWN;
}
/* Reports a sized free (free_sized, sized operator delete) whose size is
 * not the requested size of the live object p. */
MPA_HIDDEN void mpa_check_sized_free(const void *p, size_t size);

/* ---- checked builds: the checks inlined in the fast paths ----
 * Objects of classes from MPA_QUARANTINE_MIN bytes (few per slab, so a freed
 * one comes back at once) are freed through the slow path, to quarantine. */
#define MPA_QUARANTINE_MIN ((size_t)4096)
/* The slack code: an object's last MPA_CODE_BYTES bytes (the top bytes of
 * its last word) hold its slack less MPA_TRAILER, XORed with the top bytes
 * of a per-process key, mpa_code_key (the same for every object: a right
 * neighbour's underflow test reads it without a multiply). The byte right
 * after the request holds the canary byte, mpa_code_key's byte
 * MPA_CODE_SHIFT / 8 (>= 0x80, so that the bytes programs write most, 0 and
 * text, never match by chance); with the least slack, MPA_TRAILER, that byte
 * is the code's first, whose value it then is. (The fast build compiles the
 * code below away: any shift will do.) */
#define MPA_CODE_BYTES (MPA_TRAILER ? MPA_TRAILER : 2)
#define MPA_CODE_SHIFT (64 - 8 * MPA_CODE_BYTES)
#if MPA_CODE_BYTES > 2
typedef uint32_t mpa_code_t;
#else
typedef uint16_t mpa_code_t;
#endif

#if MPA_CHECKED
MPA_HIDDEN extern uint64_t mpa_code_key;
#else
#define mpa_code_key UINT64_C(0x8080808080808080)
#endif

/* The key of the slack code, and the canary byte (its low byte). */
MPA_INLINE mpa_code_t mpa_code_mask(void) { return (mpa_code_t)(mpa_code_key >> MPA_CODE_SHIFT); }
MPA_INLINE unsigned char mpa_canary_byte(void) {
    return (unsigned char)(mpa_code_key >> MPA_CODE_SHIFT);
}

/* Large objects' canary bytes after the request (checked.c): of the object
 * whose key is key, byte i of the word for every offset i (mod 8), each
 * >= 0x80. */
MPA_INLINE uint64_t mpa_canary(uintptr_t key) {
    return (key & ((UINT64_C(1) << 48) - 1)) | mpa_code_key | UINT64_C(0x8080808080808080);
}

/* The slack (c less the request) the code of the object p of c bytes
 * records, above c when the code does not decode. */
MPA_INLINE size_t mpa_tail_slack(const void *p, size_t c) {
    mpa_code_t v;
    __builtin_memcpy(&v, (const char *)p + c - MPA_CODE_BYTES, MPA_CODE_BYTES);
    return ((size_t)v ^ (size_t)(mpa_code_key >> MPA_CODE_SHIFT)) + MPA_TRAILER;
}

/* Records the request of n bytes in p, an object of c bytes handed out: the
 * canary byte right after the request, then the code (which covers that
 * byte, with the same value, when the slack is MPA_TRAILER). Two stores;
 * the bytes between are not touched. */
MPA_INLINE void mpa_tail_set(void *p, size_t c, size_t n) {
    ((unsigned char *)p)[n] = mpa_canary_byte();
    mpa_code_t v = (mpa_code_t)((mpa_code_t)(c - n - MPA_TRAILER) ^ mpa_code_mask());
    __builtin_memcpy((char *)p + c - MPA_CODE_BYTES, &v, MPA_CODE_BYTES);
}

/* The request recorded in the object p of c bytes, or MPA_SIZE_UNKNOWN when
 * its code does not decode or the canary byte after the request changed
 * (an overflow). */
MPA_INLINE size_t mpa_tail_requested(const void *p, size_t c) {
    size_t k = mpa_tail_slack(p, c);
    if (MPA_UNLIKELY(k > c))
        return MPA_SIZE_UNKNOWN;
    size_t n = c - k;
    return ((const unsigned char *)p)[n] == mpa_canary_byte() ? n : MPA_SIZE_UNKNOWN;
}

/* True when the code of the object p of c bytes decodes (its right
 * neighbour's underflow test); always in the 16-byte class, where a free
 * object's MAC covers the code. */
MPA_INLINE bool mpa_tail_plausible(const void *p, size_t c) {
    return c == 16 || mpa_tail_slack(p, c) <= c;
}

/* True when an object of class ci starts at byte `offset` of its slab:
 * below the slab's last object's end, and a multiple of the size (offset *
 * ceil(2^64 / size) mod 2^64 < the reciprocal: offset = q * size + r gives
 * q * (size * recip - 2^64) + r * recip, below recip (>= 2^48) only when
 * r = 0, as q * size < 2^32). */
MPA_INLINE bool mpa_object_start(size_t offset, const mpa_class_info_t *ci) {
    return offset < ci->span && offset * ci->recip < ci->recip;
}

/* A never-allocated object of a new slab (size bytes): a tail code for a
 * request of 0 bytes, so that its right neighbour's underflow test holds. */
MPA_INLINE void mpa_check_fresh(void *p, size_t size) {
    if (MPA_CHECKED) {
        mpa_code_t v = (mpa_code_t)((mpa_code_t)(size - MPA_TRAILER) ^ mpa_code_mask());
        __builtin_memcpy((char *)p + size - MPA_CODE_BYTES, &v, MPA_CODE_BYTES);
    }
}

#if MPA_CHECKED
/* Two zero words: the recent object of lists whose delay slots are empty. */
MPA_HIDDEN extern const uintptr_t mpa_no_recent[2];

/* Forgets the object freed last on c's lists (the delay slots were emptied). */
MPA_INLINE void mpa_check_no_recent(mpa_core_t *c) {
    c->recent = mpa_no_recent;
    c->recent_key = 0;
}
#endif

/* Checked build: q, the object leaving a delay slot of its owner's lists
 * c whose fast list of class cls is full (its room was just counted down
 * below 0: it is counted back, as q does not join the list; the room may
 * have been below 0 already, after a refill from a large slab), goes to
 * its slab's list with the MAC of its link (its key read back from its
 * held mark). Called from free's fast path (no system call: the purger
 * never drains the core meanwhile); a slab event marks the core busy. */
MPA_HIDDEN void mpa_check_delay_spill(mpa_core_t *c, uintptr_t cls, uintptr_t *q)
    __attribute__((noinline));

/* malloc's pop in the checked build: the MAC of p's link (a write after
 * free), the words of the object the thread freed last (a write just after
 * its free, found at the next malloc), the link decoded, p's MAC destroyed,
 * its tail code and canary set. */
MPA_INLINE void *mpa_checked_pop(mpa_local_t *l, mpa_core_t *core, void *p, size_t cls,
                                 size_t size) {
    uintptr_t *w = p, key = mpa_obj_key(p), w0 = w[0];
    if (MPA_UNLIKELY((w[1] ^ key) != w0))
        mpa_check_bad_pop(p, (unsigned)cls);
#if MPA_CHECKED
    const uintptr_t *r = core->recent;
    if (MPA_UNLIKELY((r[0] ^ r[1]) != core->recent_key))
        mpa_check_bad_pop(r, (unsigned)mpa_pm_entry(r)->small.cls);
#endif
    core->fast[cls] = MPA_FL_ENCODE(p, w0);
    core->room[cls]++;
    w[1] = 0;
    size_t c = mpa_classes[cls].size; /* (cls as it is: no zero extension) */
    mpa_tail_set(p, c, size);
    if (MPA_UNLIKELY(c >= MPA_QUARANTINE_MIN))
        return mpa_check_medium_alloc(l, p);
    return p;
}

/* free's checks on the fast path of the checked build (~45 instructions):
 * true when p (ours, entry e, class cls, key = mpa_obj_key(p)) is the start
 * of an object of its slab, not freed, with its canaries and its left
 * neighbour's code intact, of a class that is not quarantined, and of the
 * request `sized` (a sized free's size; MPA_SIZE_UNKNOWN: any). Any other
 * case takes the slow path, which reports or quarantines. */
MPA_INLINE bool mpa_check_local_free(void *p, const mpa_pm_entry_t *e, unsigned cls, uintptr_t key,
                                     size_t sized) {
    const mpa_class_info_t *ci = &mpa_classes[cls];
    size_t c = ci->size, offset = (size_t)((char *)p - e->small.base);
    if (MPA_UNLIKELY(!mpa_object_start(offset, ci) || c >= MPA_QUARANTINE_MIN))
        return false;
    const uintptr_t *w = p;
    uintptr_t t = w[1] ^ key;
    if (MPA_UNLIKELY(t == w[0] || t == MPA_MARK_HELD))
        return false;
    size_t k = mpa_tail_slack(p, c);
    if (MPA_UNLIKELY(k > c || ((unsigned char *)p)[c - k] != mpa_canary_byte()))
        return false;
    if (sized != MPA_SIZE_UNKNOWN && MPA_UNLIKELY(c - k != sized))
        return false;
    return offset == 0 || mpa_tail_plausible((char *)p - c, c);
}

/* The checked build's free of a thread's own small object on lists c,
 * after its checks (key = mpa_obj_key(p)): p is marked freed (held),
 * becomes the recent object and takes its class's delay slot; the object
 * that was there joins the fast list (newest first, as in the fast build)
 * with the MAC of its link, its key read back from its held mark without a
 * multiply (a write over word 1 while it waited makes that MAC fail when
 * malloc pops it), or its slab's list when the fast list is full
 * (mpa_check_delay_spill: no overflow that walks the list and verifies each
 * object it moves). */
MPA_INLINE void mpa_check_delay(mpa_local_t *l, mpa_core_t *c, void *p, uintptr_t cls,
                                uintptr_t key) {
#if MPA_CHECKED
    (void)l;
    uintptr_t *w = p, held = key ^ MPA_MARK_HELD;
    w[1] = held;
    c->recent = w;
    c->recent_key = w[0] ^ held;
    uintptr_t *q = c->delay[cls];
    c->delay[cls] = p;
    if (MPA_LIKELY(q != NULL)) {
        if (MPA_UNLIKELY(--c->room[cls] < 0)) {
            mpa_check_delay_spill(c, cls, q); /* the list is full: to its slab */
            return;
        }
        uintptr_t link = (uintptr_t)MPA_FL_ENCODE(q, c->fast[cls]);
        q[0] = link;
        q[1] ^= MPA_MARK_HELD ^ link;
        c->fast[cls] = q;
    }
#else
    (void)l, (void)c, (void)p, (void)cls, (void)key;
#endif
}

/* malloc fast path, 14 instructions counted in the shared library:
 *   size check (2), TLS offset (1), class lookup (2: the table is indexed by
 *   the size), the lists' core (1), load head, test, branch (3), load next,
 *   store (2), room back (1), move the result, return (2). Sizes too large
 *   for a class (and absurd ones) go to the slow path, which checks them. */
MPA_INLINE void *mpa_alloc_in(mpa_local_t *l, size_t size) {
    if (MPA_LIKELY(size <= MPA_MAX_SMALL - MPA_TRAILER)) {
        size_t cls = mpa_size_to_class(size + MPA_TRAILER);
        mpa_core_t *c = mpa_lists(l);
        void *p = c->fast[cls];
        if (MPA_LIKELY(p != NULL)) {
            if (MPA_CHECKED)
                return mpa_checked_pop(l, c, p, cls, size);
            c->fast[cls] = mpa_fl_next(p);
            c->room[cls]++;
            return p;
        }
    }
    return mpa_alloc_slow(size, l);
}

/* malloc's fast path on this thread's lists. */
MPA_INLINE void *mpa_alloc(size_t size) { return mpa_alloc_in(&mpa_local, size); }

/* free fast path for an object of this thread (hot local reuse), 15
 * instructions: pagemap lookup (4: shift, mask, base; pagemap.h), owner test
 * (4: TLS offset, the lists' core, compare, branch), class (1), push on the
 * core's fast list of the class (3), count its room down (2), return. The object freed last is the next one malloc hands out for its
 * class, while it is still in cache; a list over its hold keeps its newest
 * half. NULL and foreign pointers take the slow path. */
MPA_INLINE void mpa_dealloc_in_sized(mpa_local_t *l, void *p, size_t sized) {
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    mpa_core_t *c = mpa_lists(l);
    if (MPA_LIKELY(e->owner == (uintptr_t)c)) {
        uintptr_t cls = e->small.cls, key = mpa_obj_key(p);
        if (MPA_CHECKED) {
            /* Checked: through the class's delay slot, so that a freed
             * object does not come back at the next malloc (a delayed
             * double free stays visible). */
            if (MPA_UNLIKELY(!mpa_check_local_free(p, e, (unsigned)cls, key, sized))) {
                if (sized != MPA_SIZE_UNKNOWN)
                    mpa_dealloc_sized_slow(p, e, sized);
                else
                    mpa_dealloc_slow(p, e);
                return;
            }
            mpa_check_delay(l, c, p, cls, key);
            return;
        }
        mpa_fl_set_keyed(p, c->fast[cls], key);
        c->fast[cls] = p;
        if (MPA_UNLIKELY(--c->room[cls] < 0))
            mpa_fast_overflow(l, (unsigned)cls);
        return;
    }
    if (MPA_CHECKED && sized != MPA_SIZE_UNKNOWN)
        mpa_dealloc_sized_slow(p, e, sized);
    else
        mpa_dealloc_slow(p, e); /* others' objects go through this thread's remote cache */
}

MPA_INLINE void mpa_dealloc_in(mpa_local_t *l, void *p) {
    mpa_dealloc_in_sized(l, p, MPA_SIZE_UNKNOWN);
}

/* A sized free's fast path on this thread's lists (size: what the program
 * passed; the checked build compares it with the request in the fast path,
 * the fast build ignores it). */
MPA_INLINE void mpa_dealloc_sized(void *p, size_t size) {
    mpa_dealloc_in_sized(&mpa_local, p, size);
}

/* free's fast path on this thread's lists. */
MPA_INLINE void mpa_dealloc(void *p) { mpa_dealloc_in(&mpa_local, p); }

/* heap.c: the rest of the malloc family, on a thread's or an mspace's lists.
 * Arguments are checked by the callers (override.c, mspace.c), except
 * calloc's product, checked here for both. */
#define MPA_MAX_REQUEST (SIZE_MAX >> 1) /* PTRDIFF_MAX: pointer differences must fit */
MPA_HIDDEN void *mpa_heap_calloc(mpa_local_t *l, size_t n, size_t size);
MPA_HIDDEN void *mpa_heap_realloc(mpa_local_t *l, void *p, size_t size);
MPA_HIDDEN void *mpa_heap_aligned(mpa_local_t *l, size_t align, size_t size);
MPA_HIDDEN size_t mpa_heap_usable_size(const void *p);

/* ---- core.c: the cores (slow-path services for the files above it) ---- */

/* Makes this thread's core ready; false when the heap cannot start. */
MPA_HIDDEN bool mpa_thread_init(mpa_local_t *l);
/* Starts the heap (once per process); false when the platform refuses. */
MPA_HIDDEN bool mpa_core_init(void);
/* A core with empty lists and its queue ready, never freed; joins the list
 * of cores under the pool lock (takes it: the caller must not hold it). */
MPA_HIDDEN mpa_core_t *mpa_core_new(mpa_backend_t *b);
/* Returns every slab record of c to its spare list and forgets its slabs
 * (their memory is going away with c's backend); c stays usable. */
MPA_HIDDEN void mpa_core_forget(mpa_core_t *c);
/* Gives every block cached by core c (its chunk cache) back to its backend;
 * callable from any thread at any time (takes c's cache lock, never the
 * owner's fast lists). Returns the bytes given back. The idle purger and
 * malloc_trim use these; empty slabs an active core keeps are its own. */
MPA_HIDDEN size_t mpa_core_drain_cache(mpa_core_t *c);
/* The same for every core (thread cores, pooled cores and mspace cores). */
MPA_HIDDEN size_t mpa_core_drain_caches(void);
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
/* The part of free after the checks: p (checked, marked held) goes back to
 * its slab, its owner's queue or the backend. */
MPA_HIDDEN void mpa_dealloc_owner(void *p, mpa_pm_entry_t *e);
/* Empty fast lists of c: every class may take its full hold again. */
MPA_HIDDEN void mpa_core_reset_room(mpa_core_t *c);
/* The first of every core made (linked through all_next; cores are never freed). */
MPA_HIDDEN mpa_core_t *mpa_core_list(void);

/* Takes in at most MPA_DRAIN_MAX bytes of the messages of l's core (the
 * remote frees of its objects); returns the bytes taken. pre: l is the
 * core's owner. */
MPA_HIDDEN size_t mpa_core_drain_messages(mpa_local_t *l);
/* Takes in this thread's messages and gives its core's empty slabs back. */
MPA_HIDDEN void mpa_thread_trim(void);

/* The orphan, init and pool locks, every core's lend lock and chunk cache
 * lock, the quarantines' and the global backend's, across fork
 * (mpa_lock_fork), for the fork hooks: taken in the lock order at prepare,
 * released or reset in the reverse one (the same cores each time: the list
 * cannot change while fork holds the pool lock). */
MPA_HIDDEN void mpa_core_fork(mpa_fork_stage_t stage);
/* In a fork child: forgets the threads of other cores (they do not exist). */
MPA_HIDDEN void mpa_core_fork_child_threads(void);
/* The purger's reclaim of an idle thread's memory: takes the thread's lists
 * back (its next call takes them again) and, when the platform reports the
 * thread parked in the kernel and it is in no slow path, drains its core as
 * its owner (fast lists, messages, remote frees, empty slabs, cached
 * blocks, free slab pages). True when it did. Skips a core being drained. */
MPA_HIDDEN bool mpa_core_reclaim_idle(mpa_core_t *c);

/* remote.c: remote frees as messages, below core.c (which takes them in). */
/* Empty queue and remote cache for a new or forgotten core. */
MPA_HIDDEN void mpa_remote_init(mpa_core_t *c);
/* Frees p (size bytes), an object of core `owner`, into l's remote cache;
 * posts the whole cache once it holds MPA_REMOTE_BATCH bytes. */
MPA_HIDDEN void mpa_remote_free(mpa_local_t *l, void *p, uintptr_t owner, size_t size);
/* Posts every batch of c's remote cache to its owner. */
MPA_HIDDEN void mpa_remote_post_all(mpa_core_t *c);
/* Posts p alone to owner's queue (a thread without a core of its own). */
MPA_HIDDEN void mpa_remote_post_one(mpa_core_t *owner, void *p);
/* The oldest message of c's queue (a carrier: word 0 its link, then up to
 * mpa_remote_carrier_cap addresses, NULL-ended unless full), or NULL when
 * none is complete yet. pre: the caller owns c. */
MPA_HIDDEN void **mpa_remote_pop(mpa_core_t *c);
/* Word of a carrier that holds its first address: after the link, and in
 * checked builds after word 1 too, which keeps the carrier's held mark. */
#define MPA_CARRY_FIRST (MPA_CHECKED ? 2 : 1)
/* Addresses a carrier of `size` bytes holds: its first line but the link
 * (checked builds: and the held mark, and the last word, whose top bytes
 * keep the slack code its right neighbour's underflow test reads; so 1 in
 * a 32-byte carrier, none in a 16-byte one). */
MPA_INLINE size_t mpa_remote_carrier_cap(size_t size) {
    size_t end = MPA_CHECKED ? size - sizeof(void *) : size;
    size_t words = (end < MPA_CACHELINE ? end : MPA_CACHELINE) / sizeof(void *);
    return words > MPA_CARRY_FIRST ? words - MPA_CARRY_FIRST : 0;
}

/* large.c: objects above MPA_MAX_SMALL, from core c's chunk cache (medium
 * sizes) or straight from its backend */
MPA_HIDDEN void *mpa_large_alloc(mpa_core_t *c, size_t size, size_t align, bool zero);
/* Frees a live large object: into l's chunk cache when l runs on the
 * object's backend, else back to that backend. */
MPA_HIDDEN void mpa_large_free(mpa_local_t *l, void *p, mpa_pm_entry_t *e);
/* Usable bytes of the large object of entry e (hardened builds keep the
 * slack of the request in the bits below a page). */
MPA_INLINE size_t mpa_large_usable(const mpa_pm_entry_t *e) {
    return (size_t)e->large.usable & ~(MPA_PAGE_SIZE - 1);
}
/* Checked build: the live large object p (entry e) goes into the quarantine
 * (held) or leaves it: while it waits, the pages its block keeps past its
 * chunks (its slack) stop counting against the live objects' slack budget.
 * Counted there, the slack of a thread's held blocks had the slack of new
 * objects decommitted, and the next tenant's canary faulted those pages in
 * again: wl-mixed-sizes -s 0.1 -t 2 took 1.21M minor page faults, now
 * 0.61M (fast build 16K). What the held blocks keep is bounded by the
 * quarantine's bytes. */
MPA_HIDDEN void mpa_large_hold_slack(void *p, const mpa_pm_entry_t *e, bool held);
/* True when a lies in the pages mapped for the large object at base (head:
 * its first entry): false past the end of a huge block mapped to the page,
 * whose last chunk's entry the rest of that chunk shares (another mapping,
 * not the heap's, may lie there). */
MPA_INLINE bool mpa_large_maps(const char *base, const mpa_pm_entry_t *head, const void *a) {
    /* A huge block mapped to the page spans two chunks at least: its second
     * chunk's entry holds the bytes mapped, which label writes; 0 for every
     * other large object, whose chunks are all mapped. Read from there, not
     * from the head's usable, which a quarantined object has cleared.
     * (Inline: checked.c, below large.c, asks it too.) */
    size_t off = (size_t)((const char *)a - base);
    if (off < MPA_CHUNK_SIZE || !mpa_backend_is_huge(head->large.backend, mpa_pm_order(head)))
        return true;
    size_t mapped = (size_t)mpa_pm_entry(base + MPA_CHUNK_SIZE)->large.usable;
    return mapped == 0 || off < mapped;
}
/* True when p is the start of a large object that is still allocated. */
MPA_INLINE bool mpa_large_is_live(const void *p, const mpa_pm_entry_t *e) {
    return mpa_pm_kind(e) == MPA_PM_LARGE && e->large.base == p && e->large.usable != 0;
}
/* Resizes the large object p (entry e) where it lies, or moves a huge one
 * without copying; returns its address, or NULL when the caller must copy. */
MPA_HIDDEN void *mpa_large_resize(void *p, mpa_pm_entry_t *e, size_t size);
MPA_HIDDEN int64_t mpa_large_live_bytes(void);

/* hooks.c: the fork handlers, through the PAL (a platform without fork
 * refuses, and they do nothing there). Registers them, once (later calls
 * do nothing); only from a library constructor of the layer above, never
 * on a malloc/free path. */
MPA_HIDDEN void mpa_hooks_init(void);

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

/* purge.c: the idle purger's driver, a background thread (through the
 * PAL). Launched once by the layer above the core, outside every
 * malloc/free path (it starts a thread), with a started heap and the round
 * it runs (mpa_reclaim_round: returns the bytes still cached, 0 to park);
 * cheap when it runs already or is disabled. */
MPA_HIDDEN void mpa_purger_launch(size_t (*round)(void));
/* Memory was cached: wakes the purger if it is parked. Any path, any
 * context (one load; a futex wake that never blocks when parked). */
MPA_HIDDEN void mpa_purger_wake(void);
/* In a fork child: no purger runs there until the next launch. */
MPA_HIDDEN void mpa_purger_fork_child(void);

/* reclaim.c: the purger's round (decay everywhere, pooled cores' messages,
 * idle threads' cores drained); returns the bytes still cached or moved
 * and the threads still watched (0: the purger may park). */
MPA_HIDDEN size_t mpa_reclaim_round(void);
/* Gives every cached byte back at once (malloc_trim); true when there was any. */
MPA_HIDDEN bool mpa_reclaim_all(void);

#endif /* MPA_CORE_H */
