/* Requests no allocator can serve fail cleanly: malloc(SIZE_MAX) and
 * malloc(PTRDIFF_MAX + 1) return NULL with errno ENOMEM, and a realloc to
 * such a size returns NULL, sets ENOMEM and leaves the old block valid and
 * unchanged. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

/* Sizes too big to serve; volatile so the compiler cannot warn or fold. */
static volatile size_t huge[] = {SIZE_MAX, (size_t)PTRDIFF_MAX + 1, SIZE_MAX - 4095, SIZE_MAX / 2,
                                 (size_t)1 << 62};
#define NHUGE (sizeof huge / sizeof huge[0])

Test(limits, malloc_huge_fails_with_enomem) {
    for (size_t i = 0; i < NHUGE; i++) {
        errno = 0;
        void *p = malloc(huge[i]);
        cr_assert_null(p, "malloc(%zu) returned %p", huge[i], p);
        cr_assert_eq(errno, ENOMEM, "malloc(%zu): errno %d, not ENOMEM", huge[i], errno);
    }
}

Test(limits, realloc_huge_keeps_block) {
    for (size_t i = 0; i < NHUGE; i++) {
        unsigned char *p = malloc(100);
        cr_assert_not_null(p);
        mpa_test_fill(p, 100, i);
        errno = 0;
        void *q = realloc(mpa_test_opaque(p), huge[i]);
        cr_assert_null(q, "realloc(p, %zu) returned %p", huge[i], q);
        cr_assert_eq(errno, ENOMEM, "realloc(p, %zu): errno %d, not ENOMEM", huge[i], errno);
        cr_assert_eq(mpa_test_check(p, 100, i), 100, "failed realloc changed the block");
        free(p);
    }
}

Test(limits, realloc_huge_keeps_large_block) {
    size_t n = 4u << 20;
    unsigned char *p = malloc(n);
    cr_assert_not_null(p);
    mpa_test_fill(p, n, 99);
    errno = 0;
    cr_assert_null(realloc(mpa_test_opaque(p), huge[0]));
    cr_assert_eq(errno, ENOMEM);
    cr_assert_eq(mpa_test_check(p, n, 99), n, "failed realloc changed a large block");
    free(p);
}

Test(limits, aligned_huge_fails) {
    void *p = (void *)1;
    cr_assert_eq(posix_memalign(&p, 64, huge[0]), ENOMEM, "posix_memalign(64, SIZE_MAX) != ENOMEM");
    errno = 0;
    cr_assert_null(aligned_alloc(4096, huge[1]), "aligned_alloc(4096, PTRDIFF_MAX+1) did not fail");
    cr_assert_eq(errno, ENOMEM);
    errno = 0;
    cr_assert_null(memalign(1u << 20, huge[0] - (1u << 19)), "memalign near SIZE_MAX did not fail");
    cr_assert_eq(errno, ENOMEM);
}
