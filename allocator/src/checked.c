/* Hardened builds (MPA_CHECKED >= 1): the misuse checks of the snmalloc and
 * Scudo family. Every small object keeps MPA_TRAILER bytes past its request:
 * its last word records the requested size, keyed with a per-process secret
 * and the object's address, and the bytes right after the request hold a
 * keyed canary; a large object keeps its slack in the low bits of its
 * pagemap entry and a canary after the request. On free: ownership, start
 * of object, double free (a freed small object carries a keyed mark in its
 * second word; freed large blocks wait in a quarantine), canary (overflow),
 * the left neighbour's trailer (underflow), the slab's free-list head. On
 * reuse: writes after free, the encoded free-list link, the slab's head.
 * Freed medium and large objects wait in a small FIFO quarantine with their
 * first 64 bytes and their last requested 8 bytes poisoned.
 * Each detection prints one line without allocating and aborts. The fast
 * build compiles none of this. */
#include "core.h"
#include "debug.h"

#if MPA_CHECKED

/* Small classes from this size up hold few objects per slab, so a freed one
 * would come back at once: they wait in the quarantine like large blocks. */
#define QUARANTINE_MIN_CLASS 4096

static void verify_recent(void);

/* ---- canaries and trailers ---- */

/* Eight keyed canary bytes for the object at p: each in 0x80..0xfe, so that
 * the bytes programs write most (0, 0xff, text) never match by chance. */
static uint64_t canary_of(const void *p) {
    return (mpa_trailer_key(p) >> 1 & UINT64_C(0x3f3f3f3f3f3f3f3f)) << 1 |
           UINT64_C(0x8080808080808080);
}

static uintptr_t *trailer_of(const void *p, size_t csize) {
    return (uintptr_t *)((char *)p + csize - 8);
}

/* Requested size recorded in a small object of csize bytes, or
 * MPA_SIZE_UNKNOWN when its trailer was overwritten. */
static size_t small_requested(const void *p, size_t csize) {
    size_t n = __atomic_load_n(trailer_of(p, csize), __ATOMIC_RELAXED) ^ mpa_trailer_key(p);
    return n <= csize - 8 ? n : MPA_SIZE_UNKNOWN;
}

/* Records n in the trailer and writes the canary bytes between n and the
 * trailer (at most 8). The trailer word changes in one store, never passing
 * through an invalid value: the free of a neighbour on another thread may
 * read it at any time (underflow check). */
static void small_set(void *p, size_t csize, size_t n) {
    uint64_t c = canary_of(p);
    size_t k = csize - 8 - n;
    if (k >= 8) {
        __builtin_memcpy((char *)p + n, &c, 8);
    } else {
        for (size_t i = 0; i < k; i++)
            ((unsigned char *)p)[n + i] = (unsigned char)(c >> (8 * i));
    }
    __atomic_store_n(trailer_of(p, csize), mpa_trailer_key(p) ^ n, __ATOMIC_RELAXED);
}

/* True when the canary bytes between n and the trailer are intact. */
static bool small_canary_ok(const void *p, size_t csize, size_t n) {
    size_t k = csize - 8 - n;
    if (k == 0)
        return true;
    uint64_t v, mask = k >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * k)) - 1;
    __builtin_memcpy(&v, (const char *)p + n, 8);
    return ((v ^ canary_of(p)) & mask) == 0;
}

/* ---- small objects ---- */

/* Slabs are aligned to their size, so the offset needs no slab record. */
static size_t slab_offset(const void *p, unsigned cls) {
    return (uintptr_t)p & (((size_t)1 << mpa_classes[cls].slab_bits) - 1);
}

static bool at_object_start(const void *p, unsigned cls) {
    size_t offset = slab_offset(p, cls);
    return offset == mpa_class_index(cls, offset) * mpa_class_size(cls);
}

static bool marked_freed(const void *p) { return ((const uintptr_t *)p)[1] == mpa_freed_mark(p); }

/* Reports about the small object p of class cls, with its requested size
 * when its trailer still records one. */
__attribute__((noreturn, cold)) static void report_small(const char *what, const void *p,
                                                         unsigned cls) {
    size_t csize = mpa_class_size(cls);
    mpa_report_sized(what, p, csize, small_requested(p, csize));
}

/* The free object q (of class cls) must carry its mark and a link that
 * stays inside its slab and points at an object start. */
