/* The debug build (MPA_CHECKED == 2): a front end over the checked core that
 * finds as many heap bugs as it can, at any cost. Every object records its
 * exact requested size in a 16-byte keyed header just before it (the left
 * canary) and is followed by 16 canary bytes (the right one); new memory is
 * filled with 0xa5, freed memory with 0xdf. Objects up to a page come from
 * small classes; larger ones, malloc(0) and large alignments sit right
 * against a guard page, with another before them (a fault there is turned
 * into a report by a SIGSEGV handler). Guard pages cost the process memory
 * mappings (vm.max_map_count, 65530 by default): at most DBG_GUARDED_MAX
 * blocks hold them at a time, later ones rely on their canaries and poison,
 * so the program keeps most of its mappings for itself. Freed objects wait in a bounded
 * quarantine, evicted at random, where a freed guarded block is made
 * inaccessible and a small one is verified whole when it leaves, the last
 * few freed on every call, and all at exit. */
#include <errno.h>

#include "debug.h"

#if MPA_DEBUG_HEAP

#define DBG_HDR        16                /* header before each object */
#define DBG_TAIL       16                /* canary bytes after each small object */
#define DBG_SMALL_MAX  4096              /* larger requests get guard pages */
#define DBG_MAX_SIZE   ((size_t)1 << 40) /* the header holds 40 bits of size */
#define DBG_SIZE_MASK  (DBG_MAX_SIZE - 1)
#define DBG_ALLOC_BYTE 0xa5 /* fresh memory */
#define DBG_FREE_BYTE  0xdf /* freed memory */
#define DBG_SLOTS      1024 /* quarantine entries */
#define DBG_RECENT     4    /* latest frees verified on every call */
/* Blocks holding guard pages at a time (live or quarantined): each splits
 * its mapping in up to three, so the debug heap takes at most a fifth of
 * the default limit of 65530 mappings a process may have. */
#define DBG_GUARDED_MAX 4096

enum { DBG_LIVE = 0x4c49, DBG_FREED = 0x4652, DBG_DESC = 0x4453 };
/* A block of the guarded layout is KIND_GUARDED when both its guard pages
 * hold (and, once freed, its data pages are inaccessible), else KIND_OPEN:
 * past DBG_GUARDED_MAX, or when mprotect failed (the process ran out of
 * mappings); an open block relies on its canaries and, freed, its poison. */
enum { KIND_SMALL = 0, KIND_GUARDED = 1, KIND_OPEN = 2 };

/* An object of the debug heap. */
typedef struct {
    char *user;   /* what the program holds */
    char *raw;    /* the core's object (small) or block (guarded) */
    size_t n;     /* requested size */
    size_t bytes; /* core bytes it holds */
    unsigned kind;
    bool guards; /* its guard pages hold (counted in dbg_guarded) */
} dbg_obj_t;

static uint64_t dbg_key;
static unsigned char dbg_canary[DBG_TAIL];
static atomic_int dbg_state; /* 0 not started, 1 starting, 2 ready */
static mpa_lock_t q_lock = MPA_LOCK_INIT;
static dbg_obj_t q_slots[DBG_SLOTS];
static unsigned q_count;
static size_t q_bytes;
static dbg_obj_t q_recent[DBG_RECENT];
static unsigned q_recent_next;
static uint64_t q_rng;
static atomic_int dbg_guarded; /* KIND_GUARDED blocks, live or quarantined */

static void dbg_fault(void *address);
static void verify_recent(void);

/* ---- keys, headers, canaries ---- */

static uint64_t key_for(const void *p, unsigned state) {
    uint64_t x = dbg_key ^ (uintptr_t)p ^ ((uint64_t)state << 48);
    x ^= x >> 31;
    x *= UINT64_C(0xD6E8FEB86659FD93);
    return x ^ (x >> 29);
}

static uint64_t *hdr_of(const char *user) { return (uint64_t *)(user - DBG_HDR); }

static void hdr_set(char *user, uint64_t w0, unsigned state) {
    hdr_of(user)[0] = w0;
    hdr_of(user)[1] = key_for(user, state) ^ w0;
}

