/* Security suite in the style of mimalloc-bench's security tests (our own
 * programs, the same kinds of misuse): `security CASE SIZE` commits one
 * misuse of an object of SIZE bytes through the plain malloc API (and the
 * C++ operators where the allocator under test defines them), then prints
 * NOT_CAUGHT on stdout if it got past it. Whatever stops the program first
 * (an allocator's report, a signal) counts as caught, as in that suite;
 * tests/corruption/security.sh tells reports with an mpalloc message apart.
 * Some cases ignore SIZE (zero-size objects, foreign pointers, C++). The
 * first use of stdout allocates its buffer, as in the original programs:
 * an allocator may find a misuse there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <malloc.h>

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wuse-after-free"
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

#define MIB ((size_t)1 << 20)

static size_t n; /* the case's allocation size */
static char static_buf[64];

/* Hides p from the compiler, so that the misuse stays as written. */
static void *opaque(void *p) {
    __asm__ volatile("" : "+r"(p));
    return p;
}

static void not_caught(void) {
    puts("NOT_CAUGHT");
    fflush(stdout);
}

/* Kept from inlining, as the originals' *_noinline helpers. */
__attribute__((noinline)) static char *alloc(size_t size) { return opaque(malloc(size)); }
__attribute__((noinline)) static void release(void *p) { free(opaque(p)); }
__attribute__((noinline)) static void copy(void *dst, const void *src, size_t len) {
    memcpy(opaque(dst), src, len);
}

/* Weak: present only when the allocator under test defines them (the
 * hardened builds); the C++ cases count as not caught otherwise. */
extern void *_Znwm(size_t) __attribute__((weak));
extern void *_Znam(size_t) __attribute__((weak));
extern void _ZdlPv(void *) __attribute__((weak));
extern void _ZdaPv(void *) __attribute__((weak));
extern void _ZdlPvm(void *, size_t) __attribute__((weak));

/* ---- overflows and underflows, written directly ---- */

static void overflow_1(void) {
    char *p = alloc(n);
    p[n] ^= 'A';
    release(p);
    not_caught();
}

static void overflow_32(void) {
    char *p = alloc(n);
    p[n - 1 + 32] ^= 'A';
    release(p);
    not_caught();
}

static void overflow_1m(void) {
    char *p = alloc(n);
    p[n - 1 + MIB] ^= 'A';
    release(p);
    not_caught();
}

static void underflow_1(void) {
    char *p = alloc(n);
    p[-1] ^= 'A';
    release(p);
    not_caught();
}

static void underflow_32(void) {
    char *p = alloc(n);
    p[-32] ^= 'A';
    release(p);
    not_caught();
}

static void underflow_1m(void) {
    char *p = alloc(n);
    ((char *)opaque(p - MIB))[0] ^= 'A';
    release(p);
    not_caught();
}

/* ---- overflows and underflows by memcpy (no free follows) ---- */

static void memcpy_overflow(size_t by) {
    char *src = calloc(1, n + by), *p = alloc(n);
    copy(p, src, n + by);
    not_caught();
}

static void memcpy_underflow(size_t by) {
    char *src = calloc(1, n), *p = alloc(n);
    copy(p - by, src, n);
    not_caught();
}

static void memcpy_overflow_1(void) { memcpy_overflow(1); }
static void memcpy_overflow_32(void) { memcpy_overflow(32); }
static void memcpy_underflow_1(void) { memcpy_underflow(1); }
static void memcpy_underflow_32(void) { memcpy_underflow(32); }

/* ---- double and invalid frees ---- */

static void double_free(void) {
    char *p = alloc(n);
    release(p);
    release(p);
    not_caught();
}

static void double_free_delayed(void) {
    char *p = alloc(n);
    release(p);
    for (int i = 0; i < 1024; i++)
        release(alloc(n));
    release(p);
    not_caught();
}

static void double_free_interleaved(void) {
    char *p = alloc(n), *q = alloc(n);
    release(p);
    release(q);
    release(p);
    not_caught();
}

static void double_free_reuse(void) {
    char *p = alloc(n);
    release(p);
    release(p);
    for (int i = 0; i < 4096; i++)
        release(alloc(n));
    not_caught();
}