static void check_free_object(void *q, unsigned cls) {
    if (!marked_freed(q))
        report_small("write to a freed object (use after free or overflow) at", q, cls);
    uintptr_t next = (uintptr_t)mpa_fl_next(q);
    unsigned slab_bits = mpa_classes[cls].slab_bits;
    if (next != 0 &&
        ((next ^ (uintptr_t)q) >> slab_bits != 0 || !at_object_start((void *)next, cls)))
        report_small("corrupted free-list link (use after free?) in the object at", q, cls);
}

/* The newest object freed to slab s (ours) is checked on every allocation
 * from the slab: a write over an object just freed is found at the next
 * malloc. Cheaper than check_free_object: mark, and a link that stays in
 * the slab (an overwritten link decodes to a random address). */
static void check_slab_head(const mpa_slab_t *s, unsigned cls) {
    void *q = s->free;
    if (q == NULL)
        return;
    uintptr_t next = (uintptr_t)mpa_fl_next(q);
    if (!marked_freed(q) || (next != 0 && (next ^ (uintptr_t)q) >> mpa_classes[cls].slab_bits != 0))
        report_small("write to a freed object (use after free or overflow) at", q, cls);
}

void mpa_check_alloc(mpa_local_t *l, void *p, unsigned cls, size_t size) {
    check_free_object(p, cls);
    const mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (MPA_LIKELY(e->owner == l->me))
        check_slab_head(e->small.slab, cls);
    size_t csize = mpa_class_size(cls);
    if (csize > 16) /* in a 16-byte object the trailer replaces the mark */
        ((uintptr_t *)p)[1] = 0;
    small_set(p, csize, size);
    if (MPA_UNLIKELY(csize >= QUARANTINE_MIN_CLASS))
        verify_recent();
}

void mpa_check_resize(void *p, unsigned cls, size_t size) {
    small_set(p, mpa_class_size(cls), size);
}

/* Returns the requested size of p. */
static size_t check_small_free(void *p, mpa_pm_entry_t *e) {
    unsigned cls = (unsigned)e->small.cls;
    size_t csize = mpa_class_size(cls);
    size_t offset = slab_offset(p, cls);
    if (offset != mpa_class_index(cls, offset) * csize)
        mpa_report("free of a pointer inside an object:", p, csize);
    if (marked_freed(p))
        report_small("double free of", p, cls);
    size_t n = small_requested(p, csize);
    if (n == MPA_SIZE_UNKNOWN || !small_canary_ok(p, csize, n))
        mpa_report_sized("heap overflow (write past the requested size) of the object at", p, csize,
                         n);
    /* The left neighbour's trailer ends where p starts (a freed 16-byte
     * neighbour has its mark there). */
    char *left = (char *)p - csize;
    if (offset != 0 && small_requested(left, csize) == MPA_SIZE_UNKNOWN &&
        !(csize == 16 && marked_freed(left)))
        mpa_report_sized("heap underflow (write before the start) of the object at", p, csize, n);
    mpa_mark_freed(p);
    return n;
}

/* ---- large objects ---- */

static size_t large_requested(const mpa_pm_entry_t *e) {
    return mpa_large_usable(e) - (e->large.usable & (MPA_PAGE_SIZE - 1)) - 1;
}

void mpa_check_large_alloc(void *p, size_t size) {
    verify_recent();
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    size_t usable = mpa_large_usable(e);
    e->large.usable = usable | (usable - size - 1);
    uint64_t c = canary_of(p);
    for (size_t i = 0; i < 8 && size + i < usable; i++)
        ((unsigned char *)p)[size + i] = (unsigned char)(c >> (8 * i));
}

static bool large_canary_ok(const void *p, size_t usable, size_t n) {
    uint64_t c = canary_of(p);
    for (size_t i = 0; i < 8 && n + i < usable; i++)
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
        mpa_report_bad_free(p, e);
    if (large_quarantined(p, e))
        mpa_report("double free of the large object at", p, 0);
    if (!mpa_large_is_live(p, e))
        mpa_report_bad_free(p, e);
    size_t n = large_requested(e);
    if (!large_canary_ok(p, mpa_large_usable(e), n))
        mpa_report_sized("heap overflow (write past the requested size) of the large object at", p,
                         0, n);
    return n;
}

/* ---- quarantine of freed medium and large objects ---- */

#define QUARANTINE_SLOTS 16
#define POISON_WORDS     8 /* the first 64 bytes of a held object are poisoned */

typedef struct {
    void *p;
    uintptr_t usable; /* large: the entry's large.usable while it was live */
    size_t bytes;     /* what it holds */
    size_t tail;      /* offset of its poisoned last requested word, or 0 */
} mpa_quarantined_t;

