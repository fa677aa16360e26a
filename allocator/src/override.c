/* The malloc API: the mpa_ functions, and (unless MPA_NO_OVERRIDE) the
 * standard names as aliases of them, which is all the shared library
 * exports. Argument checks live here; the work is done by the core. */
#include <errno.h>

#include "core.h"
#include "debug.h"
#include "mpalloc.h"

static void *enomem(void) {
    errno = ENOMEM;
    return NULL;
}

void mpa_free_sized_as(void *p, size_t size) {
    if (MPA_DEBUG_HEAP) {
        mpa_dbg_free(p, size);
        return;
    }
    mpa_dealloc_sized(p, size); /* (checked: the size is compared in its fast path) */
}

/* The entry points' work; each entry point names itself with MPA_CALL
 * first (the debug build takes the caller's address there), then calls
 * these, never another entry point. */
static void *malloc_body(size_t size) {
    if (MPA_DEBUG_HEAP)
        return mpa_dbg_alloc(MPA_MIN_ALLOC, size, false);
    return mpa_alloc(size); /* the slow path refuses absurd sizes */
}

MPA_EXPORT void *mpa_malloc(size_t size) {
    MPA_CALL("malloc");
    return malloc_body(size);
}

/* NULL needs no test here: the pagemap always covers address 0 and its entry
 * is never a core's, so NULL falls through to the slow path, which ignores it. */
MPA_EXPORT void mpa_free(void *p) {
    MPA_CALL("free");
    if (MPA_DEBUG_HEAP)
        mpa_dbg_free(p, MPA_SIZE_UNKNOWN);
    else
        mpa_dealloc(p);
}

MPA_EXPORT size_t mpa_malloc_usable_size(const void *p) {
    MPA_CALL("malloc_usable_size");
    if (MPA_DEBUG_HEAP)
        return p == NULL ? 0 : mpa_dbg_usable(p);
    return p == NULL ? 0 : mpa_heap_usable_size(p);
}

MPA_EXPORT void *mpa_calloc(size_t n, size_t size) {
    MPA_CALL("calloc");
    if (MPA_DEBUG_HEAP) {
        size_t bytes;
        if (__builtin_mul_overflow(n, size, &bytes))
            return enomem();
        return mpa_dbg_alloc(MPA_MIN_ALLOC, bytes, true);
    }
    return mpa_heap_calloc(&mpa_local, n, size);
}

static void *realloc_body(void *p, size_t size) {
    if (p == NULL)
        return malloc_body(size);
    if (MPA_UNLIKELY(size > MPA_MAX_REQUEST))
        return enomem();
    if (MPA_DEBUG_HEAP)
        return mpa_dbg_realloc(p, size);
    return mpa_heap_realloc(&mpa_local, p, size);
}

MPA_EXPORT void *mpa_realloc(void *p, size_t size) {
    MPA_CALL("realloc");
    return realloc_body(p, size);
}

MPA_EXPORT void *mpa_reallocarray(void *p, size_t n, size_t size) {
    MPA_CALL("reallocarray");
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes))
        return enomem();
    return realloc_body(p, bytes);
}

/* pre: align is a power of two. Alignments malloc gives anyway (up to
 * MPA_MIN_ALLOC, as posix_memalign(16) and aligned new ask) take malloc's
 * inlined fast path (wl-remote-random's memalign(8 or 16): 26 -> 13
 * instructions per call); its slow path refuses absurd sizes. */
static void *alloc_aligned(size_t align, size_t size) {
    MPA_CALL("memalign");
    MPA_ASSERT(1, align != 0 && (align & (align - 1)) == 0);
    if (MPA_LIKELY(align <= MPA_MIN_ALLOC) && !MPA_DEBUG_HEAP)
        return mpa_alloc(size);
    if (MPA_UNLIKELY(size > MPA_MAX_REQUEST || align > MPA_MAX_REQUEST))
        return enomem();
    if (MPA_DEBUG_HEAP)
        return mpa_dbg_alloc(align < MPA_MIN_ALLOC ? MPA_MIN_ALLOC : align, size, false);
    return mpa_heap_aligned(&mpa_local, align, size);
}

static bool power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

MPA_EXPORT int mpa_posix_memalign(void **out, size_t align, size_t size) {
    MPA_CALL("posix_memalign");
    if (!power_of_two(align) || align < sizeof(void *))
        return EINVAL;
    int saved = errno;
    void *p = alloc_aligned(align, size);
    if (p == NULL) {
        errno = saved;
        return ENOMEM;
    }
    *out = p;
    return 0;
}

MPA_EXPORT void *mpa_aligned_alloc(size_t align, size_t size) {
    MPA_CALL("aligned_alloc");
    if (!power_of_two(align)) {
        errno = EINVAL;
        return NULL;
    }
    return alloc_aligned(align, size);
}