static void double_free_single_reuse(void) {
    char *p = alloc(n);
    release(p);
    char *q = alloc(n);
    release(p);
    release(q);
    not_caught();
}

static void invalid_free_close(void) {
    char *p = alloc(n);
    release(p + 4096);
    not_caught();
}

static void invalid_free_far(void) {
    char *p = alloc(n);
    release(p + (size_t)1024 * MIB);
    not_caught();
}

static void invalid_free_unaligned(void) {
    char *p = alloc(n);
    release(p + 1);
    not_caught();
}

static void invalid_free_unaligned_8(void) {
    char *p = alloc(n);
    release(p + 8);
    not_caught();
}

/* ---- reuse and writes after free ---- */

static void malloc_reuse(void) {
    char *p = alloc(n);
    release(p);
    if (alloc(n) == p)
        not_caught();
}

static void malloc_reuse_downsize(void) {
    char *p = alloc(n);
    release(p);
    if (alloc(n / 2) == p)
        not_caught();
}

static void write_after_free(void) {
    char *p = alloc(n);
    release(p);
    memset(opaque(p), 'A', n);
    not_caught();
}

static void write_after_free_reuse(void) {
    char *p = alloc(n);
    release(p);
    memset(opaque(p), 'A', n);
    for (int i = 0; i < 4096; i++)
        release(alloc(n));
    not_caught();
}

static void zero_after_free(void) {
    char *p = alloc(n);
    memset(p, 'A', n);
    release(p);
    for (size_t i = 0; i < n; i++)
        if (((volatile char *)p)[i] != 0) {
            not_caught();
            return;
        }
}

static void zero_on_malloc(void) {
    char *p = alloc(n);
    for (size_t i = 0; i < n; i++)
        if (((volatile char *)p)[i] != 0) {
            not_caught();
            return;
        }
}

/* ---- cases without a size ---- */

static void read_zero_size(void) {
    char *p = alloc(0);
    if (p == NULL)
        return;
    printf("%d\n", ((volatile char *)p)[0]);
    not_caught();
}

static void read_zero_size_free(void) {
    char *p = alloc(0);
    if (p == NULL)
        return;
    release(p);
    printf("%d\n", ((volatile char *)p)[0]);
    not_caught();
}

static void write_zero_size(void) {
    char *p = alloc(0);
    if (p == NULL)
        return;
    ((volatile char *)p)[0] = 'A';
    release(p);
    not_caught();
}

static void write_zero_size_free(void) {
    char *p = alloc(0);
    if (p == NULL)
        return;
    release(p);
    ((volatile char *)p)[0] = 'A';
    not_caught();
}

static void invalid_free_stack(void) {
    char buf[64];
    release(buf);
    not_caught();
}

static void invalid_free_static(void) {
    release(static_buf + 16);
    not_caught();
}

static void invalid_free_mmap(void) {
    char *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    release(p + 4096);
    not_caught();
}

static void invalid_free_alloca(void) {
    char *p = __builtin_alloca(128);
    release(opaque(p));
    not_caught();
}

static void realloc_reuse(void) {
    char *p = alloc(8);
    if (realloc(opaque(p), 1024) == p)
        not_caught();
}

static void realloc_freed(void) {
    char *p = alloc(64);
    release(p);
    opaque(realloc(opaque(p), 128));
    not_caught();
}

static void usable_size_freed(void) {
    char *p = alloc(64);
    release(p);
    printf("%zu\n", malloc_usable_size(opaque(p)));
    not_caught();
}

static void executable_heap(void) {
    static const unsigned char ret[] = {0x90, 0x90, 0x90, 0xc3}; /* nop, nop, nop, ret (x86) */
    char *p = alloc(16);
    memcpy(p, ret, sizeof ret);
    ((void (*)(void))opaque(p))();
    not_caught();
}

static void impossibly_large_malloc(void) {
    if (alloc(SIZE_MAX - 4096) != NULL)
        not_caught();
}

