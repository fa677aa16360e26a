/* The debug build (MPA_CHECKED == 2): a front end over the checked core that
 * a developer can leave on while working. Every object has a 32-byte keyed
 * header just before it (its exact requested size, the sites that allocated
 * and freed it: sites.c) and keyed canary bytes after it; its first 4 KiB
 * are filled with 0xa5 when handed out. Objects that fit a small class live
 * in one; larger ones are blocks [descriptor page | object | guard page]
 * whose object ends against the guard page while the budgets allow it.
 * A free poisons the object with 0xdf (whole up to 4 KiB; above, whole
 * while the work budget allows, else both ends and 16 bytes of each 4 KiB),
 * or makes a freed block's pages inaccessible and gives them back; then it
 * waits: first among its thread's latest frees (the one freed last is
 * verified at the thread's next call), then in a quarantine whose resident
 * bytes follow the live heap, left at random and verified on the way out
 * and at exit. malloc(0) returns addresses in an inaccessible arena. A
 * fault on a guard page, a freed block or the malloc(0) arena is reported
 * by a SIGSEGV handler with the faulting instruction.
 * Costs are bounded per call: poisoning and verifying are linear only up
 * to 4 KiB per object; beyond, and for every mprotect (which splits
 * mappings: at most DBG_GUARDED_MAX blocks hold one), work is paid from a
 * per-thread budget that each call refills. */
#include <errno.h>

#include "debug.h"

#if MPA_DEBUG_HEAP

/* ---- bounds ---- */

#define DBG_HDR        32                /* header before each object */
#define DBG_TAIL       32                /* canary bytes after each object, at least */
#define DBG_MAX_SIZE   ((size_t)1 << 40) /* the header holds 40 bits of size */
#define DBG_SIZE_MASK  (DBG_MAX_SIZE - 1)
#define DBG_FILL_MAX   4096              /* new objects: bytes filled (ASan's default) */
#define DBG_POISON_ALL 4096              /* freed objects up to this: poisoned whole */
#define DBG_EDGE       256               /* larger ones: bytes poisoned at each end... */
#define DBG_STRIPE     16                /* ...and at the start of each 4 KiB (budget permitting) */
#define DBG_PENDING    32                /* bytes at each end verified at the next call */
#define DBG_ALLOC_BYTE 0xa5              /* fresh memory */
#define DBG_FREE_BYTE  0xdf              /* freed memory */
#define DBG_SLOTS      4096              /* quarantine entries per shard */
#define DBG_SHARDS     8                 /* quarantine shards */
#define DBG_Q_MIN      ((size_t)1 << 20) /* resident bytes the quarantine may hold: at least */
#define DBG_Q_MAX      ((size_t)16 << 20) /* ...at most; between, half the live heap */
#define DBG_RING       16                 /* latest frees a thread holds */
/* Blocks that hold a guard page or inaccessible freed pages at a time:
 * each splits its mapping in three at most, so that the debug heap takes
 * a small part of the mappings a process may have (vm.max_map_count,
 * 65530 by default) whatever the program does. */
#define DBG_GUARDED_MAX 2048
#define DBG_WORK_CALL   1024                 /* budget each call adds, in bytes poisoned */
#define DBG_WORK_MAX    ((int64_t)16 << 20)  /* budget a thread may save (and starts with) */
#define DBG_MAP_COST    ((int64_t)256 << 10) /* an mprotect (about 10 us here), in bytes poisoned */
#define DBG_LIVE_FOLD   ((int64_t)1 << 20)   /* live-byte changes a thread keeps to itself */
#define DBG_ARENA_BYTES ((size_t)1 << 30)    /* the symbol-lookup child's memory */
#define DBG_BLOCK_ROUND ((size_t)1 << 20)    /* blocks up to this take a power of two */
#define DBG_ZERO_SLOTS  65536                /* malloc(0) addresses, 16 bytes apart */

/* ---- object header ---- */

/* 32 bytes before every object (and, for blocks, a copy in the descriptor
 * page, which stays readable when the object's pages are not). */
typedef struct {
    mpa_site_t alloc_site, free_site;
    uint32_t alloc_thread, free_thread;
    uint64_t info;  /* size, layout and state flags, raw offset (INFO_*) */
    uint64_t check; /* keyed with the object's address and state */
} dbg_hdr_t;

_Static_assert(sizeof(dbg_hdr_t) == DBG_HDR, "the header fills DBG_HDR bytes");

#define INFO_BLOCK     ((uint64_t)1 << 40) /* a block (else a small-class object) */
#define INFO_FULL      ((uint64_t)1 << 41) /* freed: poisoned whole (else ends and stripes) */
#define INFO_GUARD     ((uint64_t)1 << 42) /* block: a guard page after its data */
#define INFO_SHUT      ((uint64_t)1 << 43) /* block, freed: data pages inaccessible */
#define INFO_ROOMY     ((uint64_t)1 << 44) /* block: object at the start of its data (realloc) */
#define INFO_STRIPES   ((uint64_t)1 << 45) /* freed, not whole: a stripe of each 4 KiB too */
#define INFO_OFF_SHIFT 46                  /* small: user - raw */

enum { DBG_LIVE = 0x4c49, DBG_FREED = 0x4652, DBG_DESC = 0x4453 };

/* A block's first page: where its object is, and a copy of its header. */
typedef struct {
    uint64_t check; /* keyed: base, user */
    char *user;
    dbg_hdr_t h;
} dbg_desc_t;

/* An object of the debug heap, as located. */
typedef struct {
    char *user;   /* what the program holds */
    char *raw;    /* the core's object (small) or block (INFO_BLOCK) */
    size_t bytes; /* core bytes it holds */
    dbg_hdr_t h;
} dbg_obj_t;

/* A freed object held back; bytes: the core's bytes it holds. Its header
 * is kept here too, so that a report names its sites even when a write
 * over the object reached its header. */
typedef struct {
    char *user, *raw;
    size_t bytes;
    dbg_hdr_t h;
} dbg_held_t;

/* Bytes a held object keeps resident (a shut block's pages went back). */
static size_t resident(const dbg_held_t *q) { return q->h.info & INFO_SHUT ? 0 : q->bytes; }

/* Per thread: latest frees, the work budget, live-byte drift. */
typedef struct {
    dbg_held_t ring[DBG_RING]; /* oldest first */
    unsigned ring_n;
    bool pending;         /* ring's newest entry is still to be verified */
    char *last;           /* the small object allocated last, verified at the next call */
    dbg_hdr_t last_h;     /* its header as written */
    uint64_t last_canary; /* its canary word */
    bool started;
    int64_t work; /* budget, in bytes poisoned */
    int64_t live; /* live bytes not yet folded into dbg_live */
    uint32_t no;  /* thread number (sites.c) */
} dbg_thread_t;

static uint64_t dbg_key;
static atomic_int dbg_state; /* 0 not started, 1 starting, 2 ready */
/* The quarantine, in shards (a thread uses the one its number picks), so
 * that threads seldom wait for one another; its resident bytes are bounded
 * as a whole. */
typedef struct {
    mpa_lock_t lock;
    unsigned count;
    uint64_t rng;
    _Atomic size_t bytes; /* resident (the shards' sum is bounded by q_limit) */
    _Atomic size_t held;  /* core bytes held, resident or not (written under lock) */
    dbg_held_t slots[DBG_SLOTS];
} __attribute__((aligned(MPA_CACHELINE))) dbg_shard_t;

static mpa_lock_t start_lock = MPA_LOCK_INIT;
static dbg_shard_t q_shards[DBG_SHARDS];
static atomic_int dbg_guarded;   /* blocks holding protected pages */
static _Atomic int64_t dbg_live; /* live bytes, give or take DBG_LIVE_FOLD per thread */
static int dbg_arena;            /* symbol-lookup child: allocate from the arena */

