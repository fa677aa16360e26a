/* libFuzzer target for the malloc API: the input is a program of calls
 * (malloc, calloc, realloc, reallocarray, free, free_sized, posix_memalign,
 * aligned_alloc, memalign, malloc_usable_size) with sizes (0, huge and
 * overflowing included) and alignments, run against a shadow model of 64
 * slots (requested size, fill seed, alignment) that checks every answer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_api.h"

enum { SLOTS = 64, HEAD = 4096, TAIL = 64 };

typedef struct {
    unsigned char *p; /* the object, NULL when the slot is empty */
    size_t size;      /* size requested */
    size_t align;     /* alignment requested (1 when none) */
    uint8_t seed;     /* fill pattern */
} fz_slot_t;

typedef struct {
    const uint8_t *data;
    size_t len;
} fz_input_t;

static fz_slot_t slots[SLOTS];

/* Stops the run with a message: libFuzzer records the input that did it. */
#define FZ_CHECK(cond, ...)                           \
    do {                                              \
        if (!(cond)) {                                \
            fprintf(stderr, "api_fuzz: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__);             \
            fputc('\n', stderr);                      \
            abort();                                  \
        }                                             \
    } while (0)

/* Next input byte, 0 when the input is spent. */
static uint8_t fz_byte(fz_input_t *in) {
    if (in->len == 0)
        return 0;
    in->len--;
    return *in->data++;
}

/* A size: mostly small, sometimes medium, large, 0 or beyond any heap. */
static size_t fz_size(fz_input_t *in) {
    uint8_t kind = fz_byte(in);
    size_t v = (size_t)fz_byte(in) << 8 | fz_byte(in);
    switch (kind % 16) {
    case 0:
        return 0;
    case 1:
        return v % 1024 * 1024 + fz_byte(in); /* up to 1 MiB */
    case 2:
        return (v % 4096 + 1) << 10; /* up to 4 MiB */
    case 3:
        return SIZE_MAX - v; /* impossible */
    case 4:
        return ((size_t)1 << 63) + v; /* impossible */
    case 5:
    case 6:
        return v; /* up to 64 KiB */
    default:
        return v % 1024; /* small */
    }
}

/* An alignment: usually a power of two up to 1 MiB, sometimes not one. */
static size_t fz_align(fz_input_t *in) {
    uint8_t b = fz_byte(in);
    if (b % 8 == 7)
        return (size_t)fz_byte(in) * 3; /* 0 or not a power of two, mostly */
    return (size_t)1 << (b % 21);
}

static uint8_t fz_pattern(uint8_t seed, size_t i) {
    return (uint8_t)(seed ^ (i * 0x9d) ^ (i >> 9));
}

/* Fills the head and the tail of slot s with its pattern. */
static void fz_fill(fz_slot_t *s) {
    size_t n = s->size;
    for (size_t i = 0; i < n && i < HEAD; i++)
        s->p[i] = fz_pattern(s->seed, i);
    for (size_t i = n > TAIL ? n - TAIL : 0; i < n; i++)
        s->p[i] = fz_pattern(s->seed, i);
}

/* Checks the first n bytes of slot s (only the bytes fz_fill wrote). */
static void fz_verify(const fz_slot_t *s, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n && i < HEAD; i++)
        FZ_CHECK(p[i] == fz_pattern(s->seed, i), "byte %zu of %zu changed", i, s->size);
    for (size_t i = s->size > TAIL ? s->size - TAIL : 0; i < n && i < s->size; i++)
        FZ_CHECK(p[i] == fz_pattern(s->seed, i), "tail byte %zu of %zu changed", i, s->size);
}

/* The alignment malloc owes an object of n bytes: 16, or less for tiny ones. */
static size_t fz_natural_align(size_t n) {
    size_t a = 16;
    while (a > 1 && a > n)
        a >>= 1;
    return a;
}

/* Checks a fresh object, fills it and stores it in slot s. */
static void fz_adopt(fz_slot_t *s, void *p, size_t size, size_t align, uint8_t seed) {
    size_t want = align > fz_natural_align(size) ? align : fz_natural_align(size);
    FZ_CHECK((uintptr_t)p % want == 0, "%p not aligned to %zu", p, want);
    FZ_CHECK(malloc_usable_size(p) >= size, "usable %zu < %zu", malloc_usable_size(p), size);
    *s = (fz_slot_t){p, size, align, seed};
    fz_fill(s);
}

static void fz_release(fz_slot_t *s, int sized) {
    if (s->p == NULL)
        return;
    fz_verify(s, s->p, s->size);
    if (sized && s->align == 1 && MPA_TEST_HAVE_FREE_SIZED)
        free_sized(s->p, s->size);
    else
        free(s->p);
    *s = (fz_slot_t){NULL, 0, 1, 0};
}

/* A request that cannot be met must give NULL and ENOMEM. */
static void fz_expect_enomem(void *p, size_t size) {
    FZ_CHECK(p == NULL, "%zu bytes granted", size);
    FZ_CHECK(errno == ENOMEM, "errno %d after a refused %zu bytes", errno, size);
}

static int fz_impossible(size_t size) { return size > (SIZE_MAX >> 1); }

static void op_malloc(fz_slot_t *s, size_t size, uint8_t seed) {
    fz_release(s, 0);
    errno = 0;
    void *p = malloc(size);
    if (fz_impossible(size)) {
        fz_expect_enomem(p, size);
        return;
    }
    FZ_CHECK(p != NULL, "malloc(%zu) failed", size);
    fz_adopt(s, p, size, 1, seed);
}

/* calloc: zeroed memory, or NULL and ENOMEM when n * m overflows or is
 * impossible; products in between (too big to test cheaply) are skipped. */
static void op_calloc(fz_slot_t *s, size_t n, size_t m, uint8_t seed) {
    size_t bytes;
    int refused = __builtin_mul_overflow(n, m, &bytes) || fz_impossible(bytes);
    if (!refused && bytes > ((size_t)64 << 20))
        return;
    fz_release(s, 0);
    errno = 0;
    unsigned char *p = calloc(n, m);
    if (refused) {
        fz_expect_enomem(p, bytes);
        return;
    }
    FZ_CHECK(p != NULL, "calloc(%zu, %zu) failed", n, m);
    for (size_t i = 0; i < bytes; i += (i < HEAD || i + HEAD > bytes) ? 1 : 997)
        FZ_CHECK(p[i] == 0, "calloc byte %zu of %zu is %d", i, bytes, p[i]);
    fz_adopt(s, p, bytes, 1, seed);
}

/* realloc (or reallocarray when n != 0): contents kept up to the smaller size. */
static void op_realloc(fz_slot_t *s, size_t n, size_t size, uint8_t seed) {
    size_t bytes = size;
    int over = n != 0 && __builtin_mul_overflow(n, size, &bytes);
    errno = 0;
    unsigned char *p = n != 0 ? reallocarray(s->p, n, size) : realloc(s->p, size);
    if (over || fz_impossible(bytes)) {
        fz_expect_enomem(p, bytes);
        if (s->p != NULL)
            fz_verify(s, s->p, s->size); /* the old object is untouched */
        return;
    }
    if (p == NULL && bytes == 0) { /* glibc's realloc(p, 0) frees p */
        *s = (fz_slot_t){NULL, 0, 1, 0};
        return;
    }
    FZ_CHECK(p != NULL, "realloc to %zu failed", bytes);
    fz_verify(s, p, s->size < bytes ? s->size : bytes);
    fz_adopt(s, p, bytes, 1, seed);
}

/* posix_memalign: EINVAL for a bad alignment, ENOMEM (errno kept) when too big. */
static void op_posix_memalign(fz_slot_t *s, size_t align, size_t size, uint8_t seed) {
    void *p = NULL;
    fz_release(s, 0);
    int rc = posix_memalign(&p, align, size);
    if (align == 0 || (align & (align - 1)) != 0 || align < sizeof(void *)) {
        FZ_CHECK(rc == EINVAL && p == NULL, "posix_memalign(%zu) gave %d", align, rc);
    } else if (fz_impossible(size)) {
        FZ_CHECK(rc == ENOMEM && p == NULL, "posix_memalign huge gave %d", rc);
    } else {
        FZ_CHECK(rc == 0 && p != NULL, "posix_memalign(%zu, %zu) gave %d", align, size, rc);
        fz_adopt(s, p, size, align, seed);
    }
}

/* aligned_alloc (refuses an alignment that is not a power of two) or
 * memalign (rounds it up to one). */
static void op_aligned(fz_slot_t *s, int memalign_, size_t align, size_t size, uint8_t seed) {
    int pow2 = align != 0 && (align & (align - 1)) == 0;
    fz_release(s, 0);
    errno = 0;
    void *p = memalign_ ? memalign(align, size) : aligned_alloc(align, size);
    if (!memalign_ && !pow2) {
        FZ_CHECK(p == NULL, "aligned_alloc(%zu) accepted", align);
    } else if (fz_impossible(size)) {
        fz_expect_enomem(p, size);
    } else {
        FZ_CHECK(p != NULL, "%s(%zu, %zu) failed", memalign_ ? "memalign" : "aligned_alloc", align,
                 size);
        if (!pow2)
            align = align <= 1 ? 1 : (size_t)1 << (64 - __builtin_clzll(align - 1));
        fz_adopt(s, p, size, align, seed);
    }
}

/* Runs one call chosen by the next input bytes. */
static void fz_step(fz_input_t *in) {
    uint8_t op = fz_byte(in);
    fz_slot_t *s = &slots[fz_byte(in) % SLOTS];
    uint8_t seed = fz_byte(in);
    switch (op % 12) {
    case 0:
    case 1:
        op_malloc(s, fz_size(in), seed);
        break;
    case 2:
        op_calloc(s, fz_byte(in) % 64, fz_size(in), seed);
        break;
    case 3:
        op_calloc(s, fz_size(in), fz_size(in), seed);
        break;
    case 4:
        op_realloc(s, 0, fz_size(in), seed);
        break;
    case 5:
        op_realloc(s, 1 + fz_byte(in) % 16, fz_size(in), seed);
        break;
    case 6:
        fz_release(s, 0);
        break;
    case 7:
        fz_release(s, 1);
        break;
    case 8:
        op_posix_memalign(s, fz_align(in), fz_size(in), seed);
        break;
    case 9:
    case 10:
        op_aligned(s, op % 2, fz_align(in), fz_size(in), seed);
        break;
    default:
        if (s->p != NULL)
            FZ_CHECK(malloc_usable_size(s->p) >= s->size, "usable size shrank");
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_input_t in = {data, size};
    while (in.len > 0)
        fz_step(&in);
    for (size_t i = 0; i < SLOTS; i++)
        fz_release(&slots[i], i % 2);
    return 0;
}
