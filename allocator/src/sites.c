/* Call sites of the debug build (MPA_CHECKED == 2): where each object was
 * allocated and freed. The API entry points keep their return address and
 * frame (MPA_CALL, common.h); mpa_site_here walks on from there along the
 * frame-pointer chain, as far as the chain stays inside the thread's stack
 * (programs built without frame pointers give the caller alone), and
 * interns the stack in a lock-free hash table, so an object keeps a 32-bit
 * id per site. Nothing is symbolised until a report prints: its hook
 * (report.c) gives the stacks to the PAL, which looks the symbols up in a
 * child process with a private memory arena (child_init). */
#include "debug.h"

#if MPA_DEBUG_HEAP

#define SITE_FRAMES     4            /* return addresses kept per site */
#define SITE_TABLE_BITS 16           /* sites the table holds = 2^bits */
#define SITE_PROBES     32           /* slots tried before a site is dropped */
#define SITE_STACK_MAX  (64u << 20)  /* frames are walked only this far below the top */
#define SITE_FRAME_MAX  (256u << 10) /* nor across a frame larger than this */

/* A slot of the table; hash 0 is empty, 1 being written. */
typedef struct {
    _Atomic uint32_t hash;
    uint32_t n;
    void *pc[SITE_FRAMES];
} site_rec_t;

static site_rec_t *site_table;
static _Atomic uint32_t site_threads;
static void (*site_child_init)(void);

/* A thread's recent one-frame sites. */
typedef struct {
    void *pc;
    mpa_site_t id;
} site_cached_t;

#define SITE_CACHE 64

typedef struct {
    site_cached_t cache[SITE_CACHE];
    uint32_t no;    /* thread number, 0 until the first call */
    uintptr_t top;  /* mpa_pal_stack_top, 0 when unknown */
    bool about_set; /* `about` holds the next report's object */
    mpa_site_report_t about;
} site_thread_t;

static __thread site_thread_t site_tls __attribute__((tls_model("initial-exec")));

static site_thread_t *this_thread(void) {
    site_thread_t *t = &site_tls;
    if (MPA_UNLIKELY(t->no == 0)) {
        t->no = atomic_fetch_add_explicit(&site_threads, 1, memory_order_relaxed) + 1;
        t->top = (uintptr_t)mpa_pal_stack_top();
    }
    return t;
}

uint32_t mpa_site_thread(void) { return this_thread()->no; }

/* Return addresses from the frame at fp (its saved frame pointer in word 0,
 * its return address in word 1), innermost first, after `first`: the
 * return address of the call whose caller's frame is fp (MPA_CALL), which
 * must then lie above this walk's own frame; NULL: fp is a frame of this
 * stack (a fault's). Each frame must lie above the last one and below the
 * stack's top, so a broken chain (code without frame pointers, whose frame
 * pointer register holds anything) ends the walk without reading outside
 * the stack. */
static bool next_frame(uintptr_t top, uintptr_t fp, uintptr_t next) {
    return next > fp && next + 16 <= top && (next & 7) == 0 && next - fp <= SITE_FRAME_MAX;
}

static unsigned walk(uintptr_t top, uintptr_t fp, void *first, void **pc, unsigned max) {
    unsigned n = 0;
    if (first != NULL)
        pc[n++] = first;
    if (top == 0 || fp >= top || top - fp > SITE_STACK_MAX || (fp & 7) != 0)
        return n;
    if (first != NULL && !next_frame(top, (uintptr_t)__builtin_frame_address(0), fp))
        return n;
    while (n < max) {
        void *ra = ((void *const *)fp)[1];
        if ((uintptr_t)ra < 4096)
            break;
        pc[n++] = ra;
        uintptr_t next = ((const uintptr_t *)fp)[0];
        if (!next_frame(top, fp, next))
            break;
        fp = next;
    }
    return n;
}

static uint64_t site_hash(void *const *pc, unsigned n) {
    uint64_t h = n;
    for (unsigned i = 0; i < n; i++) {
        h ^= (uintptr_t)pc[i];
        h *= UINT64_C(0x9E3779B97F4A7C15);
        h ^= h >> 29;
    }
    return h;
}

static bool same(const site_rec_t *r, void *const *pc, unsigned n) {
    if (r->n != n)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (r->pc[i] != pc[i])
            return false;
    return true;
}

/* The id of the stack pc[0..n), added to the table when new; 0 when the
 * table has no room near its hash. */
static mpa_site_t intern(void *const *pc, unsigned n) {
    uint64_t h = site_hash(pc, n);
    uint32_t tag = (uint32_t)(h >> 32) | 2; /* never 0 (empty) or 1 (busy) */
    size_t mask = ((size_t)1 << SITE_TABLE_BITS) - 1;
    for (size_t probe = 0; probe < SITE_PROBES; probe++) {
        size_t i = (h + probe) & mask;
        site_rec_t *r = &site_table[i];
        uint32_t v = atomic_load_explicit(&r->hash, memory_order_acquire);
        if (v == 0) {
            if (!atomic_compare_exchange_strong_explicit(&r->hash, &v, 1, memory_order_acquire,
                                                         memory_order_relaxed))
                continue; /* another thread took it: look further */
            r->n = n;
            for (unsigned k = 0; k < n; k++)
                r->pc[k] = pc[k];
            atomic_store_explicit(&r->hash, tag, memory_order_release);
            return (mpa_site_t)(i + 1);
        }
        if (v == tag && same(r, pc, n))
            return (mpa_site_t)(i + 1);
    }
    return 0;
}

