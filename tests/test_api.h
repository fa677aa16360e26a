/* The malloc API as the api/ and stress/ tests see it, in every build mode.
 * Linked tests call malloc & co. (libmpalloc.a overrides them); -plain tests
 * (MPA_TEST_PRELOAD) call them too and get mpalloc through LD_PRELOAD, or
 * glibc without it; sanitizer builds (MPA_TEST_PREFIXED) map every name to
 * its mpa_ copy. Include it after the system headers; it brings Criterion
 * (or, under TSan, which Criterion cannot run with, a stand-in). */
#ifndef MPA_TEST_API_H
#define MPA_TEST_API_H

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpalloc.h>

#ifdef __SANITIZE_THREAD__
#include "test_criterion_tsan.h"
#else
#include <criterion/criterion.h>
#endif

/* A sanitizer build also compiles the -plain binaries (both macros set):
 * they are never run there, and must link without the library. */
#if defined(MPA_TEST_PRELOAD) && defined(MPA_TEST_PREFIXED)
#undef MPA_TEST_PREFIXED
#endif

#ifdef MPA_TEST_PREFIXED
#define malloc             mpa_malloc
#define free               mpa_free
#define calloc             mpa_calloc
#define realloc            mpa_realloc
#define reallocarray       mpa_reallocarray
#define posix_memalign     mpa_posix_memalign
#define aligned_alloc      mpa_aligned_alloc
#define memalign           mpa_memalign
#define valloc             mpa_valloc
#define pvalloc            mpa_pvalloc
#define malloc_usable_size mpa_malloc_usable_size
#define free_sized         mpa_free_sized
#define free_aligned_sized mpa_free_aligned_sized
#define mallinfo2()        mpa_mallinfo2() /* function-like: struct mallinfo2 keeps its name */
#define mallinfo()         mpa_mallinfo()
#define malloc_info        mpa_malloc_info
#define malloc_stats       mpa_malloc_stats
/* The mpa_ copies always exist: no run-time probe is needed. */
#define MPA_TEST_HAVE_FREE_SIZED 1
#else
/* C23 functions that glibc 2.36 lacks: weak, so a missing symbol reads NULL. */
void free_sized(void *p, size_t size) __attribute__((weak));
void free_aligned_sized(void *p, size_t alignment, size_t size) __attribute__((weak));
#define MPA_TEST_HAVE_FREE_SIZED (free_sized != NULL && free_aligned_sized != NULL)
#endif

typedef const char *(*mpa_test_stats_fn)(void);

/* Returns mpa_stats_json when mpalloc is the allocator under test, else NULL.
 * -plain binaries look it up at run time (present only under LD_PRELOAD). */
static inline mpa_test_stats_fn mpa_test_stats(void) {
#ifdef MPA_TEST_PRELOAD
    union {
        void *obj;
        mpa_test_stats_fn fn;
    } u;
    u.obj = dlsym(RTLD_DEFAULT, "mpa_stats_json");
    return u.fn;
#else
    return mpa_stats_json;
#endif
}

/* True when the allocator under test is mpalloc (not glibc). */
/* /proc/self/statm's first two fields in bytes: *vm the address space
 * mapped, *rss the resident set. Returns 0, or -1 when it cannot be read. */
static inline int mpa_test_statm(size_t *vm, size_t *rss) {
    char buf[128];
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    unsigned long size = 0, res = 0;
    if (sscanf(buf, "%lu %lu", &size, &res) != 2)
        return -1;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    *vm = (size_t)size * page;
    *rss = (size_t)res * page;
    return 0;
}

static inline int mpa_test_is_mpalloc(void) { return mpa_test_stats() != NULL; }

/* Returns p unchanged, hidden from the compiler: a test that passes a block to
 * a realloc that must fail, then keeps using it, would otherwise be flagged
 * (-Wuse-after-free), and malloc/free pairs would not be elided. */
static inline void *mpa_test_opaque(void *p) {
    __asm__ volatile("" : "+r"(p));
    return p;
}

/* Word k of the pattern for object `seed`: differs between neighbours. */
static inline uint64_t mpa_test_word(uint64_t seed, size_t k) {
    uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull ^ (k * 0xbf58476d1ce4e5b9ull);
    return x ^ (x >> 29) ^ (uint64_t)k;
}

/* Fills n bytes at p with the pattern of `seed` (byte i is byte i % 8 of
 * word i / 8, little-endian order, whatever p's alignment). */
static inline void mpa_test_fill(void *p, size_t n, uint64_t seed) {
    unsigned char *b = p;
    size_t k = 0;
    for (; (k + 1) * 8 <= n; k++) {
        uint64_t w = mpa_test_word(seed, k);
        memcpy(b + k * 8, &w, 8);
    }
    for (size_t i = k * 8; i < n; i++)
        b[i] = (unsigned char)(mpa_test_word(seed, k) >> (8 * (i % 8)));
}

/* Returns the first offset where p differs from the pattern, or n if none. */
static inline size_t mpa_test_check(const void *p, size_t n, uint64_t seed) {
    const unsigned char *b = p;
    size_t k = 0;
    for (; (k + 1) * 8 <= n; k++) {
        uint64_t w;
        memcpy(&w, b + k * 8, 8);
        if (w != mpa_test_word(seed, k))
            break;
    }
    for (size_t i = k * 8; i < n; i++)
        if (b[i] != (unsigned char)(mpa_test_word(seed, i / 8) >> (8 * (i % 8))))
            return i;
    return n;
}

/* Deterministic xorshift64* generator for the tests' fixed seeds. */
static inline uint64_t mpa_test_rand(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

#endif /* MPA_TEST_API_H */
