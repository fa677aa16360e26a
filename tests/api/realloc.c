/* realloc as a program relies on it: realloc(NULL, n) is malloc(n);
 * realloc(p, 0) either frees p and returns NULL (glibc) or returns a
 * freeable pointer (both are allowed; the test accepts either); growing and
 * shrinking keeps the content across small -> large -> small moves. */
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

Test(realloc, null_is_malloc) {
    unsigned char *p = realloc(NULL, 100);
    cr_assert_not_null(p, "realloc(NULL, 100) returned NULL");
    cr_assert_geq(malloc_usable_size(p), 100);
    mpa_test_fill(p, 100, 1);
    cr_assert_eq(mpa_test_check(p, 100, 1), 100);
    free(p);
}

Test(realloc, zero_frees_or_returns_freeable) {
    static const size_t sizes[] = {1, 64, 4000, 100000, 4u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *p = malloc(sizes[i]);
        cr_assert_not_null(p);
        void *q = realloc(p, 0);
        free(q); /* NULL (p was freed) or a valid minimal block */
    }
}

/* Reallocs p from size `from` to `to` and checks the common prefix. */
static unsigned char *resize(unsigned char *p, size_t from, size_t to, uint64_t seed) {
    unsigned char *q = realloc(p, to);
    cr_assert_not_null(q, "realloc(%zu -> %zu) returned NULL", from, to);
    size_t keep = from < to ? from : to;
    size_t bad = mpa_test_check(q, keep, seed);
    cr_assert_eq(bad, keep, "realloc(%zu -> %zu) lost byte %zu", from, to, bad);
    cr_assert_geq(malloc_usable_size(q), to);
    mpa_test_fill(q, to, seed);
    return q;
}

Test(realloc, grow_and_shrink_keep_content) {
    static const size_t steps[] = {1,        16,     17,    100,       1000,     4096,
                                   20000,    65536,  65537, 300000,    2u << 20, 9u << 20,
                                   3u << 20, 100000, 70000, 5000,      64,       8,
                                   1,        40000,  24,    12u << 20, 33};
    size_t n = sizeof steps / sizeof steps[0];
    unsigned char *p = malloc(steps[0]);
    cr_assert_not_null(p);
    mpa_test_fill(p, steps[0], 5);
    for (size_t i = 1; i < n; i++)
        p = resize(p, steps[i - 1], steps[i], 5);
    free(p);
}

Test(realloc, byte_by_byte_growth) {
    size_t n = 1;
    unsigned char *p = malloc(n);
    cr_assert_not_null(p);
    p[0] = 0;
    for (n = 2; n <= 140000; n += (n < 5000 ? 1 : n / 64)) {
        p = realloc(p, n);
        cr_assert_not_null(p);
        p[n - 1] = (unsigned char)n;
        cr_assert_eq(p[0], 0, "realloc growth to %zu lost the first byte", n);
    }
    free(p);
}

Test(realloc, same_size_and_interleaved) {
    unsigned char *a = malloc(200), *b = malloc(200);
    cr_assert(a && b);
    mpa_test_fill(a, 200, 11);
    mpa_test_fill(b, 200, 12);
    for (size_t n = 200; n < 200000; n = n * 3 / 2) {
        a = resize(a, n, n + 1, 11);
        a = resize(a, n + 1, n + 1, 11);
        b = resize(b, n, n + 1, 12);
        mpa_test_fill(a, n + 1, 11);
        mpa_test_fill(b, n + 1, 12);
        a = resize(a, n + 1, n * 3 / 2, 11);
        b = resize(b, n + 1, n * 3 / 2, 12);
    }
    free(a);
    free(b);
}
