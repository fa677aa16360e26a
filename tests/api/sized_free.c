/* The C23 sized frees: free_sized(p, n) for blocks from malloc/calloc/
 * realloc, free_aligned_sized(p, a, n) for blocks from aligned_alloc, both
 * with NULL. glibc 2.36 has neither, so under plain glibc the tests skip
 * (the weak declarations in test_api.h read NULL). */
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

static void need_sized(void) {
    if (!MPA_TEST_HAVE_FREE_SIZED)
        cr_skip_test("free_sized/free_aligned_sized not provided by this allocator");
}

Test(sized_free, free_sized_every_size) {
    need_sized();
    free_sized(NULL, 0);
    free_sized(NULL, 100);
    for (size_t n = 1; n <= 70000; n += (n < 1024 ? 1 : n / 16)) {
        unsigned char *p = malloc(n);
        cr_assert_not_null(p);
        mpa_test_fill(p, n, n);
        free_sized(p, n);
    }
    for (size_t n = 1; n < (16u << 20); n = n * 5 + 3) {
        unsigned char *p = calloc(n, 1);
        cr_assert_not_null(p);
        free_sized(p, n);
    }
}

Test(sized_free, free_sized_after_realloc) {
    need_sized();
    unsigned char *p = malloc(10);
    cr_assert_not_null(p);
    for (size_t n = 10; n < 500000; n *= 3)
        p = realloc(p, n);
    p = realloc(p, 777);
    cr_assert_not_null(p);
    free_sized(p, 777);
}

Test(sized_free, free_aligned_sized_every_alignment) {
    need_sized();
    free_aligned_sized(NULL, 64, 0);
    for (size_t a = 1; a <= (1u << 20); a *= 2)
        for (size_t m = 1; m <= 3; m++) {
            unsigned char *p = aligned_alloc(a, a * m);
            cr_assert_not_null(p, "aligned_alloc(%zu, %zu) returned NULL", a, a * m);
            mpa_test_fill(p, a * m, a);
            free_aligned_sized(p, a, a * m);
        }
}

Test(sized_free, memory_is_reused_correctly) {
    need_sized();
    enum { N = 1000 };
    static unsigned char *p[N];
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < N; i++) {
            p[i] = malloc(i % 300 + 1);
            cr_assert_not_null(p[i]);
            mpa_test_fill(p[i], i % 300 + 1, i + (size_t)round);
        }
        for (size_t i = 0; i < N; i++) {
            cr_assert_eq(mpa_test_check(p[i], i % 300 + 1, i + (size_t)round), i % 300 + 1);
            free_sized(p[i], i % 300 + 1);
        }
    }
}