MPA_EXPORT void *mpa_memalign(size_t align, size_t size) {
    MPA_CALL("memalign");
    if (align == 0)
        align = 1;
    if (!power_of_two(align)) { /* glibc rounds up; so do we */
        if (align > MPA_MAX_REQUEST) {
            errno = EINVAL;
            return NULL;
        }
        align = (size_t)1 << mpa_ceil_log2(align);
    }
    return alloc_aligned(align, size);
}

MPA_EXPORT void *mpa_valloc(size_t size) {
    MPA_CALL("valloc");
    return alloc_aligned(mpa_pal_page_size(), size);
}

MPA_EXPORT void *mpa_pvalloc(size_t size) {
    MPA_CALL("pvalloc");
    size_t page = mpa_pal_page_size();
    if (size > MPA_MAX_REQUEST)
        return enomem();
    return alloc_aligned(page, mpa_align_up(size ? size : 1, page));
}

/* Hardened builds report a size that is not the requested one. */
MPA_EXPORT void mpa_free_sized(void *p, size_t size) {
    MPA_CALL("free_sized");
    mpa_free_sized_as(p, size);
}

MPA_EXPORT void mpa_free_aligned_sized(void *p, size_t align, size_t size) {
    (void)align;
    MPA_CALL("free_aligned_sized");
    mpa_free_sized_as(p, size);
}

/* glibc's malloc_trim: every cached byte goes back to the OS at once
 * (pad is ignored). Returns 1 when memory was given back, else 0. */
MPA_EXPORT int mpa_malloc_trim(size_t pad) {
    (void)pad;
    MPA_CALL("malloc_trim");
    bool held = MPA_CHECKED && mpa_quarantine_flush(); /* the hardened builds' quarantines too */
    return mpa_reclaim_all() || held ? 1 : 0;
}

/* The lifecycle driver: the idle purger is a thread, and starting a thread
 * takes locks the C library and the loader hold when they call malloc and
 * free, so it starts here, above the core, never on a malloc/free path:
 * when the program creates its first thread (the PAL's hook runs in the
 * program's pthread_create, before the C library's), or from the
 * constructor when the process is multi-threaded already or thread
 * creation cannot be seen (a static program). A single-threaded process
 * never gets one. Builds without the overrides (the sanitizer owns malloc
 * and pthread_create; kernel-sim) launch none: their tests call
 * mpa_purger_launch themselves. */
#ifndef MPA_NO_OVERRIDE
/* The purger runs reclaim.c's round; it needs a started heap. */
static void purger_launch(void) {
    if (mpa_core_init())
        mpa_purger_launch(mpa_reclaim_round);
}

static void on_thread_create(void) { purger_launch(); }
#endif

static void lifecycle_start(void) {
    mpa_hooks_init(); /* fork handlers: pthread_atfork, never on a malloc/free path */
#ifndef MPA_NO_OVERRIDE
    if (mpa_pal_on_thread_create(on_thread_create) != 0 || mpa_pal_multi_threaded())
        purger_launch();
#endif
}

#ifdef MPA_NO_OVERRIDE
__attribute__((constructor(101))) static void lifecycle_ctor(void) { lifecycle_start(); }
#else
/* Starts the heap before main, so that the pagemap exists even for a free()
 * that comes before any allocation (it reads the pagemap on its fast path).
 * Allocations made earlier still start the heap lazily. */
__attribute__((constructor(101))) static void heap_ctor(void) {
    mpa_core_init();
    lifecycle_start();
}

#define MPA_ALIAS(name) __attribute__((alias(#name), visibility("default")))
void *malloc(size_t) MPA_ALIAS(mpa_malloc);
void free(void *) MPA_ALIAS(mpa_free);
void *calloc(size_t, size_t) MPA_ALIAS(mpa_calloc);
void *realloc(void *, size_t) MPA_ALIAS(mpa_realloc);
void *reallocarray(void *, size_t, size_t) MPA_ALIAS(mpa_reallocarray);
int posix_memalign(void **, size_t, size_t) MPA_ALIAS(mpa_posix_memalign);
void *aligned_alloc(size_t, size_t) MPA_ALIAS(mpa_aligned_alloc);
void *memalign(size_t, size_t) MPA_ALIAS(mpa_memalign);
void *valloc(size_t) MPA_ALIAS(mpa_valloc);
void *pvalloc(size_t) MPA_ALIAS(mpa_pvalloc);
size_t malloc_usable_size(void *) MPA_ALIAS(mpa_malloc_usable_size);
void free_sized(void *, size_t) MPA_ALIAS(mpa_free_sized);
void free_aligned_sized(void *, size_t, size_t) MPA_ALIAS(mpa_free_aligned_sized);
int malloc_trim(size_t) MPA_ALIAS(mpa_malloc_trim);
#endif
