/* The aligned allocation family: posix_memalign for every power-of-two
 * alignment from 8 B to 8 MiB (EINVAL, errno untouched, for bad alignments),
 * aligned_alloc and memalign for every alignment up to 4 MiB with sizes
 * below, equal to and above the alignment, valloc (page aligned) and pvalloc
 * (usable size rounded up to pages). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_api.h"

/* Checks a block from an aligned allocation call and frees it. */
static void check_block(unsigned char *p, size_t align, size_t size, const char *what) {
    cr_assert_not_null(p, "%s(align %zu, size %zu) returned NULL", what, align, size);
    cr_assert_eq((uintptr_t)p % align, 0, "%s(align %zu, size %zu) = %p is misaligned", what, align,
                 size, (void *)p);
    size_t u = malloc_usable_size(p);
    cr_assert_geq(u, size, "%s(align %zu, size %zu): usable size %zu", what, align, size, u);
    mpa_test_fill(p, size, align + size);
    memset(p + size, 0x5a, u - size);
    size_t bad = mpa_test_check(p, size, align + size);
    cr_assert_eq(bad, size, "%s(align %zu, size %zu): byte %zu changed", what, align, size, bad);
    free(p);
}

/* Sizes tried for each alignment: below, equal to and above it. */
static size_t size_for(size_t align, int k) {
    switch (k) {
    case 0:
        return 1;
    case 1:
        return align > 2 ? align / 2 + 1 : 1;
    case 2:
        return align;
    case 3:
        return align + 1;
    default:
        return 3 * align + 8;
    }
}

Test(align, posix_memalign_every_power_of_two) {
    for (size_t a = sizeof(void *); a <= (8u << 20); a *= 2)
        for (int k = 0; k < 5; k++) {
            void *p = NULL;
            size_t n = size_for(a, k);
            errno = EDOM;
            int rc = posix_memalign(&p, a, n);
            cr_assert_eq(rc, 0, "posix_memalign(align %zu, size %zu) = %d", a, n, rc);
            cr_assert_eq(errno, EDOM, "posix_memalign changed errno on success");
            check_block(p, a, n, "posix_memalign");
        }
}

Test(align, posix_memalign_rejects_bad_alignment) {
    static const size_t bad[] = {0,  1,  2,   4,        sizeof(void *) - 1, 12,
                                 24, 48, 100, 3 * 4096, (1u << 20) + 8,     SIZE_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *p = NULL;
        errno = EDOM;
        int rc = posix_memalign(&p, bad[i], 64);
        cr_assert_eq(rc, EINVAL, "posix_memalign(align %zu) = %d, not EINVAL", bad[i], rc);
        cr_assert_eq(errno, EDOM, "posix_memalign(align %zu) changed errno", bad[i]);
    }
}

Test(align, aligned_alloc_and_memalign_every_alignment) {
    for (size_t a = 1; a <= (4u << 20); a *= 2)
        for (int k = 0; k < 5; k++) {
            size_t n = size_for(a, k);
            check_block(memalign(a, n), a, n, "memalign");
            /* C11 asks for a size that is a multiple of the alignment. */
            size_t m = (n + a - 1) / a * a;
            check_block(aligned_alloc(a, m), a, m, "aligned_alloc");
        }
}

Test(align, many_live_aligned_blocks) {
    enum { N = 256 };
    static unsigned char *p[N];
    for (size_t i = 0; i < N; i++) {
        size_t a = (size_t)16 << (i % 9);
        p[i] = memalign(a, 24 + i * 13);
        cr_assert_not_null(p[i]);
        cr_assert_eq((uintptr_t)p[i] % a, 0, "memalign(%zu) misaligned", a);
        mpa_test_fill(p[i], 24 + i * 13, i);
    }
    for (size_t i = 0; i < N; i++) {
        cr_assert_eq(mpa_test_check(p[i], 24 + i * 13, i), 24 + i * 13,
                     "aligned block %zu corrupted", i);
        free(p[i]);
    }
}

Test(align, valloc_is_page_aligned) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    static const size_t sizes[] = {1, 100, 4095, 4096, 4097, 70000, 1u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_block(valloc(sizes[i]), page, sizes[i], "valloc");
}

Test(align, pvalloc_rounds_to_pages) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    static const size_t sizes[] = {1, 100, 4095, 4096, 4097, 70000, (1u << 20) + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t rounded = (sizes[i] + page - 1) / page * page;
        check_block(pvalloc(sizes[i]), page, rounded, "pvalloc");
    }
    void *z = pvalloc(0);
    cr_assert_not_null(z, "pvalloc(0) returned NULL");
    free(z);
}
