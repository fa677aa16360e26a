/* Memory goes back to the system: allocate 1 GiB in 16 KiB objects, touch
 * every page, free it all, then keep a little allocation activity going for
 * up to ~1.5 s and require RSS (/proc/self/statm) to fall back within
 * 64 MiB of where it started. The RSS check applies to mpalloc only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "test_api.h"
#ifdef MPA_TEST_PREFIXED
#include "core.h"
#endif

enum { OBJ = 16 << 10, COUNT = (1 << 30) / OBJ };

static void *objs[COUNT];

/* Resident set size in bytes, from /proc/self/statm (no allocation). */
static size_t rss_bytes(void) {
    size_t vm = 0, rss = 0;
    cr_assert_eq(mpa_test_statm(&vm, &rss), 0, "cannot read /proc/self/statm");
    return rss;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ASan keeps the shadow of memory the test touched (1/8 of it) resident
 * after the memory itself is returned: allow for it in ASan builds. */
static size_t shadow_bytes(size_t touched) {
#ifdef __SANITIZE_ADDRESS__
    return touched / 8 + (8u << 20);
#else
    (void)touched;
    return 0;
#endif
}

/* A little unrelated activity: gives decay/purge logic a chance to run. */
static void small_activity(void) {
    void *p[64];
    for (int i = 0; i < 64; i++)
        if ((p[i] = malloc((size_t)(i + 1) * 24)) != NULL)
            memset(p[i], i, 16);
    for (int i = 0; i < 64; i++)
        free(p[i]);
}

/* Without the overrides (the sanitizer builds link the allocator prefixed)
 * nothing launches the purger, which gives back what slow paths no longer
 * reach (this test's small activity stays on the fast lists): the test
 * does what the override layer does at a program's first thread. */
static void launch_purger_without_overrides(void) {
#ifdef MPA_TEST_PREFIXED
    if (mpa_core_init())
        mpa_purger_launch(mpa_reclaim_round);
#endif
}

Test(giveback, one_gib_returns_to_the_system, .timeout = 60) {
    launch_purger_without_overrides();
    memset(objs, 0, sizeof objs);
    small_activity();
    size_t start = rss_bytes();
    for (size_t i = 0; i < COUNT; i++) {
        unsigned char *p = objs[i] = malloc(OBJ);
        cr_assert_not_null(p, "malloc(16 KiB) #%zu failed", i);
        for (size_t off = 0; off < OBJ; off += 4096)
            p[off] = (unsigned char)(i + off);
        p[OBJ - 1] = (unsigned char)i;
    }
    size_t peak = rss_bytes();
    for (size_t i = 0; i < COUNT; i++) {
        unsigned char *p = objs[i];
        cr_assert_eq(p[4096], (unsigned char)(i + 4096), "object %zu corrupted", i);
        free(p);
    }
    size_t rss = rss_bytes(), limit = start + (64u << 20) + shadow_bytes(peak - start);
    for (double t0 = now_s(); rss > limit && now_s() - t0 < 1.5; rss = rss_bytes()) {
        small_activity();
        usleep(10000);
    }
#ifdef __SANITIZE_THREAD__
    cr_skip_test("TSan build: its shadow of the touched 1 GiB stays resident (RSS %zu MiB)",
                 rss >> 20);
#endif
    if (!mpa_test_is_mpalloc())
        cr_skip_test("not mpalloc: RSS %zu MiB -> peak %zu MiB -> %zu MiB (not checked)",
                     start >> 20, peak >> 20, rss >> 20);
    cr_assert_geq(peak, start + (900u << 20), "1 GiB touched but RSS rose only %zu MiB",
                  (peak - start) >> 20);
    cr_assert_leq(rss, limit, "RSS %zu MiB after freeing 1 GiB: started at %zu MiB, peak %zu MiB",
                  rss >> 20, start >> 20, peak >> 20);
}
