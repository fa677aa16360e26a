/* A freed large block reused for a smaller object does not stay resident
 * past that object (plus a bounded slack): 48 objects of 960 KiB are
 * written and freed, then 48 of 520 KiB take the same blocks and are
 * written; RSS must grow by no more than 1.25x the live 520 KiB objects
 * plus 4 MiB (before: each reused 1 MiB block kept the 960 KiB its first
 * tenant wrote, 1.85x). The RSS check applies to mpalloc's fast build only
 * (the hardened builds hold freed large blocks in quarantine). */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_api.h"

enum { N = 48, BIG = 960 << 10, SMALL = 520 << 10 };

static size_t rss_bytes(void) {
    size_t vm = 0, rss = 0;
    cr_assert_eq(mpa_test_statm(&vm, &rss), 0, "cannot read /proc/self/statm");
    return rss;
}

/* The hardened builds answer malloc_usable_size with the requested size. */
static int hardened(void) {
    void *p = malloc(100);
    size_t u = malloc_usable_size(p);
    free(p);
    return u == 100;
}

Test(reuse_rss, smaller_tenant_does_not_keep_the_larger_ones_pages, .timeout = 60) {
    static unsigned char *p[N];
    size_t start = rss_bytes();
    for (int i = 0; i < N; i++) {
        p[i] = malloc(BIG);
        cr_assert_not_null(p[i]);
        memset(p[i], i + 1, BIG);
    }
    for (int i = 0; i < N; i++)
        free(p[i]);
    for (int i = 0; i < N; i++) {
        p[i] = malloc(SMALL);
        cr_assert_not_null(p[i]);
        memset(p[i], i + 2, SMALL);
    }
    size_t rss = rss_bytes();
    for (int i = 0; i < N; i++) {
        cr_assert_eq(p[i][0], (unsigned char)(i + 2));
        cr_assert_eq(p[i][SMALL - 1], (unsigned char)(i + 2));
        free(p[i]);
    }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    cr_skip_test("sanitizer build: its shadow memory stays resident");
#endif
    if (mpa_test_is_mpalloc() && hardened())
        cr_skip_test("hardened build: freed large blocks wait in quarantine (RSS grew %zu KiB)",
                     (rss - start) >> 10);
    if (!mpa_test_is_mpalloc())
        cr_skip_test("not mpalloc: RSS grew %zu KiB (not checked)", (rss - start) >> 10);
    size_t limit = (size_t)N * SMALL / 4 * 5 + (4u << 20);
    cr_assert_leq(rss - start, limit, "RSS grew %zu KiB for %zu KiB live (limit %zu KiB)",
                  (rss - start) >> 10, (size_t)N * SMALL >> 10, limit >> 10);
}