static mpa_lock_t q_lock = MPA_LOCK_INIT;
static mpa_quarantined_t q_slots[QUARANTINE_SLOTS];
static unsigned q_head, q_count; /* FIFO: oldest at q_head */
static size_t q_bytes;

/* The poison of p: every poisoned word reads k = mpa_trailer_key(p) (only
 * the key's holder can write it by chance), but word 1, the freed mark. */

/* Poisons the first POISON_WORDS words of p and the 8 bytes before offset
 * tail (when not 0): a write after free at either end is found. */
static void poison(void *p, size_t tail) {
    uintptr_t k = mpa_trailer_key(p);
    for (unsigned i = 0; i < POISON_WORDS; i++)
        ((uintptr_t *)p)[i] = k;
    ((uintptr_t *)p)[1] = mpa_freed_mark(p);
    if (tail != 0)
        __builtin_memcpy((char *)p + tail - 8, &k, 8);
}

static bool poisoned(const void *p, size_t tail) {
    const uintptr_t *w = p;
    uintptr_t k = mpa_trailer_key(p), t, diff = w[1] ^ mpa_freed_mark(p);
    for (unsigned i = 0; i < POISON_WORDS; i++)
        diff |= i == 1 ? 0 : w[i] ^ k;
    if (tail != 0) {
        __builtin_memcpy(&t, (const char *)p + tail - 8, 8);
        diff |= t ^ k;
    }
    return diff == 0;
}

/* A held object must still read as poisoned (under q_lock or after). */
static void verify_poison(const mpa_quarantined_t *q) {
    if (!poisoned(q->p, q->tail))
        mpa_report("write to a freed object (use after free) at", q->p, 0);
}

/* The object most recently put in quarantine and its tail offset (read
 * without the lock); never a huge block (its mapping goes when it leaves
 * the quarantine). */
static _Atomic(void *) q_newest;
static _Atomic size_t q_newest_tail;

/* The newest object in quarantine is verified on each medium and large
 * allocation, so a write just after a free is found at the next one. No
 * lock on this path (taking it cost 20% of wl-mixed-sizes): a mismatch is
 * confirmed under the lock, as the object may have left meanwhile. */
static void verify_recent(void) {
    void *p = atomic_load_explicit(&q_newest, memory_order_acquire);
    if (p == NULL || poisoned(p, atomic_load_explicit(&q_newest_tail, memory_order_relaxed)))
        return; /* (a tail of another object only sends this to the lock) */
    mpa_lock(&q_lock);
    for (unsigned i = 0; i < q_count; i++)
        if (q_slots[(q_head + i) % QUARANTINE_SLOTS].p == p)
            verify_poison(&q_slots[(q_head + i) % QUARANTINE_SLOTS]);
    mpa_unlock(&q_lock);
}

static void release(mpa_quarantined_t q) {
    verify_poison(&q);
    mpa_pm_entry_t *e = mpa_pm_entry(q.p);
    if (!mpa_pm_is_small(e))
        e->large.usable = q.usable;
    mpa_dealloc_owner(q.p, e);
}

/* Holds the freed object p (bytes long); frees the oldest ones when the
 * bounds are passed. */
static void quarantine(void *p, mpa_pm_entry_t *e, size_t bytes, size_t n) {
    size_t tail = n >= 8 * (POISON_WORDS + 1) ? n : 0;
    poison(p, tail);
    mpa_quarantined_t out[QUARANTINE_SLOTS];
    unsigned n_out = 0;
    mpa_lock(&q_lock);
    q_slots[(q_head + q_count++) % QUARANTINE_SLOTS] =
        (mpa_quarantined_t){p, mpa_pm_is_small(e) ? 0 : e->large.usable, bytes, tail};
    /* A huge block is unmapped when it leaves: verify_recent, which reads
     * without the lock, must never be handed one. */
    bool huge = !mpa_pm_is_small(e) && mpa_backend_is_huge(e->large.backend, mpa_pm_order(e));
    atomic_store_explicit(&q_newest_tail, tail, memory_order_relaxed);
    atomic_store_explicit(&q_newest, huge ? NULL : p, memory_order_release);
    if (!mpa_pm_is_small(e))
        e->large.usable = 0; /* a second free now finds it quarantined */
    q_bytes += bytes;
    while (q_count == QUARANTINE_SLOTS || q_bytes > MPA_QUARANTINE) {
        mpa_quarantined_t q = q_slots[q_head];
        q_head = (q_head + 1) % QUARANTINE_SLOTS;
        q_count--;
        q_bytes -= q.bytes;
        out[n_out++] = q;
    }
    mpa_unlock(&q_lock);
    for (unsigned i = 0; i < n_out; i++)
        release(out[i]);
}

