/* Basic malloc/free behaviour as a program sees it: malloc(0), every size
 * from 1 to 70000 holding its content, malloc_usable_size covering the
 * request and writable to its end, free(NULL). Runs linked, under
 * LD_PRELOAD (-plain) and in the sanitizer builds (mpa_ names). */
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

Test(basic, malloc_zero_is_freeable) {
    void *a = malloc(0), *b = malloc(0);
    cr_assert_not_null(a, "malloc(0) returned NULL");
    cr_assert_not_null(b, "malloc(0) returned NULL");
    cr_assert_neq(a, b, "two live malloc(0) returned the same pointer");
    free(a);
    free(b);
}

Test(basic, free_null_is_noop) {
    free(NULL);
    cr_assert_eq(malloc_usable_size(NULL), 0, "malloc_usable_size(NULL) != 0");
}

/* Allocates n bytes, fills them, checks alignment, usable size and content. */
static void roundtrip(size_t n) {
    unsigned char *p = malloc(n);
    cr_assert_not_null(p, "malloc(%zu) returned NULL", n);
    cr_assert_eq((uintptr_t)p % 16, 0, "malloc(%zu) = %p is not 16-aligned", n, (void *)p);
    size_t u = malloc_usable_size(p);
    cr_assert_geq(u, n, "malloc_usable_size = %zu < requested %zu", u, n);
    mpa_test_fill(p, u, n);
    size_t bad = mpa_test_check(p, u, n);
    cr_assert_eq(bad, u, "malloc(%zu): byte %zu changed", n, bad);
    free(p);
}

Test(basic, every_size_to_70000_roundtrips) {
    for (size_t n = 1; n <= 70000; n++)
        roundtrip(n);
}

Test(basic, sizes_are_independent_while_live) {
    enum { N = 2048 };
    static unsigned char *p[N];
    for (size_t i = 0; i < N; i++) {
        p[i] = malloc(i * 37 + 1);
        cr_assert_not_null(p[i]);
        mpa_test_fill(p[i], i * 37 + 1, i);
    }
    for (size_t i = 0; i < N; i++) {
        size_t bad = mpa_test_check(p[i], i * 37 + 1, i);
        cr_assert_eq(bad, i * 37 + 1, "object %zu (size %zu) corrupted at %zu", i, i * 37 + 1, bad);
        free(p[i]);
    }
}

Test(basic, large_sizes_roundtrip) {
    static const size_t sizes[] = {70001,         131072,   262145,    1 << 20,
                                   (1 << 20) + 1, 3u << 20, 16u << 20, 65u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        roundtrip(sizes[i]);
}

Test(basic, reuse_after_free_keeps_new_content) {
    for (int round = 0; round < 64; round++) {
        unsigned char *p = malloc(48), *q = malloc(48);
        cr_assert(p && q);
        mpa_test_fill(p, 48, (uint64_t)round * 2);
        mpa_test_fill(q, 48, (uint64_t)round * 2 + 1);
        free(p);
        cr_assert_eq(mpa_test_check(q, 48, (uint64_t)round * 2 + 1), 48,
                     "freeing a neighbour changed a live object");
        free(q);
    }
}
