/* Shared definitions for every allocator file: attributes, branch hints,
 * assertions that cost nothing when MPA_DEBUG is 0, a spinlock that never
 * allocates, and error reporting that formats on the stack. Includes only
 * the tunables and the PAL. */
#ifndef MPA_COMMON_H
#define MPA_COMMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pal/pal.h"
#include "tunables.h"

#define MPA_LIKELY(x)   __builtin_expect(!!(x), 1)
#define MPA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MPA_HIDDEN      __attribute__((visibility("hidden")))
#define MPA_EXPORT      __attribute__((visibility("default")))
#define MPA_NOINLINE    __attribute__((noinline))
#define MPA_INLINE      static inline __attribute__((always_inline))
#define MPA_CACHELINE   64

/* Assertion at a level: compiled away when MPA_DEBUG < level (the
 * condition is still compiled, so it cannot rot). Levels (README.md,
 * "Assertions"): 1 O(1) checks of a structure the code touches anyway;
 * 2 walks bounded by one object, slab, list or carrier; 3 walks of a
 * whole heap structure (every slab of a core, every free block). */
#define MPA_ASSERT(level, cond)                                               \
    do {                                                                      \
        if (MPA_DEBUG >= (level) && MPA_UNLIKELY(!(cond)))                    \
            mpa_pal_error("mpalloc: assertion failed: " #cond " at " __FILE__ \
                          ":" MPA_STR(__LINE__));                             \
    } while (0)
#define MPA_STR2(x) #x
#define MPA_STR(x)  MPA_STR2(x)

/* Reports a heap error about address p (with its class size when known, else
 * 0) in one line, without allocating, and aborts. */
MPA_HIDDEN void mpa_report(const char *what, const void *p, size_t class_size)
    __attribute__((noreturn, cold));

/* Requested size when it is not known (mpa_report_sized). */
#define MPA_SIZE_UNKNOWN SIZE_MAX

/* mpa_report with the requested size of the object (or MPA_SIZE_UNKNOWN):
 * "mpalloc: WHAT 0x... (48-byte class, 40 requested) in free()". */
MPA_HIDDEN void mpa_report_sized(const char *what, const void *p, size_t class_size,
                                 size_t requested) __attribute__((noreturn, cold));

/* A copy past the end of a heap object (hardened builds, copies.c): "mpalloc:
 * CALL of LEN bytes at offset OFF WHAT 0xOBJ (48-byte class, 40 requested)
 * in CALL()", where OFF is where the copy starts in the object. */
MPA_HIDDEN void mpa_report_range(const char *call, size_t len, size_t offset, const char *what,
                                 const void *obj, size_t class_size, size_t requested)
    __attribute__((noreturn, cold));

/* A guard-page fault at address, near the object (debug build):
 * "mpalloc: WHAT 0xADDR of the object at 0xOBJ (N requested) in a memory
 * access (SIGSEGV)". Async-signal-safe. */
MPA_HIDDEN void mpa_report_fault(const char *what, const void *address, const void *object,
                                 size_t requested) __attribute__((noreturn, cold));

/* mpa_report_sized for a sized free whose size is not the requested one:
 * "mpalloc: WHAT 0x... (48-byte class, 24 passed, 40 requested) in free_sized()". */
MPA_HIDDEN void mpa_report_sizes(const char *what, const void *p, size_t class_size, size_t passed,
                                 size_t requested) __attribute__((noreturn, cold));

/* The API call in progress, named in reports (hardened builds only: the
 * entry points set it with MPA_CALL; the fast build compiles it away). The
 * debug build also keeps the call's return address and the caller's frame
 * pointer, as the entry point's frame held it on entry (sites.c walks on
 * from there; the entry point's own frame is gone by then when it ends in
 * a tail call): MPA_CALL must be used in the exported function itself,
 * never in a helper it calls. */
#if MPA_CHECKED
MPA_HIDDEN extern __thread const char *mpa_report_call __attribute__((tls_model("initial-exec")));
#endif
#if MPA_DEBUG_HEAP
MPA_HIDDEN extern __thread void *mpa_report_ra __attribute__((tls_model("initial-exec")));
MPA_HIDDEN extern __thread void *mpa_report_fp __attribute__((tls_model("initial-exec")));
/* Prints a report's site lines after its first line (debug.c sets it). */
MPA_HIDDEN extern void (*mpa_report_hook)(void);
#define MPA_CALL(name)                                                      \
    (mpa_report_call = (name), mpa_report_ra = __builtin_return_address(0), \
     mpa_report_fp = *(void *const *)__builtin_frame_address(0))
#elif MPA_CHECKED
#define MPA_CALL(name) (mpa_report_call = (name))
#else
#define MPA_CALL(name) ((void)0)
#endif

/* Smallest n with 2^n >= x, for x >= 1. */
MPA_INLINE unsigned mpa_ceil_log2(size_t x) {
    return x <= 1 ? 0 : (unsigned)(64 - __builtin_clzll((unsigned long long)(x - 1)));
}