mpa_site_t mpa_site_here(void) {
    void *pc[SITE_FRAMES];
    if (mpa_report_ra == NULL || site_table == NULL)
        return 0;
    site_thread_t *t = this_thread();
    unsigned n = walk(t->top, (uintptr_t)mpa_report_fp, mpa_report_ra, pc, SITE_FRAMES);
    if (n != 1)
        return intern(pc, n);
    /* The caller alone (code without frame pointers): a small cache. */
    site_cached_t *c = &t->cache[((uintptr_t)pc[0] >> 2) % SITE_CACHE];
    if (c->pc != pc[0] || c->id == 0)
        *c = (site_cached_t){pc[0], intern(pc, 1)};
    return c->id;
}

void mpa_site_report_about(const mpa_site_report_t *about) {
    site_thread_t *t = this_thread();
    t->about = *about;
    t->about_set = true;
}

/* ---- the report hook ---- */

static size_t put(char *out, size_t at, size_t cap, const char *s) {
    while (*s && at + 1 < cap)
        out[at++] = *s++;
    out[at] = '\0';
    return at;
}

static size_t put_uint(char *out, size_t at, size_t cap, uint64_t v) {
    char d[24];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && at + 1 < cap)
        out[at++] = d[--n];
    out[at] = '\0';
    return at;
}

/* "allocated by thread 2:" into title. */
static void title_of(char *title, size_t cap, const char *what, uint32_t thread) {
    size_t at = put(title, 0, cap, what);
    if (thread != 0) {
        at = put(title, at, cap, " by thread ");
        at = put_uint(title, at, cap, thread);
    }
    put(title, at, cap, ":");
}

/* Fills s with the stored stack id; false when there is none. */
static bool stored(mpa_pal_site_t *s, mpa_site_t id) {
    if (id == 0 || site_table == NULL)
        return false;
    const site_rec_t *r = &site_table[id - 1];
    s->n = r->n;
    s->exact = 0;
    for (unsigned i = 0; i < r->n; i++)
        s->pc[i] = r->pc[i];
    return r->n > 0;
}

/* After a report's first line: where the misuse happened (the API call in
 * progress, or the faulting instruction), then where the object was freed
 * and where it was allocated. */
static void report_sites(void) {
    static char titles[3][64];
    mpa_pal_site_t s[3];
    size_t n = 0;
    site_thread_t *t = this_thread();
    const mpa_site_report_t *a = t->about_set ? &t->about : NULL;
    if (a != NULL && a->fault_pc != NULL) {
        title_of(titles[n], sizeof titles[n], "the faulting access", t->no);
        s[n].pc[0] = a->fault_pc;
        s[n].n = 1;
        /* A leaf function (memcpy, memset) has its return address on top
         * of the stack: a candidate the lookup keeps only if a call
         * precedes it. Then the frame-pointer chain. */
        uintptr_t sp = (uintptr_t)a->fault_sp;
        if (t->top != 0 && sp < t->top && t->top - sp <= SITE_STACK_MAX && (sp & 7) == 0)
            s[n].pc[s[n].n++] = *(void *const *)sp;
        s[n].n += walk(t->top, (uintptr_t)a->fault_fp, NULL, s[n].pc + s[n].n,
                       MPA_PAL_SITE_FRAMES - s[n].n);
        s[n].exact = 1;
        s[n].title = titles[n];
        n++;
    } else if (mpa_report_ra != NULL) {
        char what[48];
        put(what, put(what, 0, sizeof what, mpa_report_call ? mpa_report_call : "this call"),
            sizeof what, mpa_report_call ? "() called" : "");
        title_of(titles[n], sizeof titles[n], what, t->no);
        s[n].n = walk(t->top, (uintptr_t)mpa_report_fp, mpa_report_ra, s[n].pc, SITE_FRAMES);
        s[n].exact = 0;
        s[n].title = titles[n];
        n++;
    }
    if (a != NULL && stored(&s[n], a->freed)) {
        title_of(titles[n], sizeof titles[n], "freed", a->free_thread);
        s[n].title = titles[n];
        n++;
    }
    if (a != NULL && stored(&s[n], a->alloc)) {
        title_of(titles[n], sizeof titles[n], "allocated", a->alloc_thread);
        s[n].title = titles[n];
        n++;
    }
    mpa_pal_print_sites(s, n, site_child_init);
}

void mpa_site_init(void (*child_init)(void)) {
    size_t bytes = sizeof(site_rec_t) << SITE_TABLE_BITS;
    bytes = mpa_align_up(bytes, MPA_PAGE_SIZE);
    site_rec_t *table = mpa_pal_reserve(bytes);
    if (table != NULL && mpa_pal_notify_using(table, bytes) == 0)
        site_table = table;
    site_child_init = child_init;
    mpa_report_hook = report_sites;
}

#endif