static bool hdr_is(const char *user, unsigned state) {
    return hdr_of(user)[1] == (key_for(user, state) ^ hdr_of(user)[0]);
}

static void fill_canary(char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        p[i] = (char)dbg_canary[i % DBG_TAIL];
}

static bool canary_ok(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] != dbg_canary[i % DBG_TAIL])
            return false;
    return true;
}

static void fill(char *p, size_t len, unsigned char byte) {
    uint64_t w = UINT64_C(0x0101010101010101) * byte;
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        __builtin_memcpy(p + i, &w, 8);
    for (; i < len; i++)
        p[i] = (char)byte;
}

/* True when len bytes at p all read `byte`. */
static bool filled(const char *p, size_t len, unsigned char byte) {
    uint64_t w = UINT64_C(0x0101010101010101) * byte, v;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        __builtin_memcpy(&v, p + i, 8);
        if (v != w)
            return false;
    }
    for (; i < len; i++)
        if ((unsigned char)p[i] != byte)
            return false;
    return true;
}

static void ready(void) {
    if (MPA_LIKELY(atomic_load_explicit(&dbg_state, memory_order_acquire) == 2))
        return;
    mpa_lock(&q_lock);
    if (atomic_load_explicit(&dbg_state, memory_order_relaxed) == 0) {
        dbg_key = mpa_pal_entropy() | 1;
        q_rng = dbg_key;
        for (unsigned i = 0; i < DBG_TAIL; i++) /* 0x80..0xfe: never 0, 0xff or text */
            dbg_canary[i] = (unsigned char)(0x80 | ((dbg_key >> (4 * i)) & 0x7e));
        mpa_pal_on_fault(dbg_fault);
        atomic_store_explicit(&dbg_state, 2, memory_order_release);
    }
    mpa_unlock(&q_lock);
}

/* ---- allocation ---- */

static void *small_alloc(size_t align, size_t n, bool zero) {
    size_t off = align > DBG_HDR ? align : DBG_HDR;
    char *raw = mpa_alloc_in(&mpa_local, n + DBG_TAIL + off);
    if (raw == NULL)
        return NULL;
    char *user = (char *)mpa_align_up((uintptr_t)raw + DBG_HDR, align);
    hdr_set(user, n | (uint64_t)(user - raw) << 41, DBG_LIVE);
    fill(user, n, zero ? 0 : DBG_ALLOC_BYTE);
    fill_canary(user + n, DBG_TAIL);
    return user;
}

/* Puts the guard pages of the block at base (its data ends at end) in
 * place; false, with none of them left, when the budget is spent or
 * mprotect fails. Each call changes whole pages of one mapping, so a
 * failure changes nothing. */
static bool guard(char *base, char *end) {
    size_t page = MPA_PAGE_SIZE;
    if (atomic_fetch_add_explicit(&dbg_guarded, 1, memory_order_relaxed) >= DBG_GUARDED_MAX) {
        atomic_fetch_sub_explicit(&dbg_guarded, 1, memory_order_relaxed);
        return false;
    }
    if (mpa_pal_protect(base, page, 0) == 0) {
        if (mpa_pal_protect(end, page, 0) == 0)
            return true;
        /* Merging back into the data mapping takes no new mapping; should
         * even that fail, the page stays a guard of an open block (an
         * underflow there faults, and is reported as one). */
        mpa_pal_protect(base, page, 1);
    }
    atomic_fetch_sub_explicit(&dbg_guarded, 1, memory_order_relaxed);
    return false;
}

/* A block [guard page | descriptor, canary, header, object | guard page],
 * the object's end against the second guard page (to its alignment). */
static void *guarded_alloc(size_t align, size_t n, bool zero) {
    size_t page = MPA_PAGE_SIZE;
    size_t data = mpa_align_up(2 * DBG_HDR + n + (align > DBG_HDR ? align : 0), page);
    size_t total = data + 2 * page;
    /* (after this thread's teardown: from the orphan lists, core.c) */
    char *base = mpa_lists_large(&mpa_local, total - 1, 0, false); /* no slack page */
    if (base == NULL)
        return NULL;
    char *end = base + page + data;
    char *user = (char *)((uintptr_t)(end - n) & ~(uintptr_t)(align - 1));
    *(uint64_t *)(base + page) = key_for(base, DBG_DESC) ^ (uintptr_t)user;
    fill_canary(base + page + 8, (size_t)(user - DBG_HDR - (base + page + 8)));
    fill(user, n, zero ? 0 : DBG_ALLOC_BYTE);
    fill_canary(user + n, (size_t)(end - user) - n);
    unsigned kind = guard(base, end) ? KIND_GUARDED : KIND_OPEN;
    hdr_set(user, n | (uint64_t)kind << 40, DBG_LIVE);
    return user;
}

