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

/* Assertion at a level: compiled away when MPA_DEBUG < level. */
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
 * debug build also keeps the call's return address and frame (the caller's
 * site, report.c and debug.c): MPA_CALL must be used in the exported
 * function itself, never in a helper it calls. */
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
     mpa_report_fp = __builtin_frame_address(0))
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

/* ---- spinlock: test-and-test-and-set, yielding after a while ----
 * The word: 0 free, 1 held, 3 held with fork waiting for it, 2 free but
 * kept for fork. Fork's prepare handler takes every lock (mpa_lock_fork):
 * it marks a held lock, and the holder's unlock hands it to fork, so that a
 * thread taking the same lock over and over (a hot mspace) cannot starve
 * fork (tens of seconds on a busy 2-core machine with plain test-and-set).
 *
 * Why 2 and 3 never stay (the handover; tests/unit/fork_lock_model.c
 * checks it over every interleaving of a small model): only a fork in
 * mpa_lock_for_fork writes 3 (over 1), and it loops until it takes the
 * lock; only the holder moves the word off 3 (to 2, in mpa_unlock), and
 * only a fork waiting for the lock moves it off 2 (to 1: that fork holds
 * it). So 2 and 3 last only while some fork waits, provided that
 *   (a) a fork releases (parent) or resets (child) exactly the locks its
 *       prepare took: a list of locks (cores, mspace records) grows only
 *       under a lock that fork takes before walking the list and releases
 *       after its last walk of it, i.e. in the reverse order of prepare;
 *   (b) nobody overwrites a lock word that is reachable by fork (a reused
 *       structure keeps its lock: mpa_backend_init_in);
 *   (c) nobody unlocks a lock it does not hold: mpa_unlock hands the lock
 *       to fork only when the word reads 3 (an unlock of a free lock used
 *       to store 2 into it, kept for a fork that never came, for good).
 * Two forks at once (glibc drops its atfork lock around each handler)
 * meet at the first lock of the order: the second waits there, holding
 * nothing, until the first releases it in its parent step. */
typedef struct mpa_lock {
    atomic_int held; /* bit 0: some thread is inside; bit 1: fork waits */
} mpa_lock_t;

#define MPA_LOCK_INIT \
    { 0 }

/* One step of waiting for a lock: a pause, or a yield after 128 of them. */
MPA_INLINE void mpa_lock_wait(unsigned *spins) {
    if (++*spins > 128)
        mpa_pal_yield();
    else
        __builtin_ia32_pause();
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
    for (unsigned spins = 0;;) {
        int free = 0;
        if (atomic_compare_exchange_weak_explicit(&l->held, &free, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
        if (mpa_lock_forking_here())
            return; /* held for this thread's fork */
        while (atomic_load_explicit(&l->held, memory_order_relaxed) != 0)
            mpa_lock_wait(&spins);
    }
}

/* Takes the lock if it is free at once; true when taken. */
MPA_INLINE bool mpa_trylock(mpa_lock_t *l) {
    int free = 0;
    if (mpa_lock_forking_here())
        return true;
    return atomic_load_explicit(&l->held, memory_order_relaxed) == 0 &&
           atomic_compare_exchange_strong_explicit(&l->held, &free, 1, memory_order_acquire,
                                                   memory_order_relaxed);
}

/* Adds 1 to a counter only its lock holder writes: a relaxed load and
 * store (no locked instruction), readable by anyone at any time. */
MPA_INLINE void mpa_count1(_Atomic uint64_t *c) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Releases l; to fork when it waits for l (the word then reads 3: only the
 * holder moves it off 3). A word of 0 or 2 means l was not held, a bug
 * (asserted): it is left as it is, never turned into 2 for a fork that
 * did not ask. */
MPA_INLINE void mpa_unlock(mpa_lock_t *l) {
    if (mpa_lock_forking_here())
        return; /* fork's handlers release it */
    int held = 1;
    if (MPA_LIKELY(atomic_compare_exchange_strong_explicit(&l->held, &held, 0, memory_order_release,
                                                           memory_order_relaxed)))
        return;
    MPA_ASSERT(1, held == 3);
    if (held == 3)
        atomic_store_explicit(&l->held, 2, memory_order_release);
}

/* Fork's acquire: takes l when free or kept for it; else marks it so that
 * its holder's unlock keeps it for fork. */
MPA_INLINE void mpa_lock_for_fork(mpa_lock_t *l) {
    for (unsigned spins = 0;;) {
        int w = atomic_load_explicit(&l->held, memory_order_relaxed);
        if ((w == 0 || w == 2) && atomic_compare_exchange_weak_explicit(
                                      &l->held, &w, 1, memory_order_acquire, memory_order_relaxed))
            return;
        if (w == 1)
            atomic_compare_exchange_weak_explicit(&l->held, &w, 3, memory_order_relaxed,
                                                  memory_order_relaxed);
        mpa_lock_wait(&spins);
    }
}

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