/* new of a char, deleted as a 72-byte struct (sized delete) */
static void delete_type_size_mismatch(void) {
    if (!_Znwm || !_ZdlPvm) {
        not_caught();
        return;
    }
    void *p = _Znwm(1);
    _ZdlPvm(opaque(p), 72);
    not_caught();
}

/* new T[] of a type with a destructor (an 8-byte count before the array),
 * then scalar delete of the array's address */
static void array_new_scalar_delete(void) {
    if (!_Znam || !_ZdlPv) {
        not_caught();
        return;
    }
    char *p = _Znam(8 + 4 * 32);
    *(size_t *)p = 4;
    _ZdlPv(opaque(p + 8));
    not_caught();
}

/* new T, then delete[] (which looks for a count before the object) */
static void scalar_new_array_delete(void) {
    if (!_Znwm || !_ZdaPv) {
        not_caught();
        return;
    }
    char *p = _Znwm(32);
    _ZdaPv(opaque(p - 8));
    not_caught();
}

typedef struct {
    const char *name;
    void (*run)(void);
    int sized; /* runs at each size of run.sh */
} security_case_t;

static const security_case_t cases[] = {
    {"overflow_1", overflow_1, 1},
    {"overflow_32", overflow_32, 1},
    {"overflow_1m", overflow_1m, 1},
    {"underflow_1", underflow_1, 1},
    {"underflow_32", underflow_32, 1},
    {"underflow_1m", underflow_1m, 1},
    {"memcpy_overflow_1", memcpy_overflow_1, 1},
    {"memcpy_overflow_32", memcpy_overflow_32, 1},
    {"memcpy_underflow_1", memcpy_underflow_1, 1},
    {"memcpy_underflow_32", memcpy_underflow_32, 1},
    {"double_free", double_free, 1},
    {"double_free_delayed", double_free_delayed, 1},
    {"double_free_interleaved", double_free_interleaved, 1},
    {"double_free_reuse", double_free_reuse, 1},
    {"double_free_single_reuse", double_free_single_reuse, 1},
    {"invalid_free_close", invalid_free_close, 1},
    {"invalid_free_far", invalid_free_far, 1},
    {"invalid_free_unaligned", invalid_free_unaligned, 1},
    {"invalid_free_unaligned_8", invalid_free_unaligned_8, 1},
    {"malloc_reuse", malloc_reuse, 1},
    {"malloc_reuse_downsize", malloc_reuse_downsize, 1},
    {"write_after_free", write_after_free, 1},
    {"write_after_free_reuse", write_after_free_reuse, 1},
    {"zero_after_free", zero_after_free, 1},
    {"zero_on_malloc", zero_on_malloc, 1},
    {"read_zero_size", read_zero_size, 0},
    {"read_zero_size_free", read_zero_size_free, 0},
    {"write_zero_size", write_zero_size, 0},
    {"write_zero_size_free", write_zero_size_free, 0},
    {"invalid_free_stack", invalid_free_stack, 0},
    {"invalid_free_static", invalid_free_static, 0},
    {"invalid_free_mmap", invalid_free_mmap, 0},
    {"invalid_free_alloca", invalid_free_alloca, 0},
    {"realloc_reuse", realloc_reuse, 0},
    {"realloc_freed", realloc_freed, 0},
    {"usable_size_freed", usable_size_freed, 0},
    {"executable_heap", executable_heap, 0},
    {"impossibly_large_malloc", impossibly_large_malloc, 0},
    {"delete_type_size_mismatch", delete_type_size_mismatch, 0},
    {"array_new_scalar_delete", array_new_scalar_delete, 0},
    {"scalar_new_array_delete", scalar_new_array_delete, 0},
};

int main(int argc, char **argv) {
    size_t count = sizeof cases / sizeof cases[0];
    if (argc < 2) { /* the list: "NAME sized|fixed" */
        for (size_t i = 0; i < count; i++)
            printf("%s %s\n", cases[i].name, cases[i].sized ? "sized" : "fixed");
        return 0;
    }
    n = argc > 2 ? strtoull(argv[2], NULL, 0) : 16;
    for (size_t i = 0; i < count; i++)
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            return 0;
        }
    fprintf(stderr, "security: no case %s\n", argv[1]);
    return 2;
}
