/* Hardened builds (MPA_CHECKED >= 1): the misuse checks of the snmalloc and
 * Scudo family, placed where objects change hands and paid mostly in
 * arithmetic on words the fast paths touch anyway (allocator/src/README.md,
 * "Checked build", has the table of what is checked where and what it
 * costs). The inline part lives in core.h (mpa_checked_pop,
 * mpa_check_local_free, the tail code); this file holds the slow paths, the
 * reports and the quarantine.
 *
 * - Free objects: word 0 is the encoded link, word 1 a keyed MAC of it
 *   (slab.h) or, while held back (remote, quarantine), MPA_MARK_HELD keyed;
 *   a pop verifies the MAC (use after free), a free finds either form
 *   (double free), the owner taking in a remote free finds the held mark.
 * - Live small objects: at least MPA_TRAILER bytes of slack; the object's
 *   last word holds, in its top MPA_TRAILER bytes, the slack (so the
 *   requested size) keyed, and the byte right after the request a keyed
 *   canary (>= 0x80, so no NUL or text). Checked on free (overflow), on
 *   the right neighbour's free (underflow: the code must decode), by
 *   realloc, malloc_usable_size and sized frees.
 * - Large objects keep their slack in the low bits of their pagemap entry
 *   and canary bytes after the request.
 * - Freed medium (classes from MPA_QUARANTINE_MIN) and large objects wait in
 *   a per-thread FIFO quarantine, poisoned at both ends, verified when they
 *   leave and, for the newest, at each medium or large allocation.
 * Each detection prints one line without allocating and aborts. The fast
 * build compiles none of this. */
#include "core.h"

/* ---- every build: starting, bad frees, the front end above the core ---- */

#if MPA_CHECKED
uintptr_t mpa_fl_key;
uint64_t mpa_code_key = UINT64_C(0x8080808080808080);
#endif

/* Where a released quarantined object goes (core.c's: the thread's fast
 * list when to_fast and it is a small object of the thread's, else its
 * owner): passed in by the core, which this file lies below. */
static void (*dealloc_owner)(void *p, mpa_pm_entry_t *e, bool to_fast);
/* large.c's mpa_large_hold_slack, passed in the same way. */
static void (*hold_slack)(void *p, const mpa_pm_entry_t *e, bool held);

void mpa_check_init(const mpa_check_upcalls_t *up) {
    dealloc_owner = up->release;
    hold_slack = up->hold_slack;
#if MPA_CHECKED
    mpa_fl_key = (uintptr_t)mpa_pal_entropy() | 1;
    mpa_code_key = mpa_pal_entropy() << 48 | UINT64_C(0x8080808080808080);
#endif
}