void *mpa_dbg_alloc(size_t align, size_t size, bool zero) {
    ready();
    mpa_lock(&q_lock);
    verify_recent(); /* a write over an object just freed is found now */
    mpa_unlock(&q_lock);
    if (size >= DBG_MAX_SIZE) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = size > 0 && size <= DBG_SMALL_MAX && align <= DBG_SMALL_MAX
                  ? small_alloc(align, size, zero)
                  : guarded_alloc(align, size, zero);
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

/* ---- finding an object ---- */

/* The block holding the guarded object at p, or NULL. */
static char *guarded_base(const void *p) {
    if (!mpa_pm_covers(p))
        return NULL;
    const mpa_pm_entry_t *e = mpa_pm_entry(p);
    unsigned kind = mpa_pm_is_small(e) ? 0 : mpa_pm_kind(e);
    if (kind != MPA_PM_LARGE && kind != MPA_PM_LARGE_INTERIOR)
        return NULL;
    char *base = e->large.base;
    return mpa_pm_kind(mpa_pm_entry(base)) == MPA_PM_LARGE ? base : NULL;
}

/* Index of the quarantined guarded block at base, or -1. Reads without the
 * lock when called from the fault handler. */
static int quarantined_at(const char *base) {
    for (unsigned i = 0; i < q_count; i++)
        if (q_slots[i].raw == base)
            return (int)i;
    return -1;
}

/* True when p belongs to an mspace (not to the debug heap): such objects go
 * straight to the core. */
static bool of_mspace(const void *p, const mpa_pm_entry_t *e) {
    if (mpa_pm_is_small(e))
        return ((const mpa_core_t *)e->owner)->backend != &mpa_backend_global;
    char *base = guarded_base(p);
    return base != NULL && mpa_pm_entry(base)->large.backend != &mpa_backend_global;
}

/* Reports p, which is no live object; freeing says which call asks. */
__attribute__((noreturn, cold)) static void report_dead(const void *p, bool freed, bool freeing,
                                                        size_t n) {
    if (!freeing)
        mpa_report_sized("realloc or usable size of a freed or interior pointer:", p, 0, n);
    if (freed)
        mpa_report_sized("double free of", p, 0, n);
    mpa_report("free of a pointer inside an object:", p, 0);
}

static void locate_small(char *p, const mpa_pm_entry_t *e, bool freeing, dbg_obj_t *o) {
    unsigned cls = (unsigned)e->small.cls;
    size_t csize = mpa_class_size(cls);
    size_t offset = (uintptr_t)p & (((size_t)1 << mpa_classes[cls].slab_bits) - 1);
    char *raw = p - offset + mpa_class_index(cls, offset) * csize;
    if (p - raw < DBG_HDR)
        report_dead(p, false, freeing, MPA_SIZE_UNKNOWN);
    if (hdr_is(p, DBG_FREED))
        report_dead(p, true, freeing, hdr_of(p)[0] & DBG_SIZE_MASK);
    if (!hdr_is(p, DBG_LIVE)) {
        if (mpa_small_is_freed(raw)) /* freed long ago */
            report_dead(p, true, freeing, MPA_SIZE_UNKNOWN);
        if (p == raw + DBG_HDR)
            mpa_report("heap underflow (the header before the object is overwritten) at", p, 0);
        report_dead(p, false, freeing, MPA_SIZE_UNKNOWN);
    }
    *o = (dbg_obj_t){p, raw, hdr_of(p)[0] & DBG_SIZE_MASK, csize, KIND_SMALL, false};
    if (!canary_ok(p + o->n, DBG_TAIL))
        mpa_report_sized("heap overflow (write past the requested size) of the object at", p, 0,
                         o->n);
}

static void locate_guarded(char *p, char *base, bool freeing, dbg_obj_t *o) {
    size_t page = MPA_PAGE_SIZE;
    mpa_lock(&q_lock);
    int q = quarantined_at(base);
    size_t qn = q >= 0 ? q_slots[q].n : 0;
    char *quser = q >= 0 ? q_slots[q].user : NULL;
    mpa_unlock(&q_lock);
    if (q >= 0)
        report_dead(p, quser == p, freeing, quser == p ? qn : MPA_SIZE_UNKNOWN);
    if (mpa_pm_entry(base)->large.usable == 0)
        mpa_report_bad_free(p, mpa_pm_entry(base));
    char *user = (char *)(uintptr_t)(*(uint64_t *)(base + page) ^ key_for(base, DBG_DESC));
    size_t total = mpa_large_usable(mpa_pm_entry(base));
    char *end = base + total - page;
    if (user != p)
        report_dead(p, false, freeing, MPA_SIZE_UNKNOWN);
    if (!hdr_is(p, DBG_LIVE) ||
        !canary_ok(base + page + 8, (size_t)(p - DBG_HDR - (base + page + 8))))
        mpa_report("heap underflow (write before the start) of the object at", p, 0);
    bool guards = hdr_of(p)[0] >> 40 == KIND_GUARDED;
    *o = (dbg_obj_t){
        p, base, hdr_of(p)[0] & DBG_SIZE_MASK, total, guards ? KIND_GUARDED : KIND_OPEN, guards};
    if (!canary_ok(p + o->n, (size_t)(end - p) - o->n))
        mpa_report_sized("heap overflow (write past the requested size) of the object at", p, 0,
                         o->n);
}

/* Finds the live debug object p, or reports; false for an mspace object. */
static bool locate(void *p, bool freeing, dbg_obj_t *o) {
    if (!mpa_pm_covers(p))
        mpa_report("free of a pointer mpalloc did not allocate:", p, 0);
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (of_mspace(p, e))
        return false;
    if (mpa_pm_is_small(e)) {
        locate_small(p, e, freeing, o);
        return true;
    }
    char *base = guarded_base(p);
    if (base == NULL)
        mpa_report_bad_free(p, e);
    locate_guarded(p, base, freeing, o);
    return true;
}

/* ---- quarantine ---- */

/* A small freed object must still read as freed: header, poison, canary. */
static void verify_freed(const dbg_obj_t *o) {
    if (o->kind == KIND_GUARDED)
        return; /* inaccessible: any access faulted already */
    if (!hdr_is(o->user, DBG_FREED) || !filled(o->user, o->n, DBG_FREE_BYTE) ||
        (o->kind == KIND_SMALL && !canary_ok(o->user + o->n, DBG_TAIL)))
        mpa_report_sized("write to a freed object (use after free) at", o->user, 0, o->n);
}

static void release(const dbg_obj_t *o) {
    verify_freed(o);
    /* Past the process's mapping limit a block may not become accessible
     * again (or only in part): it is then never touched again (leaked)
     * rather than handed out. */
    if (o->kind != KIND_SMALL && mpa_pal_protect(o->raw, o->bytes, 1) != 0)
        return;
    if (o->guards)
        atomic_fetch_sub_explicit(&dbg_guarded, 1, memory_order_relaxed);
    mpa_dealloc(o->raw);
}

static uint64_t next_random(void) {
    q_rng ^= q_rng << 13;
    q_rng ^= q_rng >> 7;
    q_rng ^= q_rng << 17;
    return q_rng;
}

/* Verifies the latest frees (under q_lock). */
static void verify_recent(void) {
    for (unsigned i = 0; i < DBG_RECENT; i++)
        if (q_recent[i].user != NULL)
            verify_freed(&q_recent[i]);
}

static void forget_recent(const char *user) {
    for (unsigned i = 0; i < DBG_RECENT; i++)
        if (q_recent[i].user == user)
            q_recent[i].user = NULL;
}

/* Takes o into the quarantine; first evicts others at random (never o)
 * until the bounds hold, and frees them to the core. o changes (its header
 * reads "freed", the quarantine holds it) only at the end, under q_lock,
 * after which the call waits for nothing: fork's prepare holds q_lock and
 * the core's locks, so a free that waits for one while another thread
 * forks leaves, in the child, an object still allocated, as its caller sees
 * it (glibc keeps the TSD block an exiting thread was freeing at fork, and
 * frees it again in the child when a new thread reuses that stack). */
static void quarantine(const dbg_obj_t *o) {
    for (;;) {
        dbg_obj_t out[8];
        unsigned n_out = 0;
        mpa_lock(&q_lock);
        verify_recent();
        while (n_out < 8 && q_count > 0 &&
               (q_count == DBG_SLOTS || q_bytes + o->bytes > MPA_QUARANTINE)) {
            unsigned i = (unsigned)(next_random() % q_count);
            out[n_out++] = q_slots[i];
            forget_recent(q_slots[i].user);
            q_bytes -= q_slots[i].bytes;
            q_slots[i] = q_slots[--q_count];
        }
        if (n_out == 0) {                /* room (q_count < DBG_SLOTS): o goes in */
            if (o->kind != KIND_GUARDED) /* (a guarded one is marked before its pages close) */
                hdr_set(o->user, hdr_of(o->user)[0], DBG_FREED);
            q_slots[q_count++] = *o;
            q_bytes += o->bytes;
            /* (an open block past a page is verified when it leaves: doing it
             * on every call would read it whole each time) */
            if (o->kind == KIND_SMALL || (o->kind == KIND_OPEN && o->n <= DBG_SMALL_MAX)) {
                q_recent[q_recent_next] = *o;
                q_recent_next = (q_recent_next + 1) % DBG_RECENT;
            }
            mpa_unlock(&q_lock);
            return;
        }
        mpa_unlock(&q_lock);
        for (unsigned i = 0; i < n_out; i++)
            release(&out[i]); /* before o changes: a wait here leaves o allocated */
    }
}

size_t mpa_dbg_quarantined_bytes(void) {
    mpa_lock(&q_lock);
    size_t bytes = q_bytes;
    mpa_unlock(&q_lock);
    return bytes;
}

bool mpa_dbg_flush(void) {
    bool any = false;
    for (;;) {
        mpa_lock(&q_lock);
        dbg_obj_t o = q_count > 0 ? q_slots[--q_count] : (dbg_obj_t){0};
        if (o.user != NULL) {
            q_bytes -= o.bytes;
            forget_recent(o.user);
        }
        mpa_unlock(&q_lock);
        if (o.user == NULL)
            return any;
        release(&o);
        any = true;
    }
}

void mpa_dbg_fork(mpa_fork_stage_t stage) { mpa_lock_fork(&q_lock, stage); }

/* At exit every small object still in quarantine is verified. */
__attribute__((destructor)) static void verify_all(void) {
    if (atomic_load(&dbg_state) != 2)
        return;
    MPA_CALL("exit");
    mpa_lock(&q_lock);
    for (unsigned i = 0; i < q_count; i++)
        verify_freed(&q_slots[i]);
    mpa_unlock(&q_lock);
}

/* ---- the API ---- */

void mpa_dbg_free(void *p, size_t sized) {
    if (p == NULL)
        return;
    ready();
    dbg_obj_t o;
    if (!locate(p, true, &o)) {
        if (sized != MPA_SIZE_UNKNOWN)
            mpa_check_sized_free(p, sized);
        mpa_dealloc(p);
        return;
    }
    if (sized != MPA_SIZE_UNKNOWN && sized != o.n)
        mpa_report_sized("sized free (sized delete) with a size other than the requested one:", p,
                         0, o.n);
    fill(o.user, o.n, DBG_FREE_BYTE); /* marked freed under the quarantine's lock */
    if (o.kind == KIND_GUARDED)
        hdr_set(o.user, hdr_of(o.user)[0], DBG_FREED);
    /* Only the data pages, one whole mapping between the two guards: the
     * call splits nothing, so it changes all of them or none. */
    size_t page = MPA_PAGE_SIZE;
    if (o.kind == KIND_GUARDED && mpa_pal_protect(o.raw + page, o.bytes - 2 * page, 0) != 0)
        o.kind = KIND_OPEN; /* verified by its poison; its guards still hold */
    quarantine(&o);
}

size_t mpa_dbg_usable(const void *p) {
    ready();
    dbg_obj_t o;
    if (!locate((void *)p, false, &o))
        return mpa_usable_size(p);
    return o.n;
}

void *mpa_dbg_realloc(void *p, size_t size) {
    ready();
    dbg_obj_t o;
    if (!locate(p, false, &o))
        return mpa_realloc_in(&mpa_local, p, size);
    void *q = mpa_dbg_alloc(MPA_MIN_ALLOC, size, false);
    if (q == NULL)
        return NULL;
    __builtin_memcpy(q, p, o.n < size ? o.n : size);
    mpa_dbg_free(p, MPA_SIZE_UNKNOWN);
    return q;
}

/* ---- guard-page faults ---- */

static void dbg_fault(void *address) {
    char *base = guarded_base(address);
    if (base == NULL)
        return;
    size_t page = MPA_PAGE_SIZE;
    int q = quarantined_at(base);
    if (q >= 0)
        mpa_report_fault("use after free: access to", address, q_slots[q].user, q_slots[q].n);
    if (mpa_pm_entry(base)->large.usable == 0)
        return;
    char *user = (char *)(uintptr_t)(*(uint64_t *)(base + page) ^ key_for(base, DBG_DESC));
    if (guarded_base(user) != base || !hdr_is(user, DBG_LIVE))
        return;
    size_t n = hdr_of(user)[0] & DBG_SIZE_MASK;
    char *a = address;
    if (a < base + page)
        mpa_report_fault("heap underflow into the guard page at", address, user, n);
    if (a >= user + n)
        mpa_report_fault(n == 0 ? "write into a malloc(0) block at"
                                : "heap overflow into the guard page at",
                         address, user, n);
}

/* The live debug object holding address a (copies.c's bounds): small
 * objects at the usual place in their core object (16-byte alignment;
 * others are checked against the core object), guarded ones through their
 * descriptor. */
bool mpa_dbg_bounds(const void *a, const char **start, size_t *n) {
    if (!mpa_pm_covers(a) || atomic_load_explicit(&dbg_state, memory_order_acquire) != 2)
        return false;
    const mpa_pm_entry_t *e = mpa_pm_entry(a);
    char *user;
    if (mpa_pm_is_small(e)) {
        if (of_mspace(a, e))
            return false;
        unsigned cls = (unsigned)e->small.cls;
        size_t offset = (size_t)((const char *)a - e->small.base);
        size_t index = mpa_class_index(cls, offset);
        if (index >= mpa_classes[cls].count)
            return false;
        user = e->small.base + index * mpa_class_size(cls) + DBG_HDR;
    } else {
        char *base = guarded_base(a);
        if (base == NULL || mpa_pm_entry(base)->large.usable == 0 || of_mspace(a, e))
            return false;
        user = (char *)(uintptr_t)(*(uint64_t *)(base + MPA_PAGE_SIZE) ^ key_for(base, DBG_DESC));
        if (!mpa_pm_covers(user) || mpa_pm_entry(user)->large.base != base)
            return false;
    }
    if (!hdr_is(user, DBG_LIVE) || (const char *)a < user)
        return false;
    *start = user;
    *n = hdr_of(user)[0] & DBG_SIZE_MASK;
    return true;
}

#else

bool mpa_dbg_bounds(const void *a, const char **start, size_t *n) {
    (void)a, (void)start, (void)n;
    return false;
}

void *mpa_dbg_alloc(size_t align, size_t size, bool zero) {
    (void)align, (void)zero;
    return mpa_alloc(size);
}
void mpa_dbg_free(void *p, size_t sized) {
    (void)sized;
    mpa_dealloc(p);
}
void *mpa_dbg_realloc(void *p, size_t size) { return mpa_realloc_in(&mpa_local, p, size); }
size_t mpa_dbg_usable(const void *p) { return mpa_usable_size(p); }
size_t mpa_dbg_quarantined_bytes(void) { return 0; }
void mpa_dbg_fork(mpa_fork_stage_t stage) { (void)stage; }
bool mpa_dbg_flush(void) { return false; }

#endif