/* Each thread's last small allocation, while no call has changed it: its
 * owner verifies it at its next call, and any thread that frees or resizes
 * it takes it out first (verify_last). One slot per cache line, shared by
 * thread numbers equal modulo their count (a clash only skips a check). */
#define DBG_LAST_SLOTS 256
static struct {
    _Atomic uintptr_t user;
    char pad[MPA_CACHELINE - sizeof(uintptr_t)];
} dbg_last[DBG_LAST_SLOTS];
static __thread dbg_thread_t dbg_tls __attribute__((tls_model("initial-exec")));

static void dbg_fault(const mpa_pal_fault_t *f);
static void arena_start(void);
static void *arena_alloc(size_t align, size_t size);
static void *arena_realloc(void *p, size_t size);
static size_t arena_usable(const void *p);
static void *zero_alloc(void);
static bool zero_owns(const void *p);
static void zero_free(void *p);
static void zero_start(void);
static void zero_check(const void *p, bool freeing);
static void zero_fork(mpa_fork_stage_t stage);

/* ---- keys, headers, canaries, poison ---- */

MPA_INLINE uint64_t key_for(const void *p, unsigned state) {
    uint64_t x = dbg_key ^ (uintptr_t)p ^ ((uint64_t)state << 48);
    x ^= x >> 31;
    x *= UINT64_C(0xD6E8FEB86659FD93);
    return x ^ (x >> 29);
}

static dbg_hdr_t *hdr_of(const char *user) { return (dbg_hdr_t *)(user - DBG_HDR); }

MPA_INLINE uint64_t hdr_code(const dbg_hdr_t *h, const void *user, unsigned state) {
    return key_for(user, state) ^ h->info ^
           ((uint64_t)h->alloc_site | (uint64_t)h->free_site << 32) ^
           ((uint64_t)h->alloc_thread << 16 | (uint64_t)h->free_thread << 40);
}

MPA_INLINE bool hdr_is(const dbg_hdr_t *h, const void *user, unsigned state) {
    return h->check == hdr_code(h, user, state);
}

static size_t hdr_size(const dbg_hdr_t *h) { return h->info & DBG_SIZE_MASK; }

/* Eight canary bytes for the object at user: each in 0x80..0xfe, so that
 * the bytes programs write most (0, 0xff, text) never match by chance. */
MPA_INLINE uint64_t canary_of(const void *user) {
    return (key_for(user, 0) >> 1 & UINT64_C(0x3f3f3f3f3f3f3f3f)) << 1 |
           UINT64_C(0x8080808080808080);
}

MPA_INLINE void put_canary(char *user, size_t n, size_t len) {
    uint64_t c = canary_of(user);
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        __builtin_memcpy(user + n + i, &c, 8);
    for (; i < len; i++)
        user[n + i] = (char)(c >> (8 * (i & 7)));
}

MPA_INLINE bool canary_ok(const char *user, size_t n, size_t len) {
    uint64_t c = canary_of(user), v;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        __builtin_memcpy(&v, user + n + i, 8);
        if (v != c)
            return false;
    }
    for (; i < len; i++)
        if ((unsigned char)user[n + i] != (unsigned char)(c >> (8 * (i & 7))))
            return false;
    return true;
}

/* The C library's memset and memcmp, found by the constructor: the
 * library's own exported memset (copies.c) would check every fill against
 * the object being filled. NULL before (the exported one then runs). */
static void *(*libc_memset)(void *, int, size_t);
static int (*libc_memcmp)(const void *, const void *, size_t);

__attribute__((constructor(101))) static void find_libc(void) {
    *(void **)&libc_memset = mpa_pal_libc_function("memset");
    *(void **)&libc_memcmp = mpa_pal_libc_function("memcmp");
}

static void fill(char *p, size_t len, unsigned char byte) {
    if (MPA_LIKELY(libc_memset != NULL))
        libc_memset(p, byte, len);
    else
        __builtin_memset(p, byte, len);
}

/* A page of poison, to compare freed objects with. */
static const unsigned char poison_page[4096] = {[0 ... 4095] = DBG_FREE_BYTE};

/* True when len bytes at p all read DBG_FREE_BYTE: words compared here up
 * to 64 bytes, else the C library's vectorised memcmp, a page at a time. */
static bool poisoned(const char *p, size_t len) {
    if (len <= 64) {
        uint64_t w = UINT64_C(0x0101010101010101) * DBG_FREE_BYTE, v, diff = 0;
        size_t i = 0;
        for (; i + 8 <= len; i += 8) {
            __builtin_memcpy(&v, p + i, 8);
            diff |= v ^ w;
        }
        for (; i < len; i++)
            diff |= (unsigned char)p[i] ^ DBG_FREE_BYTE;
        return diff == 0;
    }
    for (size_t at = 0; at < len; at += sizeof poison_page) {
        size_t k = len - at < sizeof poison_page ? len - at : sizeof poison_page;
        if ((libc_memcmp ? libc_memcmp(p + at, poison_page, k)
                         : __builtin_memcmp(p + at, poison_page, k)) != 0)
            return false;
    }
    return true;
}