/* True when the freed object p goes to the quarantine: medium and large
 * objects of the global heap (an mspace may be destroyed meanwhile); the
 * debug build has a quarantine of its own. */
static bool quarantines(const mpa_pm_entry_t *e, size_t bytes) {
    if (MPA_DEBUG_HEAP || bytes < QUARANTINE_MIN_CLASS || bytes > MPA_QUARANTINE / 2)
        return false;
    const mpa_backend_t *b =
        mpa_pm_is_small(e) ? ((const mpa_core_t *)e->owner)->backend : e->large.backend;
    return b == &mpa_backend_global;
}

bool mpa_quarantine_flush(void) {
    bool any = false;
    for (;;) {
        mpa_lock(&q_lock);
        mpa_quarantined_t q = {0};
        if (q_count > 0) {
            q = q_slots[q_head];
            q_head = (q_head + 1) % QUARANTINE_SLOTS;
            q_count--;
            q_bytes -= q.bytes;
        }
        mpa_unlock(&q_lock);
        if (q.p == NULL)
            return mpa_dbg_flush() || any;
        release(q);
        any = true;
    }
}

void mpa_check_fork(mpa_fork_stage_t stage) {
    mpa_lock_fork(&q_lock, stage);
    mpa_dbg_fork(stage);
}

size_t mpa_quarantined_bytes(void) {
    mpa_lock(&q_lock);
    size_t bytes = q_bytes;
    mpa_unlock(&q_lock);
    return bytes + mpa_dbg_quarantined_bytes();
}

/* ---- entry points shared by free, realloc, usable size, sized free ---- */

bool mpa_check_free(void *p, mpa_pm_entry_t *e) {
    size_t bytes, n;
    if (mpa_pm_is_small(e)) {
        n = check_small_free(p, e);
        bytes = mpa_class_size((unsigned)e->small.cls);
    } else {
        n = check_large_free(p, e);
        bytes = mpa_large_usable(e);
    }
    if (!quarantines(e, bytes))
        return false;
    quarantine(p, e, bytes, n);
    return true;
}

void mpa_check_live(const void *p, const mpa_pm_entry_t *e, const char *what) {
    if (!mpa_pm_is_small(e)) {
        if (large_quarantined(p, e))
            mpa_report(what, p, 0);
        return; /* otherwise the caller's own test rejects freed blocks */
    }
    unsigned cls = (unsigned)e->small.cls;
    if (!at_object_start(p, cls) || marked_freed(p))
        mpa_report(what, p, mpa_class_size(cls));
}

size_t mpa_check_requested(const void *p, const mpa_pm_entry_t *e) {
    if (!mpa_pm_is_small(e))
        return mpa_large_is_live(p, e) ? large_requested(e) : 0;
    size_t csize = mpa_class_size((unsigned)e->small.cls);
    size_t n = small_requested(p, csize);
    if (n == MPA_SIZE_UNKNOWN)
        mpa_report("heap overflow (write past the requested size) of the object at", p, csize);
    return n;
}

void mpa_check_sized_free(const void *p, size_t size) {
    if (p == NULL)
        return;
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (!mpa_pm_covers(p))
        mpa_report_bad_free(p, e);
    if (mpa_pm_is_small(e)) {
        if (!at_object_start(p, (unsigned)e->small.cls))
            mpa_report("free of a pointer inside an object:", p,
                       mpa_class_size((unsigned)e->small.cls));
        if (marked_freed(p))
            report_small("double free of", p, (unsigned)e->small.cls);
    } else {
        check_large_free((void *)p, e); /* reads only */
    }
    size_t n = mpa_check_requested(p, e);
    if (n != size)
        mpa_report_sized("sized free (sized delete) with a size other than the requested one:", p,
                         mpa_pm_is_small(e) ? mpa_class_size((unsigned)e->small.cls) : 0, n);
}

#else

void mpa_check_alloc(mpa_local_t *l, void *p, unsigned cls, size_t size) {
    (void)l, (void)p, (void)cls, (void)size;
}
bool mpa_check_free(void *p, mpa_pm_entry_t *e) {
    (void)p, (void)e;
    return false;
}
void mpa_check_fork(mpa_fork_stage_t stage) { (void)stage; }
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
size_t mpa_quarantined_bytes(void) { return 0; }
bool mpa_quarantine_flush(void) { return false; }

#endif
