/* calloc returns zeroed memory in every case a program can reach: fresh
 * memory, memory reused after dirtied objects of the same size were freed,
 * and large blocks; a count*size overflow fails with NULL and ENOMEM, as
 * does reallocarray's. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

/* Returns the offset of the first non-zero byte in p[0..n), or n. */
static size_t first_nonzero(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return i;
    return n;
}

static void check_zero(size_t count, size_t size) {
    unsigned char *p = calloc(count, size);
    cr_assert_not_null(p, "calloc(%zu, %zu) returned NULL", count, size);
    size_t n = count * size, bad = first_nonzero(p, n);
    cr_assert_eq(bad, n, "calloc(%zu, %zu): byte %zu is not zero", count, size, bad);
    free(p);
}

Test(calloc, fresh_is_zero) {
    for (size_t size = 1; size <= 5000; size += 7)
        check_zero(1, size);
    check_zero(0, 16);
    check_zero(16, 0);
}

/* Dirties `count` objects of `size` bytes, frees them, then callocs the
 * same size again (likely the same memory) and checks it is zero. */
static void dirty_then_calloc(size_t size, size_t count) {
    void **p = calloc(count, sizeof *p);
    cr_assert_not_null(p);
    for (size_t i = 0; i < count; i++) {
        p[i] = malloc(size);
        cr_assert_not_null(p[i]);
        memset(p[i], 0xa5, malloc_usable_size(p[i]));
    }
    for (size_t i = 0; i < count; i++)
        free(p[i]);
    for (size_t i = 0; i < count; i++) {
        p[i] = calloc(1, size);
        cr_assert_not_null(p[i]);
        size_t bad = first_nonzero(p[i], size);
        cr_assert_eq(bad, size, "calloc(1, %zu) after free of dirty objects: byte %zu = 0x%x", size,
                     bad, ((unsigned char *)p[i])[bad]);
    }
    for (size_t i = 0; i < count; i++)
        free(p[i]);
    free(p);
}

Test(calloc, reused_memory_is_zero) {
    static const size_t sizes[] = {1,    8,    16,    24,    48,    100,   256,    1000,
                                   4096, 5000, 16384, 40000, 65536, 70000, 200000, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        dirty_then_calloc(sizes[i], sizes[i] > 65536 ? 4 : 64);
}

Test(calloc, large_is_zero) {
    check_zero(1, 8u << 20);
    check_zero(1024, 64u << 10);
    /* Reuse of a dirtied large block. */
    dirty_then_calloc(32u << 20, 2);
}

Test(calloc, overflow_fails_with_enomem) {
    volatile size_t half = SIZE_MAX / 2 + 2, big = SIZE_MAX;
    errno = 0;
    cr_assert_null(calloc(half, 2), "calloc(SIZE_MAX/2+2, 2) did not fail");
    cr_assert_eq(errno, ENOMEM, "calloc overflow: errno %d, not ENOMEM", errno);
    errno = 0;
    cr_assert_null(calloc(big, big), "calloc(SIZE_MAX, SIZE_MAX) did not fail");
    cr_assert_eq(errno, ENOMEM);
    errno = 0;
    volatile size_t g = (size_t)1 << 32;
    cr_assert_null(calloc(g, g), "calloc(2^32, 2^32) did not fail");
    cr_assert_eq(errno, ENOMEM);
}

Test(calloc, reallocarray_overflow_keeps_block) {
    volatile size_t half = SIZE_MAX / 2 + 2;
    unsigned char *p = reallocarray(NULL, 10, 10);
    cr_assert_not_null(p, "reallocarray(NULL, 10, 10) returned NULL");
    mpa_test_fill(p, 100, 7);
    errno = 0;
    cr_assert_null(reallocarray(mpa_test_opaque(p), half, 2), "reallocarray overflow did not fail");
    cr_assert_eq(errno, ENOMEM, "reallocarray overflow: errno %d, not ENOMEM", errno);
    cr_assert_eq(mpa_test_check(p, 100, 7), 100, "failed reallocarray changed the block");
    p = reallocarray(p, 300, 10);
    cr_assert_not_null(p);
    cr_assert_eq(mpa_test_check(p, 100, 7), 100, "reallocarray lost the content");
    free(p);
}