void mpa_check_bad_free(const void *p, const mpa_pm_entry_t *e) {
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

/* The registered front end (NULL: none), and the one the current fork's
 * prepare used, per thread (its parent and child steps undo exactly that;
 * glibc may run two forks' handlers at once). */
static const mpa_check_frontend_t *_Atomic frontend;
static __thread const mpa_check_frontend_t *fork_frontend
    __attribute__((tls_model("initial-exec")));

void mpa_check_frontend(const mpa_check_frontend_t *fe) {
    atomic_store_explicit(&frontend, fe, memory_order_release);
}

static const mpa_check_frontend_t *frontend_get(void) {
    return atomic_load_explicit(&frontend, memory_order_acquire);
}

void mpa_check_thread_exit(void) {
    const mpa_check_frontend_t *fe = frontend_get();
    if (fe != NULL)
        fe->thread_exit();
}

void mpa_check_fork(mpa_fork_stage_t stage) {
    if (stage == MPA_FORK_PREPARE)
        fork_frontend = frontend_get();
    if (fork_frontend != NULL)
        fork_frontend->fork(stage);
}

#if MPA_CHECKED

#define POISON_WORDS 8 /* the first 64 bytes of a quarantined object are poisoned */

static void verify_recent(mpa_local_t *l);

/* ---- small objects ---- */

/* Reports about the small object p of class cls, with its requested size
 * when its tail still records one. */
__attribute__((noreturn, cold)) static void report_small(const char *what, const void *p,
                                                         unsigned cls) {
    size_t c = mpa_class_size(cls);
    mpa_report_sized(what, p, c, mpa_tail_requested(p, c));
}

/* Offset of p in its slab, and whether an object starts there. */
static size_t slab_offset(const void *p, const mpa_pm_entry_t *e) {
    return (size_t)((uintptr_t)p - (uintptr_t)e->small.base);
}

static bool at_object_start(const void *p, const mpa_pm_entry_t *e) {
    return mpa_object_start(slab_offset(p, e), &mpa_classes[e->small.cls]);
}

/* True when the small object p reads as freed (on a list or held). */
static bool small_freed(const void *p) {
    const uintptr_t *w = p;
    uintptr_t t = w[1] ^ mpa_obj_key(p);
    return t == w[0] || t == MPA_MARK_HELD;
}

bool mpa_small_is_freed(const void *p) { return small_freed(p); }

const uintptr_t mpa_no_recent[2];

void mpa_check_bad_pop(const void *p, unsigned cls) {
    report_small("write to a freed object (use after free or overflow) at", p, cls);
}

void mpa_check_listed(const void *p) {
    if (!mpa_fl_intact(p))
        report_small("write to a freed object (use after free or overflow) at", p,
                     (unsigned)mpa_pm_entry(p)->small.cls);
}

void mpa_check_taken_in(const void *p, unsigned cls) {
    if ((((const uintptr_t *)p)[1] ^ mpa_obj_key(p)) != MPA_MARK_HELD)
        report_small("write to a freed object (use after free) in the remote-freed object at", p,
                     cls);
}

/* The slow path's underflow test, stronger than the fast path's: the left
 * neighbour l (c bytes) has a code that decodes and, unless it records no
 * request (a new slab's object, malloc(0)) or is freed with its canary byte
 * in its first words (a list link, or poison), its canary byte (an underflow of p over l's code then passes with a chance of about
 * 1 in 100 rather than c / 65536, which is large for medium classes).
 * Always true in the 16-byte class (a free neighbour's MAC covers its code). */
static bool left_intact(const char *l, size_t c) {
    size_t k = mpa_tail_slack(l, c);
    if (c == 16 || k == c)
        return true;
    return k < c && ((unsigned char)l[c - k] == mpa_canary_byte() ||
                     (c - k < 8 * POISON_WORDS && small_freed(l)));
}

/* The requested size of the live small object p (entry e), or a report:
 * interior pointer, double free, overflow, underflow (the left
 * neighbour's tail code must decode, but in the 16-byte class, where a
 * free neighbour's MAC takes its place). */
static size_t check_small(const void *p, const mpa_pm_entry_t *e) {
    unsigned cls = (unsigned)e->small.cls;
    size_t c = mpa_class_size(cls), offset = slab_offset(p, e);
    if (!mpa_object_start(offset, &mpa_classes[cls]))
        mpa_report("free of a pointer inside an object:", p, c);
    if (small_freed(p))
        mpa_report("double free of", p, c);
    size_t n = mpa_tail_requested(p, c);
    if (n == MPA_SIZE_UNKNOWN)
        mpa_report("heap overflow (write past the requested size) of the object at", p, c);
    if (offset != 0 && !left_intact((const char *)p - c, c))
        mpa_report_sized("heap underflow (write before the start) of the object at", p, c, n);
    return n;
}

void mpa_check_resize(void *p, unsigned cls, size_t size) {
    mpa_tail_set(p, mpa_class_size(cls), size); /* (touches no byte below size) */
}

/* ---- large objects ---- */

static size_t large_requested(const mpa_pm_entry_t *e) {
    return mpa_large_usable(e) - (e->large.usable & (MPA_PAGE_SIZE - 1)) - 1;
}

/* A large object's canary: the 8 bytes after the request (one store), or
 * as many as fit before its usable end. */
void mpa_check_large_alloc(void *p, size_t size) {
    verify_recent(&mpa_local);
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    size_t usable = mpa_large_usable(e);
    e->large.usable = usable | (usable - size - 1);
    uint64_t c = mpa_canary(mpa_obj_key(p));
    if (MPA_LIKELY(usable - size >= 8)) {
        __builtin_memcpy((char *)p + size, &c, 8);
        return;
    }
    for (size_t i = 0; size + i < usable; i++)
        ((unsigned char *)p)[size + i] = (unsigned char)(c >> (8 * i));
}

static bool large_canary_ok(const void *p, size_t usable, size_t n) {
    uint64_t c = mpa_canary(mpa_obj_key(p)), w;
    if (MPA_LIKELY(usable - n >= 8)) {
        __builtin_memcpy(&w, (const char *)p + n, 8);
        return w == c;
    }
    for (size_t i = 0; n + i < usable; i++)
        if (((const unsigned char *)p)[n + i] != (unsigned char)(c >> (8 * i)))
            return false;
    return true;
}

/* A large block in the quarantine: its entry reads "large, not live". */
static bool large_quarantined(const void *p, const mpa_pm_entry_t *e) {
    return mpa_pm_kind(e) == MPA_PM_LARGE && e->large.base == p && e->large.usable == 0;
}

/* Returns the requested size of p. */
static size_t check_large_free(void *p, mpa_pm_entry_t *e) {
    if (!mpa_pm_covers(p))
        mpa_check_bad_free(p, e);
    if (large_quarantined(p, e))
        mpa_report("double free of the large object at", p, 0);
    if (!mpa_large_is_live(p, e))
        mpa_check_bad_free(p, e);
    size_t n = large_requested(e);
    if (!large_canary_ok(p, mpa_large_usable(e), n))
        mpa_report_sized("heap overflow (write past the requested size) of the large object at", p,
                         0, n);
    return n;
}

/* ---- quarantine of freed medium and large objects (checked build) ---- */

#if !MPA_DEBUG_HEAP

#define QUARANTINE_SLOTS 16

typedef struct {
    void *p;
    uintptr_t usable; /* large: the entry's large.usable while it was live */
    size_t bytes;     /* what it holds */
    size_t tail;      /* offset of its poisoned last requested word, or 0 */
} mpa_quarantined_t;

/* A thread's quarantine (one per core, used by its owner only: no lock):
 * a FIFO of at most QUARANTINE_SLOTS objects and MPA_QUARANTINE bytes, or
 * of the newest object alone when it is larger. */
typedef struct mpa_quarantine {
    mpa_quarantined_t slots[QUARANTINE_SLOTS];
    unsigned head, count; /* oldest at head */
    _Atomic size_t bytes; /* read by mpa_quarantined_bytes from any thread */
} mpa_quarantine_t;

/* The poison of p: every poisoned word reads ~key (key = mpa_obj_key(p):
 * only the key's holder can write it by chance), but word 1, the held
 * mark. */

/* Poisons the first POISON_WORDS words of p and the 8 bytes before offset
 * tail (when not 0): a write after free at either end is found. */
static void poison(void *p, size_t tail) {
    uintptr_t key = mpa_obj_key(p), k = ~key, *w = p;
#pragma GCC unroll 8
    for (unsigned i = 0; i < POISON_WORDS; i++)
        w[i] = k;
    w[1] = key ^ MPA_MARK_HELD;
    if (tail != 0)
        __builtin_memcpy((char *)p + tail - 8, &k, 8);
}

/* True when the poison of p (and of its tail, at offset tail when not 0)
 * is intact. */
static bool poisoned(const void *p, size_t tail) {
    const uintptr_t *w = p;
    uintptr_t key = mpa_obj_key(p), k = ~key, t, diff = w[1] ^ key ^ MPA_MARK_HELD;
    diff |= w[0] ^ k;
#pragma GCC unroll 8
    for (unsigned i = 2; i < POISON_WORDS; i++)
        diff |= w[i] ^ k;
    if (tail != 0) {
        __builtin_memcpy(&t, (const char *)p + tail - 8, 8);
        diff |= t ^ k;
    }
    return diff == 0;
}

static void verify_poison(const mpa_quarantined_t *q) {
    if (!poisoned(q->p, q->tail))
        mpa_report("write to a freed object (use after free) at", q->p, 0);
}

/* The quarantine of l's core, made on first use; NULL when l has no active
 * core (a thread starting or exiting: its frees are not held back). */
static mpa_quarantine_t *quarantine_of(mpa_local_t *l, bool make) {
    if (l->state != MPA_THREAD_ACTIVE)
        return NULL;
    mpa_quarantine_t *q = l->core->quarantine;
    if (q == NULL && make)
        q = l->core->quarantine = mpa_meta_alloc(sizeof *q, MPA_CACHELINE);
    return q;
}

/* The newest object held is verified on each medium and large allocation,
 * so a write just after a free is found at the next one. */
static void verify_recent(mpa_local_t *l) {
    mpa_quarantine_t *q = quarantine_of(l, false);
    if (q != NULL && q->count > 0)
        verify_poison(&q->slots[(q->head + q->count - 1) % QUARANTINE_SLOTS]);
}

void *mpa_check_medium_alloc(mpa_local_t *l, void *p) {
    verify_recent(l);
    return p;
}

/* A quarantined object leaves, verified, to where the core says
 * (core.c's quarantine_release: to_fast, a small object of the thread's
 * joins its fast list while the list has room). */
static void release(mpa_quarantined_t q, bool to_fast) {
    verify_poison(&q);
    mpa_pm_entry_t *e = mpa_pm_entry(q.p);
    if (!mpa_pm_is_small(e)) {
        e->large.usable = q.usable;
        hold_slack(q.p, e, false);
    }
    dealloc_owner(q.p, e, to_fast);
}

/* The bytes q's slots hold, summed (level 2: bounded by its slots). */
static size_t held_bytes(const mpa_quarantine_t *q) {
    size_t sum = 0;
    for (unsigned i = 0; i < q->count; i++)
        sum += q->slots[(q->head + i) % QUARANTINE_SLOTS].bytes;
    return sum;
}

/* Takes the oldest object out of q. */
static mpa_quarantined_t take_oldest(mpa_quarantine_t *q) {
    MPA_ASSERT(1, q->count > 0 && q->head < QUARANTINE_SLOTS);
    MPA_ASSERT(2, held_bytes(q) == atomic_load_explicit(&q->bytes, memory_order_relaxed));
    mpa_quarantined_t out = q->slots[q->head];
    q->head = (q->head + 1) % QUARANTINE_SLOTS;
    q->count--;
    atomic_store_explicit(&q->bytes, q->bytes - out.bytes, memory_order_relaxed);
    return out;
}

/* Holds the freed object p (bytes long, n requested) in q; frees the oldest
 * ones when the bounds are passed. */
static void quarantine(mpa_quarantine_t *q, void *p, mpa_pm_entry_t *e, size_t bytes, size_t n) {
    size_t tail = n >= 8 * (POISON_WORDS + 1) ? n : 0;
    poison(p, tail);
    bool small = mpa_pm_is_small(e);
    MPA_ASSERT(1, q->count < QUARANTINE_SLOTS && (small || mpa_large_is_live(p, e)));
    q->slots[(q->head + q->count++) % QUARANTINE_SLOTS] =
        (mpa_quarantined_t){p, small ? 0 : e->large.usable, bytes, tail};
    if (!small) {
        hold_slack(p, e, true);
        e->large.usable = 0; /* a second free now finds it quarantined */
    }
    atomic_store_explicit(&q->bytes, q->bytes + bytes, memory_order_relaxed);
    while (q->count == QUARANTINE_SLOTS || (q->bytes > MPA_QUARANTINE && q->count > 1))
        release(take_oldest(q), true); /* the newest stays, whatever its size */
    /* its bounds: fewer objects than slots, and its bytes or the newest alone */
    MPA_ASSERT(1, q->count >= 1 && q->count < QUARANTINE_SLOTS &&
                      (q->bytes <= MPA_QUARANTINE || q->count == 1));
}

/* True when the freed object goes to the quarantine: medium and large
 * objects of the global heap (an mspace may be destroyed meanwhile) up to
 * four times the quarantine's bytes (such an object is held alone). */
static bool quarantines(const mpa_pm_entry_t *e, size_t bytes) {
    if (bytes < MPA_QUARANTINE_MIN || bytes > 4 * MPA_QUARANTINE)
        return false;
    const mpa_backend_t *b =
        mpa_pm_is_small(e) ? ((const mpa_core_t *)e->owner)->backend : e->large.backend;
    return b == &mpa_backend_global;
}

/* Holds p when its kind is quarantined and this thread can hold it. */
static bool hold(void *p, mpa_pm_entry_t *e, size_t bytes, size_t n) {
    mpa_quarantine_t *q;
    if (!quarantines(e, bytes) || (q = quarantine_of(&mpa_local, true)) == NULL)
        return false;
    quarantine(q, p, e, bytes, n);
    return true;
}

bool mpa_check_thread_flush(mpa_local_t *l) {
    mpa_quarantine_t *q = quarantine_of(l, false);
    bool any = q != NULL && q->count > 0;
    while (q != NULL && q->count > 0)
        release(take_oldest(q), false);
    return any;
}

bool mpa_quarantine_flush(void) { return mpa_check_thread_flush(&mpa_local); }

size_t mpa_quarantined_bytes(mpa_core_t *cores) {
    size_t bytes = 0;
    for (mpa_core_t *c = cores; c != NULL; c = c->all_next) {
        mpa_quarantine_t *q = __atomic_load_n(&c->quarantine, __ATOMIC_RELAXED);
        if (q != NULL)
            bytes += atomic_load_explicit(&q->bytes, memory_order_relaxed);
    }
    return bytes;
}

#else /* the debug build has a quarantine of its own (debug.c) */

static void verify_recent(mpa_local_t *l) { (void)l; }
void *mpa_check_medium_alloc(mpa_local_t *l, void *p) {
    (void)l;
    return p;
}
static bool hold(void *p, mpa_pm_entry_t *e, size_t bytes, size_t n) {
    (void)p, (void)e, (void)bytes, (void)n;
    return false;
}
bool mpa_check_thread_flush(mpa_local_t *l) {
    (void)l;
    return false;
}
bool mpa_quarantine_flush(void) {
    const mpa_check_frontend_t *fe = frontend_get();
    return fe != NULL && fe->flush();
}
size_t mpa_quarantined_bytes(mpa_core_t *cores) {
    (void)cores;
    const mpa_check_frontend_t *fe = frontend_get();
    return fe != NULL ? fe->held_bytes() : 0;
}

#endif

/* ---- entry points shared by free, realloc, usable size, sized free ---- */

bool mpa_check_free(void *p, mpa_pm_entry_t *e) {
    if (!mpa_pm_is_small(e)) {
        size_t n = check_large_free(p, e);
        return hold(p, e, mpa_large_usable(e), n);
    }
    uintptr_t key = mpa_obj_key(p);
    unsigned cls = (unsigned)e->small.cls;
    if (MPA_LIKELY(mpa_check_local_free(p, e, cls, key, MPA_SIZE_UNKNOWN))) {
        /* another thread's object (or one that waits for no quarantine):
         * the fast path's checks passed, no report to make */
        ((uintptr_t *)p)[1] = key ^ MPA_MARK_HELD; /* freed, not on a list yet */
        return false;
    }
    size_t n = check_small(p, e);
    ((uintptr_t *)p)[1] = key ^ MPA_MARK_HELD;
    return hold(p, e, mpa_class_size(cls), n);
}

void mpa_check_live(const void *p, const mpa_pm_entry_t *e, const char *what) {
    if (!mpa_pm_is_small(e)) {
        if (large_quarantined(p, e))
            mpa_report(what, p, 0);
        return; /* otherwise the caller's own test rejects freed blocks */
    }
    if (!at_object_start(p, e) || small_freed(p))
        mpa_report(what, p, mpa_class_size((unsigned)e->small.cls));
}

size_t mpa_check_requested(const void *p, const mpa_pm_entry_t *e) {
    if (!mpa_pm_is_small(e))
        return mpa_large_is_live(p, e) ? large_requested(e) : 0;
    size_t c = mpa_class_size((unsigned)e->small.cls);
    size_t n = mpa_tail_requested(p, c);
    if (n == MPA_SIZE_UNKNOWN)
        mpa_report("heap overflow (write past the requested size) of the object at", p, c);
    return n;
}

/* A sized free of a small object whose tail agrees costs a decode; any
 * other case runs free's checks first, so that a double or interior free
 * is reported as such. */
void mpa_check_sized_free(const void *p, size_t size) {
    if (p == NULL)
        return;
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (MPA_LIKELY(mpa_pm_covers(p) && mpa_pm_is_small(e) && at_object_start(p, e))) {
        size_t c = mpa_class_size((unsigned)e->small.cls);
        if (mpa_tail_requested(p, c) == size && !small_freed(p))
            return;
    }
    if (!mpa_pm_covers(p))
        mpa_check_bad_free(p, e);
    size_t n = mpa_pm_is_small(e) ? check_small(p, e) : check_large_free((void *)p, e);
    if (n != size)
        mpa_report_sized("sized free (sized delete) with a size other than the requested one:", p,
                         mpa_pm_is_small(e) ? mpa_class_size((unsigned)e->small.cls) : 0, n);
}

/* ---- bounds of copies (copies.c) ---- */

/* The live heap object holding a, into *start, *n (requested bytes), *c
 * (class size, 0 for large objects); false when a is no heap object's
 * (the slack past a slab's last object, free blocks); reports a freed one. */
static bool object_of(const char *call, const char *a, const char **start, size_t *n, size_t *c) {
    if (!mpa_pm_covers(a))
        return false; /* outside the heap window its entry is another chunk's (an alias) */
    mpa_pm_entry_t *e = mpa_pm_entry(a);
    if (mpa_pm_is_small(e)) {
        unsigned cls = (unsigned)e->small.cls;
        size_t offset = slab_offset(a, e), index = mpa_class_index(cls, offset);
        if (index >= mpa_classes[cls].count)
            return false;
        *c = mpa_class_size(cls);
        *start = e->small.base + index * *c;
        if (small_freed(*start))
            mpa_report_range(call, 0, (size_t)(a - *start), "into or from the freed object at",
                             *start, *c, MPA_SIZE_UNKNOWN);
        *n = mpa_tail_requested(*start, *c);
        if (*n == MPA_SIZE_UNKNOWN)
            mpa_report_range(call, 0, (size_t)(a - *start),
                             "into an object already overflowed (canary or size code written), at",
                             *start, *c, MPA_SIZE_UNKNOWN);
        return true;
    }
    unsigned kind = mpa_pm_kind(e);
    if (kind != MPA_PM_LARGE && kind != MPA_PM_LARGE_INTERIOR)
        return false;
    *start = e->large.base;
    mpa_pm_entry_t *head = mpa_pm_entry(*start);
    if (!mpa_large_maps(*start, head, a))
        return false; /* past a huge block's last page: another mapping's */
    if (large_quarantined(*start, head))
        mpa_report_range(call, 0, (size_t)(a - *start), "into or from the freed large object at",
                         *start, 0, MPA_SIZE_UNKNOWN);
    if (!mpa_large_is_live(*start, head))
        return false;
    *n = large_requested(head);
    *c = 0;
    return true;
}

/* mpa_check_range's reports, and its cases beyond a small object of the
 * checked build. */
static MPA_NOINLINE void check_range_slow(const char *call, const void *a, size_t len, bool write) {
    const char *start;
    size_t n, c = 0;
    /* The debug build's object (its header and canaries lie inside the
     * core's), else the core's. */
    const mpa_check_frontend_t *fe = MPA_DEBUG_HEAP ? frontend_get() : NULL;
    if (!(fe != NULL && fe->bounds(a, &start, &n)) && !object_of(call, a, &start, &n, &c))
        return;
    size_t at = (size_t)((const char *)a - start);
    if ((at > n || len > n - at) && fe != NULL)
        fe->about(start); /* the report names where the object was allocated */
    if (at > n || len > n - at)
        mpa_report_range(call, len, at,
                         write ? "writes past the end of the object at"
                               : "reads past the end of the object at",
                         start, c, n);
}

/* The common cases, without a report: true when the len bytes at a stay
 * inside the small or large object holding a (a multiply and a load of the
 * object's last word, whose slack code needs no per-object key), or when a
 * is in no object. Liveness is the slow path's. */
MPA_INLINE bool range_ok(const void *a, size_t len) {
    const mpa_pm_entry_t *e = mpa_pm_entry(a);
    if (MPA_DEBUG_HEAP || !mpa_pm_covers(a))
        return false;
    if (MPA_LIKELY(mpa_pm_is_small(e))) {
        const mpa_class_info_t *ci = &mpa_classes[e->small.cls];
        size_t c = ci->size, offset = (size_t)((const char *)a - e->small.base);
        size_t index = (size_t)(((unsigned __int128)offset * ci->recip) >> 64);
        const char *start = e->small.base + index * c;
        size_t at = (size_t)((const char *)a - start), k = mpa_tail_slack(start, c);
        return index < ci->count && k <= c && at <= c - k && len <= c - k - at;
    }
    unsigned kind = mpa_pm_kind(e);
    if (kind != MPA_PM_LARGE && kind != MPA_PM_LARGE_INTERIOR)
        return true; /* free blocks, metadata: no object */
    const char *start = e->large.base;
    const mpa_pm_entry_t *head = mpa_pm_entry(start);
    size_t at = (size_t)((const char *)a - start), n = large_requested(head);
    return mpa_large_is_live(start, head) && at <= n && len <= n - at;
}

void mpa_check_range(const char *call, const void *a, size_t len, bool write) {
    if (MPA_UNLIKELY(!range_ok(a, len)))
        check_range_slow(call, a, len, write); /* reports, or the debug build's objects */
}

#else

bool mpa_check_free(void *p, mpa_pm_entry_t *e) {
    (void)p, (void)e;
    return false;
}
void mpa_check_live(const void *p, const mpa_pm_entry_t *e, const char *what) {
    (void)p, (void)e, (void)what;
}
void mpa_check_resize(void *p, unsigned cls, size_t size) { (void)p, (void)cls, (void)size; }
void mpa_check_large_alloc(void *p, size_t size) { (void)p, (void)size; }
size_t mpa_check_requested(const void *p, const mpa_pm_entry_t *e) {
    (void)p, (void)e;
    return 0;
}
void mpa_check_sized_free(const void *p, size_t size) { (void)p, (void)size; }
size_t mpa_quarantined_bytes(mpa_core_t *cores) {
    (void)cores;
    return 0;
}
bool mpa_quarantine_flush(void) { return false; }
bool mpa_check_thread_flush(mpa_local_t *l) {
    (void)l;
    return false;
}

#endif