/* True when two headers are equal (four words). */
static bool hdr_same(const dbg_hdr_t *a, const dbg_hdr_t *b) {
    uint64_t x[4], y[4];
    __builtin_memcpy(x, a, sizeof x);
    __builtin_memcpy(y, b, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/* The parts of a freed object of n bytes that hold poison when it is not
 * poisoned whole: DBG_EDGE bytes at each end and, with stripes, DBG_STRIPE
 * at every 4 KiB (each stripe is another page to touch). */
static void poison_parts(char *user, size_t n, bool stripes) {
    fill(user, DBG_EDGE, DBG_FREE_BYTE);
    fill(user + n - DBG_EDGE, DBG_EDGE, DBG_FREE_BYTE);
    for (size_t at = 4096; stripes && at + DBG_STRIPE <= n - DBG_EDGE; at += 4096)
        fill(user + at, DBG_STRIPE, DBG_FREE_BYTE);
}

static bool parts_poisoned(const char *user, size_t n, bool stripes) {
    if (!poisoned(user, DBG_EDGE) || !poisoned(user + n - DBG_EDGE, DBG_EDGE))
        return false;
    for (size_t at = 4096; stripes && at + DBG_STRIPE <= n - DBG_EDGE; at += 4096)
        if (!poisoned(user + at, DBG_STRIPE))
            return false;
    return true;
}

/* ---- start ---- */

/* What the core reaches of this front end (checked.c relays it): the
 * latest frees of an exiting thread, the quarantine's locks across fork,
 * its objects when memory runs out, its bytes, the bounds of its objects
 * for the checked copies. Registered before the first lock is taken. */
static const mpa_check_frontend_t dbg_frontend;

static void ready_slow(void) {
    mpa_check_frontend(&dbg_frontend);
    mpa_lock(&start_lock);
    if (atomic_load_explicit(&dbg_state, memory_order_relaxed) == 0) {
        dbg_key = mpa_pal_entropy() | 1;
        for (unsigned i = 0; i < DBG_SHARDS; i++)
            q_shards[i].rng = dbg_key + i;
        mpa_site_init(arena_start);
        zero_start();
        mpa_pal_on_fault(dbg_fault);
        atomic_store_explicit(&dbg_state, 2, memory_order_release);
    }
    mpa_unlock(&start_lock);
}

static void verify_pending(dbg_thread_t *t);
static void verify_last(dbg_thread_t *t);

/* Every call starts here (p: the object it frees or resizes, else NULL):
 * the heap and the thread are set up, the call adds to the thread's work
 * budget, the object freed last and the one allocated last are verified
 * (a write over the one, or past the other, since is found now). */
static dbg_thread_t *enter(const void *p) {
    if (MPA_UNLIKELY(atomic_load_explicit(&dbg_state, memory_order_acquire) != 2))
        ready_slow();
    dbg_thread_t *t = &dbg_tls;
    if (MPA_UNLIKELY(!t->started)) {
        t->started = true;
        t->work = DBG_WORK_MAX;
        t->no = mpa_site_thread();
    }
    t->work = t->work + DBG_WORK_CALL > DBG_WORK_MAX ? DBG_WORK_MAX : t->work + DBG_WORK_CALL;
    if (t->pending)
        verify_pending(t);
    if (t->last == p) /* (free, realloc of it: they verify it) */
        t->last = NULL;
    else if (t->last != NULL)
        verify_last(t);
    return t;
}

/* Takes work from the budget: false (nothing taken) when short. */
static bool spend(dbg_thread_t *t, int64_t work) {
    if (t->work < work)
        return false;
    t->work -= work;
    return true;
}

static void count_live(dbg_thread_t *t, int64_t bytes) {
    t->live += bytes;
    if (t->live > DBG_LIVE_FOLD || t->live < -DBG_LIVE_FOLD) {
        atomic_fetch_add_explicit(&dbg_live, t->live, memory_order_relaxed);
        t->live = 0;
    }
}

/* The API call in progress, as MPA_CALL left it: a call into the core may
 * run another one (thread set-up calls calloc), which changes it. */
typedef struct {
    const char *name;
    void *ra, *fp;
} dbg_call_t;

static dbg_call_t call_save(void) {
    return (dbg_call_t){mpa_report_call, mpa_report_ra, mpa_report_fp};
}

static void call_restore(dbg_call_t c) {
    mpa_report_call = c.name;
    mpa_report_ra = c.ra;
    mpa_report_fp = c.fp;
}

/* Writes a live header for user. */
/* Writes h at user's header, its check word last (0 while the rest
 * changes: a header read half-written never passes for a valid one). */
static void hdr_store(char *user, const dbg_hdr_t *h) {
    dbg_hdr_t *to = hdr_of(user);
    __atomic_store_n(&to->check, 0, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&to->alloc_site, h->alloc_site, __ATOMIC_RELAXED);
    __atomic_store_n(&to->free_site, h->free_site, __ATOMIC_RELAXED);
    __atomic_store_n(&to->alloc_thread, h->alloc_thread, __ATOMIC_RELAXED);
    __atomic_store_n(&to->free_thread, h->free_thread, __ATOMIC_RELAXED);
    __atomic_store_n(&to->info, h->info, __ATOMIC_RELAXED);
    __atomic_store_n(&to->check, h->check, __ATOMIC_RELEASE);
}

/* Writes a live header for user. */
static void hdr_live(char *user, size_t n, uint64_t flags, const dbg_thread_t *t) {
    dbg_hdr_t h = {mpa_site_here(), 0, t->no, 0, n | flags, 0};
    h.check = hdr_code(&h, user, DBG_LIVE);
    hdr_store(user, &h);
}

/* ---- allocation ---- */

static size_t slack_for(size_t align) { return align > MPA_MIN_ALLOC ? align - MPA_MIN_ALLOC : 0; }

/* True when a request of n bytes aligned to align fits a small class. */
static bool fits_small(size_t align, size_t n) {
    return n + DBG_HDR + DBG_TAIL + slack_for(align) <= MPA_MAX_SMALL - MPA_TRAILER;
}

static void *small_alloc(dbg_thread_t *t, size_t align, size_t n, bool zero) {
    unsigned cls = mpa_size_to_class(n + DBG_HDR + DBG_TAIL + slack_for(align) + MPA_TRAILER);
    dbg_call_t call = call_save();
    char *raw = mpa_alloc_in(&mpa_local, mpa_class_size(cls) - MPA_TRAILER); /* the whole class */
    call_restore(call);
    if (raw == NULL)
        return NULL;
    char *user = (char *)mpa_align_up((uintptr_t)raw + DBG_HDR, align);
    if (user - raw > DBG_HDR) /* aligned: where the object is, for dbg_bounds */
        *(uint64_t *)raw = key_for(raw, DBG_DESC) ^ (uint64_t)(user - raw);
    fill(user, zero ? n : n < DBG_FILL_MAX ? n : DBG_FILL_MAX, zero ? 0 : DBG_ALLOC_BYTE);
    put_canary(user, n, DBG_TAIL);
    hdr_live(user, n, (uint64_t)(user - raw) << INFO_OFF_SHIFT, t);
    count_live(t, (int64_t)n);
    t->last = user;
    t->last_h = *hdr_of(user);
    t->last_canary = canary_of(user);
    atomic_store_explicit(&dbg_last[t->no % DBG_LAST_SLOTS].user, (uintptr_t)user,
                          memory_order_release);
    return user;
}

/* Block geometry: the descriptor page, data pages, then a page that is the
 * guard (or left untouched: it also holds the checked core's canary). */
static size_t block_data(size_t align, size_t room) {
    return mpa_align_up(room + DBG_HDR + DBG_TAIL + (align > MPA_MIN_ALLOC ? align : 0),
                        MPA_PAGE_SIZE);
}

static char *block_end(char *base, size_t bytes) { return base + bytes - MPA_PAGE_SIZE; }

/* Puts a guard page at end when the budgets allow; true when it holds. */
static bool guard(dbg_thread_t *t, char *end) {
    if (t->work < 3 * DBG_MAP_COST)
        return false; /* (its data pages are made inaccessible at free, too) */
    if (atomic_fetch_add_explicit(&dbg_guarded, 1, memory_order_relaxed) >= DBG_GUARDED_MAX ||
        mpa_pal_protect(end, MPA_PAGE_SIZE, 0) != 0) {
        atomic_fetch_sub_explicit(&dbg_guarded, 1, memory_order_relaxed);
        return false;
    }
    t->work -= DBG_MAP_COST;
    return true;
}

/* Writes the descriptor of the block at base: its object and header. */
static void desc_set(char *base, char *user, const dbg_hdr_t *h) {
    dbg_desc_t *d = (dbg_desc_t *)base;
    d->user = user;
    d->h = *h;
    d->check = key_for(base, DBG_DESC) ^ (uintptr_t)user ^ d->h.check;
}

/* A block for n bytes aligned to align; room > n for realloc's growth: the
 * object then starts its data, never guarded. */
static void *block_alloc(dbg_thread_t *t, size_t align, size_t n, size_t room, bool zero) {
    size_t page = MPA_PAGE_SIZE, data = block_data(align, room);
    size_t bytes = page + data + page;
    /* A block up to DBG_BLOCK_ROUND takes its whole power-of-two block (the
     * core's), so that the core never gives back a reused block's pages
     * past the object (an madvise, then faults, at almost every allocation
     * of mixed sizes); the pages before the object are never touched.
     * Not under a limit, where every block is mapped alone and unmapped
     * when freed (nothing reused): a power of two took up to twice the
     * block's share of the limit (64 KiB requests under ulimit -d 256 MiB
     * reached 122 MiB, glibc 255). */
    if (bytes <= DBG_BLOCK_ROUND && !mpa_backend_global.trim)
        bytes = (size_t)MPA_CHUNK_SIZE
                << mpa_ceil_log2((bytes + MPA_CHUNK_SIZE - 1) >> MPA_CHUNK_BITS);
    /* (after this thread's teardown: from the orphan lists, core.c) */
    dbg_call_t call = call_save();
    char *base = mpa_lists_large(&mpa_local, bytes - 1, 0, false); /* exactly `bytes` */
    call_restore(call);
    if (base == NULL)
        return NULL;
    char *end = block_end(base, bytes), *user;
    uint64_t flags = INFO_BLOCK;
    if (room > n) {
        flags |= INFO_ROOMY;
        user = (char *)mpa_align_up((uintptr_t)base + page + DBG_HDR, align);
        put_canary(user, n, DBG_TAIL);
    } else if (guard(t, end)) {
        flags |= INFO_GUARD;
        user = (char *)((uintptr_t)(end - n) & ~(uintptr_t)(align - 1));
        put_canary(user, n, (size_t)(end - user) - n);
    } else {
        user = (char *)((uintptr_t)(end - DBG_TAIL - n) & ~(uintptr_t)(align - 1));
        put_canary(user, n, (size_t)(end - user) - n);
    }
    fill(user, zero ? n : n < DBG_FILL_MAX ? n : DBG_FILL_MAX, zero ? 0 : DBG_ALLOC_BYTE);
    hdr_live(user, n, flags, t);
    desc_set(base, user, hdr_of(user));
    count_live(t, (int64_t)n);
    return user;
}

static void *alloc_in(dbg_thread_t *t, size_t align, size_t size, size_t room, bool zero) {
    if (size >= DBG_MAX_SIZE || room >= DBG_MAX_SIZE) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = NULL;
    if (size == 0 && align <= MPA_MIN_ALLOC)
        p = zero_alloc();
    if (p == NULL)
        p = fits_small(align, room) ? small_alloc(t, align, size, zero)
                                    : block_alloc(t, align, size, room, zero);
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

void *mpa_dbg_alloc(size_t align, size_t size, bool zero) {
    if (MPA_UNLIKELY(dbg_arena))
        return arena_alloc(align, size);
    return alloc_in(enter(NULL), align, size, size, zero);
}

/* ---- finding an object ---- */

/* The block holding p, or NULL. */
static char *block_base(const void *p) {
    if (!mpa_pm_covers(p))
        return NULL;
    const mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (mpa_pm_is_small(e))
        return NULL;
    unsigned kind = mpa_pm_kind(e);
    if (kind != MPA_PM_LARGE && kind != MPA_PM_LARGE_INTERIOR)
        return NULL;
    char *base = e->large.base;
    const mpa_pm_entry_t *head = mpa_pm_entry(base);
    return mpa_pm_kind(head) == MPA_PM_LARGE && mpa_large_maps(base, head, p) ? base : NULL;
}

/* The descriptor of the debug block at base, or NULL when it reads wrong. */
static const dbg_desc_t *desc_of(const char *base) {
    const dbg_desc_t *d = (const dbg_desc_t *)base;
    return d->check == (key_for(base, DBG_DESC) ^ (uintptr_t)d->user ^ d->h.check) ? d : NULL;
}

/* True when p belongs to an mspace (not to the debug heap): such objects go
 * straight to the core. */
static bool of_mspace(const void *p, const mpa_pm_entry_t *e) {
    if (mpa_pm_is_small(e))
        return ((const mpa_core_t *)e->owner)->backend != &mpa_backend_global;
    char *base = block_base(p);
    return base != NULL && mpa_pm_entry(base)->large.backend != &mpa_backend_global;
}

/* Names h's sites in the next report (h may be NULL: none known). */
static void about(const dbg_hdr_t *h) {
    mpa_site_report_t a = {0};
    if (h != NULL)
        a = (mpa_site_report_t){h->alloc_site, h->free_site, h->alloc_thread, h->free_thread, NULL,
                                NULL,          NULL};
    mpa_site_report_about(&a);
}

/* Reports p, which is no live object: freed (h: its header) or not (h:
 * the header of the object it lies inside, or NULL); either's sites are
 * named. Freeing says which call asks. */
__attribute__((noreturn, cold)) static void report_dead(const void *p, const dbg_hdr_t *h,
                                                        bool freed, bool freeing) {
    about(h);
    size_t n = freed ? hdr_size(h) : MPA_SIZE_UNKNOWN;
    if (!freeing)
        mpa_report_sized("realloc or usable size of a freed or interior pointer:", p, 0, n);
    if (freed)
        mpa_report_sized("double free of", p, 0, n);
    mpa_report("free of a pointer inside an object:", p, 0);
}

__attribute__((noreturn, cold)) static void report_overflow(const char *user, const dbg_hdr_t *h) {
    about(h);
    mpa_report_sized("heap overflow (write past the requested size) of the object at", user, 0,
                     hdr_size(h));
}

static void locate_small(char *p, const mpa_pm_entry_t *e, bool freeing, dbg_obj_t *o) {
    unsigned cls = (unsigned)e->small.cls;
    size_t csize = mpa_class_size(cls);
    if (p < e->small.base) /* before the slab's first object */
        report_dead(p, NULL, false, freeing);
    size_t offset = (size_t)(p - e->small.base);
    char *raw = e->small.base + mpa_class_index(cls, offset) * csize;
    if (p - raw < DBG_HDR ||
        (p - raw > DBG_HDR && hdr_is(hdr_of(raw + DBG_HDR), raw + DBG_HDR, DBG_LIVE)))
        report_dead(p, p - raw > DBG_HDR ? hdr_of(raw + DBG_HDR) : NULL, false, freeing);
    dbg_hdr_t *h = hdr_of(p);
    if (MPA_UNLIKELY(!hdr_is(h, p, DBG_LIVE)) && hdr_is(h, p, DBG_FREED))
        report_dead(p, h, true, freeing);
    if (!hdr_is(h, p, DBG_LIVE) || (h->info & INFO_BLOCK) ||
        (size_t)(h->info >> INFO_OFF_SHIFT) != (size_t)(p - raw)) {
        /* A short underflow changes only the top bytes of the check word,
         * right before the object: the rest of the header still holds. */
        if (((h->check ^ hdr_code(h, p, DBG_LIVE)) & 0xffffffff) == 0) {
            about(h);
            mpa_report_sized("heap underflow (write before the start) of the object at", p, 0,
                             hdr_size(h));
        }
        about(NULL);
        if (mpa_small_is_freed(raw)) /* freed long ago */
            mpa_report("double free of", p, 0);
        if (p == raw + DBG_HDR)
            mpa_report("heap underflow (the header before the object is overwritten) at", p, 0);
        report_dead(p, NULL, false, freeing);
    }
    *o = (dbg_obj_t){p, raw, csize, *h};
    if (!canary_ok(p, hdr_size(h), DBG_TAIL))
        report_overflow(p, h);
}

/* Bytes of canary after a block's object. */
static size_t block_tail(const dbg_obj_t *o) {
    if (o->h.info & INFO_ROOMY)
        return DBG_TAIL;
    return (size_t)(block_end(o->raw, o->bytes) - o->user) - hdr_size(&o->h);
}

static void locate_block(char *p, char *base, bool freeing, dbg_obj_t *o) {
    const dbg_desc_t *d = desc_of(base);
    if (d == NULL)
        mpa_check_bad_free(p, mpa_pm_entry(p));
    if (d->user != p)
        report_dead(p, &d->h, false, freeing); /* interior */
    if (hdr_is(&d->h, p, DBG_FREED))
        report_dead(p, &d->h, true, freeing);
    *o = (dbg_obj_t){p, base, mpa_large_usable(mpa_pm_entry(base)), d->h};
    const dbg_hdr_t *h = hdr_of(p);
    if (!hdr_is(&d->h, p, DBG_LIVE) || __builtin_memcmp(h, &d->h, sizeof *h) != 0) {
        about(&d->h);
        mpa_report("heap underflow (write before the start) of the object at", p, 0);
    }
    if (!canary_ok(p, hdr_size(h), block_tail(o)))
        report_overflow(p, &d->h);
}

/* Finds the live debug object p, or reports; false for an mspace object. */
static bool locate(void *p, bool freeing, dbg_obj_t *o) {
    if (!mpa_pm_covers(p)) {
        about(NULL);
        mpa_report("free of a pointer mpalloc did not allocate:", p, 0);
    }
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (of_mspace(p, e))
        return false;
    if (mpa_pm_is_small(e)) {
        locate_small(p, e, freeing, o);
        return true;
    }
    char *base = block_base(p);
    if (base == NULL) {
        about(NULL);
        mpa_check_bad_free(p, e);
    }
    locate_block(p, base, freeing, o);
    return true;
}

/* ---- freeing: poison, verify ---- */

/* The freed header is written over the live one (a block's: in its
 * descriptor, which tells alone from then on). */
static void hdr_freed(dbg_obj_t *o) {
    o->h.check = hdr_code(&o->h, o->user, DBG_FREED);
    if (o->h.info & INFO_BLOCK) {
        desc_set(o->raw, o->user, &o->h);
        return;
    }
    hdr_store(o->user, &o->h);
}

/* True when the freed block o may be shut: the budgets allow the mprotect
 * calls (shut now, open at release) and, without a guard page already,
 * one more block with protected pages. */
static bool may_shut(dbg_thread_t *t, const dbg_obj_t *o) {
    if (o->h.info & INFO_GUARD)
        return spend(t, DBG_MAP_COST);
    if (t->work < 2 * DBG_MAP_COST)
        return false;
    if (atomic_fetch_add_explicit(&dbg_guarded, 1, memory_order_relaxed) >= DBG_GUARDED_MAX) {
        atomic_fetch_sub_explicit(&dbg_guarded, 1, memory_order_relaxed);
        return false;
    }
    t->work -= 2 * DBG_MAP_COST;
    return true;
}

/* Poisons the freed object o whole, or its ends and stripes (a larger one
 * when the work budget is short); records which in its header. */
static void poison_fill(dbg_thread_t *t, dbg_obj_t *o) {
    size_t n = hdr_size(&o->h);
    if (n <= DBG_POISON_ALL || n < 2 * DBG_EDGE || spend(t, 2 * (int64_t)n)) {
        fill(o->user, n, DBG_FREE_BYTE);
        o->h.info |= INFO_FULL;
    } else {
        bool stripes = spend(t, (int64_t)(n / 4096) * 512); /* a page's miss each */
        poison_parts(o->user, n, stripes);
        o->h.info |= stripes ? INFO_STRIPES : 0;
    }
}

/* Poisons the freed object o, or marks it to be shut (a block, budgets
 * permitting: retire() shuts it once its header is written). */
static void poison(dbg_thread_t *t, dbg_obj_t *o) {
    if ((o->h.info & INFO_BLOCK) && may_shut(t, o))
        o->h.info |= INFO_SHUT;
    else
        poison_fill(t, o);
}

/* The data pages of a shut block become inaccessible and are given back;
 * false (nothing changed) when the process is out of mappings. */
static bool shut(dbg_obj_t *o) {
    char *data = o->raw + MPA_PAGE_SIZE, *end = block_end(o->raw, o->bytes);
    if (mpa_pal_protect_discard(data, (size_t)(end - data)) == 0)
        return true;
    if (!(o->h.info & INFO_GUARD))
        atomic_fetch_sub_explicit(&dbg_guarded, 1, memory_order_relaxed);
    return false;
}

/* A freed object must still read as freed: header, poison, canary. */
static void verify_held(const dbg_held_t *q, bool whole) {
    char *user = q->user;
    uint64_t info = q->h.info;
    size_t n = hdr_size(&q->h);
    bool block = (info & INFO_BLOCK) != 0, head = true, ok = true;
    head = hdr_same(block ? &((const dbg_desc_t *)q->raw)->h : hdr_of(user), &q->h);
    if (!(info & INFO_SHUT)) {
        if (!whole) /* just freed: both ends */
            ok = n <= 2 * DBG_PENDING
                     ? poisoned(user, n)
                     : poisoned(user, DBG_PENDING) && poisoned(user + n - DBG_PENDING, DBG_PENDING);
        else if ((info & INFO_FULL) || n < 2 * DBG_EDGE)
            ok = poisoned(user, n);
        else
            ok = parts_poisoned(user, n, (info & INFO_STRIPES) != 0);
        if (ok && !block)
            ok = canary_ok(user, n, DBG_TAIL);
    }
    if (!ok || !head) {
        about(&q->h);
        mpa_report_sized(head ? "write to a freed object (use after free) at"
                              : "write to a freed object (use after free, or an overflow of the "
                                "object before it) at",
                         user, 0, n);
    }
}

/* The object this thread freed last, at its next call: header and
 * DBG_PENDING bytes at each end (a write right after a free is found at
 * once; the whole object is verified when it leaves the quarantine). */
static void verify_pending(dbg_thread_t *t) {
    t->pending = false;
    const dbg_held_t *q = &t->ring[t->ring_n - 1];
    size_t n = hdr_size(&q->h);
    const char *p = q->user;
    /* (the ring holds small objects only: their header is in place) */
    bool ok = hdr_of(p)->check == q->h.check &&
              (n <= 2 * DBG_PENDING
                   ? poisoned(p, n)
                   : poisoned(p, DBG_PENDING) && poisoned(p + n - DBG_PENDING, DBG_PENDING));
    if (!ok)
        verify_held(q, false); /* reports */
}

/* The object o is about to change (freed, resized): first it is taken
 * out of its allocating thread's last-allocation slot, as a seqlock's
 * writer bumps its count: the exchange, then a release fence, so that no
 * write to o that follows can be seen before the slot reads 0 (a compiler
 * barrier on x86, whose locked exchange orders it already). A slot that
 * reads another object already moved on from o (this call learnt of o
 * after its allocation stored it there), and comes back to o only when o
 * is allocated anew, after this free is long over. */
static void last_forget(const dbg_obj_t *o) {
    if (o->h.info & INFO_BLOCK)
        return;
    _Atomic uintptr_t *slot = &dbg_last[o->h.alloc_thread % DBG_LAST_SLOTS].user;
    uintptr_t v = (uintptr_t)o->user;
    if (atomic_load_explicit(slot, memory_order_relaxed) == v &&
        atomic_compare_exchange_strong_explicit(slot, &v, 0, memory_order_seq_cst,
                                                memory_order_relaxed))
        atomic_thread_fence(memory_order_release);
}

/* The small object this thread allocated last, at its next call: a copy
 * or a write just past its end or just before its start (memcpy, strcpy
 * into a buffer just made) is found at once. Another thread may free or
 * resize it meanwhile: its slot (dbg_last) is read before and after the
 * object, as a seqlock's reader does, and a free or resize takes the slot
 * out before it writes (last_forget); so when the slot still names the
 * object after, no free or resize had begun when it was read. Reported: a
 * broken canary, or a broken header while the object's canary (keyed with
 * its address, at the end its allocation recorded) still holds. (Not
 * blocks: another thread's free may make their pages inaccessible under
 * the reader.) */
static void verify_last(dbg_thread_t *t) {
    char *user = t->last;
    _Atomic uintptr_t *slot = &dbg_last[t->no % DBG_LAST_SLOTS].user;
    t->last = NULL;
    if (atomic_load_explicit(slot, memory_order_acquire) != (uintptr_t)user)
        return; /* freed or resized already (or another thread's slot now) */
    /* Most often all is as written: the header and the first and last
     * canary words (a far write past the end, as a short one, breaks one). */
    size_t n0 = hdr_size(&t->last_h);
    uint64_t c0, c1;
    __builtin_memcpy(&c0, user + n0, 8);
    __builtin_memcpy(&c1, user + n0 + DBG_TAIL - 8, 8);
    if (hdr_same(hdr_of(user), &t->last_h) && c0 == t->last_canary && c1 == t->last_canary)
        return;
    const dbg_hdr_t *h = hdr_of(user);
    bool live = hdr_is(h, user, DBG_LIVE);
    size_t n = hdr_size(live ? h : &t->last_h);
    bool broken = !canary_ok(user, n, DBG_TAIL) || (!live && !hdr_is(h, user, DBG_FREED));
    atomic_thread_fence(memory_order_acquire);
    if (!broken || atomic_load_explicit(slot, memory_order_relaxed) != (uintptr_t)user)
        return; /* (a free or resize began meanwhile: what was read may be theirs) */
    about(&t->last_h);
    if (live)
        mpa_report_sized("heap overflow (write past the requested size) of the object at", user, 0,
                         n);
    mpa_report_sized("heap underflow (write before the start) of the object at", user, 0, n);
}

/* Gives a held object back to the core, verified whole. */
static void release(const dbg_held_t *q) {
    verify_held(q, true);
    if (q->h.info & INFO_BLOCK) {
        char *data = q->raw + MPA_PAGE_SIZE;
        size_t bytes = mpa_large_usable(mpa_pm_entry(q->raw));
        if (q->h.info & (INFO_SHUT | INFO_GUARD)) {
            /* Past the process's mapping limit a block may not become
             * accessible again: it is then never touched again (leaked). */
            if (mpa_pal_protect(data, (size_t)(q->raw + bytes - data), 1) != 0)
                return;
            atomic_fetch_sub_explicit(&dbg_guarded, 1, memory_order_relaxed);
        }
    }
    mpa_dealloc(q->raw);
}

/* ---- quarantine ---- */

static uint64_t next_random(dbg_shard_t *q) {
    q->rng ^= q->rng << 13;
    q->rng ^= q->rng >> 7;
    q->rng ^= q->rng << 17;
    return q->rng;
}

/* Resident bytes the quarantine may hold: half the live heap, bounded. */
static size_t q_limit(void) {
    int64_t live = atomic_load_explicit(&dbg_live, memory_order_relaxed);
    size_t half = live > 0 ? (size_t)live / 2 : 0;
    return half < DBG_Q_MIN ? DBG_Q_MIN : half > DBG_Q_MAX ? DBG_Q_MAX : half;
}

/* Counts q in or out of shard s (under its lock). */
static void q_count_held(dbg_shard_t *s, const dbg_held_t *q, int sign) {
    MPA_ASSERT(1, mpa_lock_is_held(&s->lock) && s->count <= DBG_SLOTS);
    MPA_ASSERT(1, sign > 0 || (s->bytes >= resident(q) && s->held >= q->bytes));
    atomic_store_explicit(&s->bytes, s->bytes + (size_t)sign * resident(q), memory_order_relaxed);
    atomic_store_explicit(&s->held, s->held + (size_t)sign * q->bytes, memory_order_relaxed);
}

/* Resident bytes of the whole quarantine (read without the locks). */
static size_t q_resident(void) {
    size_t sum = 0;
    for (unsigned i = 0; i < DBG_SHARDS; i++)
        sum += atomic_load_explicit(&q_shards[i].bytes, memory_order_relaxed);
    return sum;
}

/* Takes objs[0..k) into the calling thread's shard (with o: o itself,
 * whose header is written freed under the shard's lock, as it goes in),
 * releasing objects of the shard chosen at random (never one of objs)
 * while the quarantine is over its bounds. */
static void quarantine(const dbg_held_t *objs, unsigned k, dbg_obj_t *o) {
    enum { BATCH = 16 };
    dbg_held_t out[BATCH];
    dbg_shard_t *q = &q_shards[dbg_tls.no % DBG_SHARDS];
    unsigned taken = 0;
    while (taken < k) {
        unsigned n_out = 0;
        size_t limit = q_limit(), others = q_resident();
        mpa_lock(&q->lock);
        others -= q->bytes;
        while (taken < k && n_out < BATCH) {
            if (q->count > 0 &&
                (q->count == DBG_SLOTS || others + q->bytes + resident(&objs[taken]) > limit)) {
                unsigned i = (unsigned)(((next_random(q) >> 32) * q->count) >> 32);
                out[n_out] = q->slots[i];
                q_count_held(q, &out[n_out++], -1);
                q->slots[i] = q->slots[--q->count];
                continue;
            }
            if (o != NULL)
                hdr_freed(o);
            MPA_ASSERT(1, q->count < DBG_SLOTS);
            q->slots[q->count++] = objs[taken];
            q_count_held(q, &objs[taken++], 1);
        }
        mpa_unlock(&q->lock);
        for (unsigned i = 0; i < n_out; i++)
            release(&out[i]);
    }
}

/* Moves the thread's oldest k latest frees to the quarantine. */
static void ring_flush(dbg_thread_t *t, unsigned k) {
    MPA_ASSERT(1, k <= t->ring_n && t->ring_n <= DBG_RING);
    if (k == 0)
        return;
    dbg_held_t objs[DBG_RING];
    __builtin_memcpy(objs, t->ring, k * sizeof objs[0]);
    t->ring_n -= k;
    for (unsigned i = 0; i < t->ring_n; i++) /* (no memmove below the override layer) */
        t->ring[i] = t->ring[i + k];
    if (t->ring_n == 0)
        t->pending = false;
    quarantine(objs, k, NULL);
}

/* The freed object o waits: small ones among the thread's latest frees
 * (verified at its next call), blocks in the quarantine at once. A small
 * object's header turns "freed" in the call's last step, after which it
 * waits for no lock (in the ring, or under the shard's lock as it goes in):
 * fork's prepare holds those locks, so a child never finds an object freed
 * by a free its parent's thread had not finished (glibc frees again, in
 * the child, the thread-specific block an exiting thread was freeing at
 * fork). */
static void retire(dbg_thread_t *t, dbg_obj_t *o) {
    o->h.free_site = mpa_site_here();
    o->h.free_thread = t->no;
    count_live(t, -(int64_t)hdr_size(&o->h));
    if (o->h.info & INFO_BLOCK) {
        hdr_freed(o);                              /* (a fault on its shut pages reads "freed") */
        if ((o->h.info & INFO_SHUT) && !shut(o)) { /* out of mappings: poisoned instead */
            o->h.info &= ~INFO_SHUT;
            poison_fill(t, o);
            hdr_freed(o);
        }
    }
    dbg_held_t q = {o->user, o->raw, o->bytes, o->h};
    q.h.check = hdr_code(&q.h, o->user, DBG_FREED);
    if ((o->h.info & INFO_BLOCK) || mpa_local.state != MPA_THREAD_ACTIVE) {
        /* (a thread without a core may never run its exit hook) */
        quarantine(&q, 1, o->h.info & INFO_BLOCK ? NULL : o);
        return;
    }
    if (t->ring_n == DBG_RING)
        ring_flush(t, DBG_RING / 2);
    hdr_freed(o); /* the last step: nothing waits after it */
    t->ring[t->ring_n++] = q;
    t->pending = true;
}

/* ---- the API ---- */

void mpa_dbg_free(void *p, size_t sized) {
    if (p == NULL || MPA_UNLIKELY(dbg_arena))
        return;
    dbg_thread_t *t = enter(p);
    if (zero_owns(p)) {
        if (sized != MPA_SIZE_UNKNOWN && sized != 0)
            mpa_report_sizes("sized free (sized delete) with a size other than the requested one:",
                             p, 0, sized, 0);
        zero_free(p);
        return;
    }
    dbg_obj_t o;
    if (!locate(p, true, &o)) {
        if (sized != MPA_SIZE_UNKNOWN)
            mpa_check_sized_free(p, sized);
        mpa_dealloc(p);
        return;
    }
    if (sized != MPA_SIZE_UNKNOWN && sized != hdr_size(&o.h)) {
        about(&o.h);
        mpa_report_sizes("sized free (sized delete) with a size other than the requested one:", p,
                         0, sized, hdr_size(&o.h));
    }
    last_forget(&o);
    poison(t, &o);
    retire(t, &o);
}

size_t mpa_dbg_usable(const void *p) {
    MPA_ASSERT(1, p != NULL);
    if (MPA_UNLIKELY(dbg_arena))
        return arena_usable(p);
    enter(NULL);
    if (zero_owns(p)) {
        zero_check(p, false);
        return 0;
    }
    dbg_obj_t o;
    if (!locate((void *)p, false, &o))
        return mpa_heap_usable_size(p);
    return hdr_size(&o.h);
}

/* Room of the live object o for realloc in place, or 0 when it must move. */
static size_t room_of(const dbg_obj_t *o) {
    if (o->h.info & INFO_BLOCK)
        return o->h.info & INFO_ROOMY ? (size_t)(block_end(o->raw, o->bytes) - o->user) - DBG_TAIL
                                      : 0;
    return (size_t)(o->raw + o->bytes - MPA_TRAILER - o->user) - DBG_TAIL;
}

/* Resizes the live object o in place to size bytes. */
static void resize(dbg_thread_t *t, dbg_obj_t *o, size_t size) {
    size_t n = hdr_size(&o->h);
    last_forget(o);
    if (size > n)
        fill(o->user + n, size - n < DBG_FILL_MAX ? size - n : DBG_FILL_MAX, DBG_ALLOC_BYTE);
    else
        fill(o->user + size, n - size, DBG_FREE_BYTE);
    put_canary(o->user, size, DBG_TAIL);
    o->h.info = (o->h.info & ~DBG_SIZE_MASK) | size;
    o->h.check = hdr_code(&o->h, o->user, DBG_LIVE);
    hdr_store(o->user, &o->h);
    if (o->h.info & INFO_BLOCK)
        desc_set(o->raw, o->user, &o->h);
    count_live(t, (int64_t)size - (int64_t)n);
}

void *mpa_dbg_realloc(void *p, size_t size) {
    MPA_ASSERT(1, p != NULL);
    if (MPA_UNLIKELY(dbg_arena))
        return arena_realloc(p, size);
    dbg_thread_t *t = enter(p);
    dbg_obj_t o;
    size_t n = 0;
    if (zero_owns(p)) {
        zero_check(p, false);
    } else {
        if (!locate(p, false, &o))
            return mpa_heap_realloc(&mpa_local, p, size);
        n = hdr_size(&o.h);
        size_t room = room_of(&o);
        /* In place while it fits, and a small object shrinks to no less
         * than a quarter of its room (else it moves to a smaller class). */
        if (size != 0 && size <= room &&
            ((o.h.info & INFO_BLOCK) || size + DBG_HDR + DBG_TAIL > room / 4)) {
            resize(t, &o, size);
            return p;
        }
    }
    /* A growing object gets half again its size of room (a block: at the
     * start of its data, unguarded), so that growth by steps stays linear. */
    size_t room = size > n && size < DBG_MAX_SIZE / 2 ? size + size / 2 : size;
    void *q =
        alloc_in(t, MPA_MIN_ALLOC, size, fits_small(MPA_MIN_ALLOC, room) ? size : room, false);
    if (q == NULL)
        return NULL;
    __builtin_memcpy(q, p, n < size ? n : size);
    if (zero_owns(p)) {
        zero_free(p);
    } else {
        last_forget(&o);
        poison(t, &o);
        retire(t, &o);
    }
    return q;
}

/* The small object holding a (its core object), or NULL past a slab's
 * last object. */
static char *small_raw(const char *a, const mpa_pm_entry_t *e) {
    unsigned cls = (unsigned)e->small.cls;
    if (a < e->small.base)
        return NULL;
    size_t index = mpa_class_index(cls, (size_t)(a - e->small.base));
    if (index >= mpa_classes[cls].count)
        return NULL;
    return e->small.base + index * mpa_class_size(cls);
}

/* The live debug object holding address a: its start and requested size
 * (for bounds-checked copies); false when a is in none, or in a freed one.
 * Never reports. */
static bool dbg_bounds(const void *a, const char **start, size_t *n) {
    if (atomic_load_explicit(&dbg_state, memory_order_acquire) != 2 || !mpa_pm_covers(a))
        return false;
    const mpa_pm_entry_t *e = mpa_pm_entry(a);
    if (of_mspace(a, e))
        return false;
    char *user = NULL;
    const dbg_hdr_t *h = NULL;
    if (mpa_pm_is_small(e)) {
        char *raw = small_raw(a, e);
        if (raw == NULL)
            return false;
        user = raw + DBG_HDR;
        if (!hdr_is(hdr_of(user), user, DBG_LIVE)) /* an aligned object */
            user = raw + (*(uint64_t *)raw ^ key_for(raw, DBG_DESC));
        if (user < raw + DBG_HDR || user >= raw + mpa_class_size((unsigned)e->small.cls))
            return false;
        h = hdr_of(user);
    } else {
        char *base = block_base(a);
        const dbg_desc_t *d = base ? desc_of(base) : NULL;
        if (d == NULL)
            return false;
        user = d->user;
        h = &d->h;
    }
    if (!hdr_is(h, user, DBG_LIVE) || (const char *)a < user)
        return false;
    *start = user;
    *n = hdr_size(h);
    return true;
}

/* The next report of the calling thread names the sites of the live
 * debug object at user (as found by dbg_bounds). */
static void dbg_about(const char *user) {
    const char *start;
    size_t n;
    if (!dbg_bounds(user, &start, &n) || start != user)
        return;
    const mpa_pm_entry_t *e = mpa_pm_entry(user);
    const dbg_desc_t *d = mpa_pm_is_small(e) ? NULL : desc_of(block_base(user));
    about(d != NULL ? &d->h : hdr_of(user));
}

/* Bytes the debug quarantine holds. */
static size_t dbg_quarantined_bytes(void) {
    size_t sum = 0;
    for (unsigned i = 0; i < DBG_SHARDS; i++)
        sum += atomic_load_explicit(&q_shards[i].held, memory_order_relaxed);
    return sum;
}

/* Frees everything the debug quarantine and the calling thread's latest
 * frees hold (out of memory, malloc_trim); true when there was any. */
static bool dbg_flush(void) {
    dbg_thread_t *t = &dbg_tls;
    bool any = t->ring_n > 0;
    ring_flush(t, t->ring_n);
    for (unsigned i = 0; i < DBG_SHARDS; i++) {
        dbg_shard_t *s = &q_shards[i];
        for (;;) {
            mpa_lock(&s->lock);
            dbg_held_t q = s->count > 0 ? s->slots[--s->count] : (dbg_held_t){0};
            q_count_held(s, &q, -1);
            mpa_unlock(&s->lock);
            if (q.user == NULL)
                break;
            release(&q);
            any = true;
        }
    }
    return any;
}

/* The calling thread exits: its latest frees join the quarantine. */
static void dbg_thread_exit(void) {
    dbg_thread_t *t = &dbg_tls;
    if (t->ring_n == 0)
        return;
    MPA_CALL("thread exit");
    ring_flush(t, t->ring_n);
}

/* The debug quarantine's locks across fork (stages as mpa_check_fork). */
static void dbg_fork(mpa_fork_stage_t stage) {
    mpa_lock_fork(&start_lock, stage);
    for (unsigned i = 0; i < DBG_SHARDS; i++)
        mpa_lock_fork(&q_shards[i].lock, stage);
    zero_fork(stage);
}

static const mpa_check_frontend_t dbg_frontend = {
    .thread_exit = dbg_thread_exit,
    .fork = dbg_fork,
    .flush = dbg_flush,
    .held_bytes = dbg_quarantined_bytes,
    .bounds = dbg_bounds,
    .about = dbg_about,
};

/* At exit every object still held is verified whole. */
__attribute__((destructor)) static void verify_all(void) {
    if (atomic_load(&dbg_state) != 2 || dbg_arena)
        return;
    MPA_CALL("exit");
    dbg_thread_t *t = &dbg_tls;
    for (unsigned i = 0; i < t->ring_n; i++)
        verify_held(&t->ring[i], true);
    for (unsigned i = 0; i < DBG_SHARDS; i++) {
        mpa_lock(&q_shards[i].lock);
        for (unsigned k = 0; k < q_shards[i].count; k++)
            verify_held(&q_shards[i].slots[k], true);
        mpa_unlock(&q_shards[i].lock);
    }
}

/* ---- malloc(0): addresses in an inaccessible arena ---- */

typedef struct {
    mpa_site_t alloc_site, free_site;
    uint32_t alloc_thread, free_thread;
} zero_meta_t;

static char *zero_base;
static zero_meta_t *zero_meta;
static uint8_t zero_live[DBG_ZERO_SLOTS]; /* 1: live */
static unsigned zero_next;                /* slots are handed out round the arena */
static mpa_lock_t zero_lock = MPA_LOCK_INIT;

static void zero_start(void) {
    size_t bytes = (size_t)DBG_ZERO_SLOTS * MPA_MIN_ALLOC;
    size_t meta = mpa_align_up((size_t)DBG_ZERO_SLOTS * sizeof(zero_meta_t), MPA_PAGE_SIZE);
    char *base = mpa_pal_reserve(bytes);
    zero_meta_t *m = mpa_pal_reserve(meta);
    if (base == NULL || m == NULL || mpa_pal_notify_using(m, meta) != 0 ||
        mpa_pal_protect(base, bytes, 0) != 0)
        return; /* malloc(0) then gets a small object */
    zero_meta = m;
    zero_base = base;
}

static bool zero_owns(const void *p) {
    return (uintptr_t)p - (uintptr_t)zero_base < (size_t)DBG_ZERO_SLOTS * MPA_MIN_ALLOC &&
           zero_base != NULL;
}

/* A fresh malloc(0) address; NULL when the arena is full (or missing). A
 * freed address comes back only after every other one was handed out. */
static void *zero_alloc(void) {
    if (zero_base == NULL)
        return NULL;
    mpa_site_t site = mpa_site_here();
    uint32_t thread = mpa_site_thread();
    mpa_lock(&zero_lock);
    for (unsigned k = 0; k < DBG_ZERO_SLOTS; k++) {
        unsigned i = (zero_next + k) % DBG_ZERO_SLOTS;
        if (!zero_live[i]) {
            zero_live[i] = 1;
            zero_meta[i] = (zero_meta_t){site, 0, thread, 0};
            zero_next = i + 1;
            mpa_unlock(&zero_lock);
            return zero_base + (size_t)i * MPA_MIN_ALLOC;
        }
    }
    mpa_unlock(&zero_lock);
    return NULL;
}

static void zero_about(size_t i) {
    zero_meta_t m = zero_meta[i];
    mpa_site_report_t a = {m.alloc_site, m.free_site, m.alloc_thread, m.free_thread, NULL,
                           NULL,         NULL};
    mpa_site_report_about(&a);
}

/* Reports p unless it is a live malloc(0) address; freeing takes it back. */
static void zero_check(const void *p, bool freeing) {
    size_t off = (size_t)((const char *)p - zero_base), i = off / MPA_MIN_ALLOC;
    mpa_site_t site = mpa_site_here();
    uint32_t thread = mpa_site_thread();
    mpa_lock(&zero_lock);
    bool live = off % MPA_MIN_ALLOC == 0 && zero_live[i];
    if (live && freeing) {
        zero_live[i] = 0;
        zero_meta[i].free_site = site;
        zero_meta[i].free_thread = thread;
    }
    mpa_unlock(&zero_lock);
    if (live)
        return;
    zero_about(i);
    if (off % MPA_MIN_ALLOC != 0 || !(zero_meta[i].free_site || zero_meta[i].alloc_site))
        report_dead(p, NULL, false, freeing);
    if (!freeing)
        mpa_report_sized("realloc or usable size of a freed or interior pointer:", p, 0, 0);
    mpa_report_sized("double free of the malloc(0) block at", p, 0, 0);
}

static void zero_free(void *p) { zero_check(p, true); }

static void zero_fork(mpa_fork_stage_t stage) { mpa_lock_fork(&zero_lock, stage); }

/* ---- faults ---- */

static void dbg_fault(const mpa_pal_fault_t *f) {
    char *a = f->address;
    mpa_site_report_t rep = {0, 0, 0, 0, f->pc, f->sp, f->fp};
    if (zero_owns(a)) {
        size_t i = (size_t)(a - zero_base) / MPA_MIN_ALLOC;
        zero_meta_t m = zero_meta[i];
        rep = (mpa_site_report_t){m.alloc_site, m.free_site, m.alloc_thread, m.free_thread,
                                  f->pc,        f->sp,       f->fp};
        mpa_site_report_about(&rep);
        mpa_report_fault(!zero_live[i] && m.free_site
                             ? "use after free of a malloc(0) block: access at"
                         : f->write == 0 ? "read of a malloc(0) block at"
                                         : "write into a malloc(0) block at",
                         a, zero_base + i * MPA_MIN_ALLOC, 0);
    }
    char *base = block_base(a);
    const dbg_desc_t *d = base ? desc_of(base) : NULL;
    if (d == NULL)
        return;
    size_t bytes = mpa_large_usable(mpa_pm_entry(base)), n = hdr_size(&d->h);
    char *end = block_end(base, bytes);
    rep = (mpa_site_report_t){
        d->h.alloc_site, d->h.free_site, d->h.alloc_thread, d->h.free_thread, f->pc, f->sp, f->fp};
    if ((d->h.info & INFO_SHUT) && hdr_is(&d->h, d->user, DBG_FREED) && a >= base + MPA_PAGE_SIZE &&
        a < end + MPA_PAGE_SIZE) {
        mpa_site_report_about(&rep);
        mpa_report_fault(f->write == 0 ? "use after free: read of" : "use after free: write to", a,
                         d->user, n);
    }
    if ((d->h.info & INFO_GUARD) && a >= end && a < end + MPA_PAGE_SIZE) {
        mpa_site_report_about(&rep);
        mpa_report_fault(n == 0 ? "write into a malloc(0) block at"
                                : "heap overflow into the guard page at",
                         a, d->user, n);
    }
}

/* ---- the symbol-lookup child's arena ---- */

static char *arena_at, *arena_end;

/* In the child that looks a report's symbols up: every allocation from now
 * on comes from fresh memory and nothing is freed, so that the heap whose
 * corruption is being reported is never touched again. */
static void arena_start(void) {
    arena_at = mpa_pal_reserve(DBG_ARENA_BYTES);
    if (arena_at != NULL && mpa_pal_notify_using(arena_at, DBG_ARENA_BYTES) != 0)
        arena_at = NULL;
    arena_end = arena_at ? arena_at + DBG_ARENA_BYTES : NULL;
    dbg_arena = 1;
}

static void *arena_alloc(size_t align, size_t size) {
    if (arena_at == NULL)
        return NULL;
    char *p = (char *)mpa_align_up((uintptr_t)arena_at + 16, align < 16 ? 16 : align);
    if (size > (size_t)(arena_end - p)) {
        errno = ENOMEM;
        return NULL;
    }
    ((size_t *)p)[-1] = size;
    arena_at = p + size;
    return p; /* fresh mappings read as zero: calloc needs nothing more */
}

static size_t arena_usable(const void *p) {
    if ((const char *)p > arena_end - DBG_ARENA_BYTES && (const char *)p < arena_end)
        return ((const size_t *)p)[-1];
    return 0; /* the heap's: not read (it may be broken) */
}

static void *arena_realloc(void *p, size_t size) {
    void *q = arena_alloc(MPA_MIN_ALLOC, size);
    size_t n = arena_usable(p);
    if (q != NULL)
        __builtin_memcpy(q, p, n < size ? n : size);
    return q;
}

#else

void *mpa_dbg_alloc(size_t align, size_t size, bool zero) {
    (void)align, (void)zero;
    return mpa_alloc(size);
}
void mpa_dbg_free(void *p, size_t sized) {
    (void)sized;
    mpa_dealloc(p);
}
void *mpa_dbg_realloc(void *p, size_t size) { return mpa_heap_realloc(&mpa_local, p, size); }
size_t mpa_dbg_usable(const void *p) { return mpa_heap_usable_size(p); }

#endif