MPA_INLINE unsigned mpa_floor_log2(size_t x) {
    return (unsigned)(63 - __builtin_clzll((unsigned long long)x));
}

MPA_INLINE size_t mpa_gcd(size_t a, size_t b) {
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

MPA_INLINE size_t mpa_align_up(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }

/* ---- lock: spin briefly, then sleep until the holder wakes us ----
 * The word: bit 0 (HELD) a thread is inside; bit 1 (FORK) fork waits for
 * the lock (held) or it is kept for fork (free); bit 2 (SLEEPERS) waiters
 * may sleep on it. A waiter spins MPA_LOCK_SPINS pauses (a holder that runs
 * leaves well within that), then sets SLEEPERS and sleeps on the word
 * through the PAL (a futex on Linux) until an unlock wakes it. A holder can
 * be descheduled (more threads than cores): its waiters then give their
 * cores to it instead of spinning and yielding through their time slices.
 * An unlock clears SLEEPERS and wakes one sleeper, which takes the lock with
 * SLEEPERS set again (others may still sleep), so its own unlock wakes the
 * next (Drepper's "Futexes are tricky", mutex 3). The kernel PAL cannot
 * sleep: there a wait is a spin, as a holder runs with preemption off.
 * Fork's prepare handler takes every lock (mpa_lock_fork): it marks a held
 * lock, and the holder's unlock hands it to fork (free but kept for fork,
 * waking every sleeper so that fork is sure to be among them), so that a
 * thread taking the same lock over and over (a hot mspace) cannot starve
 * fork (tens of seconds on a busy 2-core machine with plain test-and-set).
 *
 * Why FORK never stays (the handover; tests/unit/fork_lock_model.c checks
 * the protocol's fork part over every interleaving of a small model, where
 * 3 is HELD|FORK and 2 is FORK alone): only a fork in mpa_lock_for_fork sets
 * FORK (over HELD), and it loops until it takes the lock; only the holder
 * moves the word off HELD|FORK (to FORK, in mpa_unlock), and only a fork
 * waiting for the lock moves it off FORK (to HELD: that fork holds it). So
 * FORK lasts only while some fork waits, provided that
 *   (a) a fork releases (parent) or resets (child) exactly the locks its
 *       prepare took: a list of locks (cores, mspace records) grows only
 *       under a lock that fork takes before walking the list and releases
 *       after its last walk of it, i.e. in the reverse order of prepare;
 *   (b) nobody overwrites a lock word that is reachable by fork (a reused
 *       structure keeps its lock: mpa_backend_init_in);
 *   (c) nobody unlocks a lock it does not hold (asserted): an unlock of a
 *       free lock leaves the word as it is, never kept for a fork that
 *       did not ask.
 * SLEEPERS changes none of this: it rides along, and an unlock that sees it
 * wakes (every sleeper when it hands the lock to fork).
 * Two forks at once (glibc drops its atfork lock around each handler)
 * meet at the first lock of the order: the second waits there, holding
 * nothing, until the first releases it in its parent step. */
typedef struct mpa_lock {
    atomic_int held; /* MPA_LOCK_HELD | MPA_LOCK_FORK | MPA_LOCK_SLEEPERS */
} mpa_lock_t;

#define MPA_LOCK_INIT \
    { 0 }

enum { MPA_LOCK_HELD = 1, MPA_LOCK_FORK = 2, MPA_LOCK_SLEEPERS = 4 };

/* Pauses a waiter spins before it sleeps (about a microsecond or two). */
#define MPA_LOCK_SPINS 128

/* Waits for l and takes it; `fork` is fork's acquire (mpa_lock_for_fork),
 * which may take a lock kept for it and marks a held one. Rarely called
 * (contention): out of line, one copy per file. */
static __attribute__((noinline, unused)) void mpa_lock_slow(mpa_lock_t *l, bool fork) {
    bool slept = false;
    for (unsigned spins = 0;;) {
        int w = atomic_load_explicit(&l->held, memory_order_relaxed);
        bool takable = !(w & MPA_LOCK_HELD) && (fork || !(w & MPA_LOCK_FORK));
        if (takable) {
            int want = MPA_LOCK_HELD | (w & MPA_LOCK_SLEEPERS) | (slept ? MPA_LOCK_SLEEPERS : 0);
            if (atomic_compare_exchange_weak_explicit(&l->held, &w, want, memory_order_acquire,
                                                      memory_order_relaxed))
                return;
        } else if (fork && !(w & MPA_LOCK_FORK)) {
            atomic_compare_exchange_weak_explicit(&l->held, &w, w | MPA_LOCK_FORK,
                                                  memory_order_relaxed, memory_order_relaxed);
        } else if (spins < MPA_LOCK_SPINS) {
            spins++;
            __builtin_ia32_pause();
        } else if ((w & MPA_LOCK_SLEEPERS) || atomic_compare_exchange_weak_explicit(
                                                  &l->held, &w, w | MPA_LOCK_SLEEPERS,
                                                  memory_order_relaxed, memory_order_relaxed)) {
            mpa_pal_wait(&l->held, w | MPA_LOCK_SLEEPERS);
            slept = true;
        }
    }
}

/* The thread that forks holds every lock from the allocator's prepare
 * handler to its parent or child handler (mpa_lock_fork). Fork handlers of
 * other libraries run in between on that thread, in whatever order they
 * were registered, and may call malloc and free: for that thread every lock
 * then reads as its own (taken and released without effect; nobody else is
 * inside). mpa_fork_holder is the address of the forking thread's
 * mpa_lock_token while it holds them, else NULL (report.c defines both). */
MPA_HIDDEN extern __thread char mpa_lock_token __attribute__((tls_model("initial-exec")));
MPA_HIDDEN extern const char *_Atomic mpa_fork_holder;

/* True on the forking thread between the allocator's fork handlers. */
MPA_INLINE bool mpa_lock_forking_here(void) {
    const char *h = atomic_load_explicit(&mpa_fork_holder, memory_order_relaxed);
    return MPA_UNLIKELY(h != NULL) && h == &mpa_lock_token;
}

MPA_INLINE void mpa_lock(mpa_lock_t *l) {
    int free = 0;
    if (MPA_LIKELY(atomic_compare_exchange_weak_explicit(
            &l->held, &free, MPA_LOCK_HELD, memory_order_acquire, memory_order_relaxed)))
        return;
    if (mpa_lock_forking_here())
        return; /* held for this thread's fork */
    mpa_lock_slow(l, false);
}

/* Takes the lock if it is free at once; true when taken. */
MPA_INLINE bool mpa_trylock(mpa_lock_t *l) {
    int free = 0;
    if (mpa_lock_forking_here())
        return true;
    return atomic_load_explicit(&l->held, memory_order_relaxed) == 0 &&
           atomic_compare_exchange_strong_explicit(&l->held, &free, MPA_LOCK_HELD,
                                                   memory_order_acquire, memory_order_relaxed);
}

/* True when l is held by some thread (a lock records no owner): what the
 * assertions check where a caller must hold it. */
MPA_INLINE bool mpa_lock_is_held(mpa_lock_t *l) {
    return (atomic_load_explicit(&l->held, memory_order_relaxed) & MPA_LOCK_HELD) != 0;
}

/* Adds 1 to a counter only its lock holder writes: a relaxed load and
 * store (no locked instruction), readable by anyone at any time. */
MPA_INLINE void mpa_count1(_Atomic uint64_t *c) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* The unlock of a lock with sleepers or fork waiting: frees it (kept for
 * fork when fork waits) and wakes one sleeper (every one for fork). A word
 * without HELD means l was not held, a bug (asserted): it is left as it is. */
static __attribute__((noinline, unused)) void mpa_unlock_slow(mpa_lock_t *l) {
    int w = atomic_load_explicit(&l->held, memory_order_relaxed);
    MPA_ASSERT(1, w & MPA_LOCK_HELD);
    if (!(w & MPA_LOCK_HELD))
        return;
    while (!atomic_compare_exchange_weak_explicit(&l->held, &w, w & MPA_LOCK_FORK,
                                                  memory_order_release, memory_order_relaxed))
        ;
    if (w & MPA_LOCK_SLEEPERS)
        mpa_pal_wake(&l->held, (w & MPA_LOCK_FORK) != 0);
}

/* Releases l: to fork when it waits for l, waking a sleeper if any. */
MPA_INLINE void mpa_unlock(mpa_lock_t *l) {
    if (mpa_lock_forking_here())
        return; /* fork's handlers release it */
    int held = MPA_LOCK_HELD;
    if (MPA_LIKELY(atomic_compare_exchange_strong_explicit(&l->held, &held, 0, memory_order_release,
                                                           memory_order_relaxed)))
        return;
    mpa_unlock_slow(l);
}

/* Fork's acquire: takes l when free or kept for it; else marks it so that
 * its holder's unlock keeps it for fork. */
MPA_INLINE void mpa_lock_for_fork(mpa_lock_t *l) { mpa_lock_slow(l, true); }

/* Reinitialises a lock in a fork child, where its holder no longer exists. */
MPA_INLINE void mpa_lock_reset(mpa_lock_t *l) {
    atomic_store_explicit(&l->held, 0, memory_order_relaxed);
}

/* The stages of fork, for each module's fork function: prepare (before
 * fork, in the parent), parent (after it), child (after it, in the child). */
typedef enum { MPA_FORK_PREPARE, MPA_FORK_PARENT, MPA_FORK_CHILD } mpa_fork_stage_t;

/* One lock across fork: taken at prepare, released in the parent, reset in
 * the child (where the thread that held it does not exist). */
MPA_INLINE void mpa_lock_fork(mpa_lock_t *l, mpa_fork_stage_t stage) {
    if (stage == MPA_FORK_PREPARE)
        mpa_lock_for_fork(l);
    else if (stage == MPA_FORK_PARENT)
        mpa_unlock(l);
    else
        mpa_lock_reset(l);
}

#endif /* MPA_COMMON_H */
