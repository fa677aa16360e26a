/* Long-running programs' memory in every build (the debug build's
 * quarantine, guard pages and held-back blocks included):
 * - malloc_trim(0) after freeing a 32 MiB live set gives it back: RSS
 *   returns within 4 MiB of where it started;
 * - the heap's own mappings stay under a quarter of vm.max_map_count
 *   whatever the pattern (thousands of live and freed blocks just above
 *   the small classes, where the debug build may put guard pages);
 * - 100 dlopen/dlclose cycles of a library that allocates in its
 *   constructor, frees in its destructor and has thread-local storage do
 *   not grow RSS: cycles 20 to 100 add at most 2 MiB.
 * Each test has a Criterion timeout (a watchdog). */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_api.h"

#ifdef MPA_TEST_PREFIXED
#define malloc_trim mpa_malloc_trim
#endif

#define MIB ((size_t)1 << 20)

/* Resident set size in bytes, from /proc/self/statm. */
static size_t rss_bytes(void) {
    size_t vm = 0, rss = 0;
    cr_assert_eq(mpa_test_statm(&vm, &rss), 0, "cannot read /proc/self/statm");
    return rss;
}

/* Lines of /proc/self/maps: the process's mappings. */
static long mappings(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert_not_null(f, "cannot open /proc/self/maps");
    long n = 0;
    for (int c; (c = getc(f)) != EOF;)
        n += c == '\n';
    fclose(f);
    return n;
}

static long max_map_count(void) {
    long limit = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld", &limit) != 1)
            limit = 65530;
        fclose(f);
    }
    return limit;
}

/* Writes every page of p (n bytes). */
static void touch(char *p, size_t n) {
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (char)i;
    p[n - 1] = 1;
}

enum { SMALL_N = 8192, MEDIUM_N = 128, LARGE_N = 16 };
static char *small[SMALL_N], *medium[MEDIUM_N], *large[LARGE_N];

Test(longrun, trim_gives_back_a_freed_live_set, .timeout = 60) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan keeps freed memory in its own quarantine");
#elif defined(__SANITIZE_THREAD__)
    cr_skip_test("TSan's shadow of the freed live set stays resident");
#endif
    size_t start = rss_bytes();
    /* 32 MiB: 8 MiB of 1 KiB objects, 8 MiB of 64 KiB, 16 MiB of 1 MiB */
    for (int i = 0; i < SMALL_N; i++)
        touch(small[i] = malloc(1024), 1024);
    for (int i = 0; i < MEDIUM_N; i++)
        touch(medium[i] = malloc(64 << 10), 64 << 10);
    for (int i = 0; i < LARGE_N; i++)
        touch(large[i] = malloc(MIB), MIB);
    size_t full = rss_bytes();
    for (int i = 0; i < SMALL_N; i++)
        free(small[i]);
    for (int i = 0; i < MEDIUM_N; i++)
        free(medium[i]);
    for (int i = 0; i < LARGE_N; i++)
        free(large[i]);
    malloc_trim(0);
    size_t after = rss_bytes();
    cr_log_info("RSS %zu KiB at start, %zu KiB with 32 MiB live, %zu KiB after free + trim",
                start >> 10, full >> 10, after >> 10);
    cr_assert_geq(full, start + 24 * MIB, "the live set is not resident (%zu -> %zu KiB)",
                  start >> 10, full >> 10);
    cr_assert_leq(after, start + 4 * MIB,
                  "malloc_trim(0) left %zu KiB resident of a freed 32 MiB live set",
                  (after - start) >> 10);
}

enum { BLOCKS = 6000 };
static char *blocks[BLOCKS];

/* Live blocks just above the small classes (64 KiB and up), small objects
 * between them so that neighbours do not merge, and every third block
 * freed and replaced: the peak count of mappings. */
Test(longrun, mappings_stay_under_a_quarter_of_the_limit, .timeout = 120) {
    long limit = max_map_count(), before = mappings(), peak = before;
    for (int i = 0; i < BLOCKS; i++) {
        size_t n = (64u << 10) + 1 + (size_t)(i * 7919) % (64u << 10);
        blocks[i] = malloc(n);
        cr_assert_not_null(blocks[i], "malloc(%zu) failed at block %d", n, i);
        blocks[i][0] = blocks[i][n - 1] = 'b';
        char *gap = malloc(100 + (size_t)i % 300);
        cr_assert_not_null(gap);
        gap[0] = 'g';
        if (i % 500 == 499) {
            long now = mappings();
            peak = now > peak ? now : peak;
        }
    }
    for (int i = 0; i < BLOCKS; i += 3) {
        free(blocks[i]);
        blocks[i] = malloc(70000);
        cr_assert_not_null(blocks[i]);
        blocks[i][0] = 'r';
    }
    long now = mappings();
    peak = now > peak ? now : peak;
    cr_log_info("mappings: %ld before, %ld at peak (limit %ld)", before, peak, limit);
    cr_assert_leq(peak - before, limit / 4, "the heap took %ld of %ld mappings", peak - before,
                  limit);
    for (int i = 0; i < BLOCKS; i++)
        free(blocks[i]);
}

/* The test library (tests/stress/lib/plugin.c), built into the lib folder
 * beside this test's. */
static void plugin_path(char *out, size_t cap) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(n, 0, "cannot read /proc/self/exe");
    self[n] = 0;
    char *slash = strrchr(self, '/');
    cr_assert_not_null(slash);
    *slash = 0;
    snprintf(out, cap, "%s/../lib/plugin.so", self);
}

static void plugin_cycle(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(h, "dlopen %s: %s", path, dlerror());
    int (*use)(int) = (int (*)(int))dlsym(h, "plugin_use");
    cr_assert_not_null(use, "no plugin_use in %s", path);
    cr_assert_gt(use(3), 0);
    cr_assert_eq(dlclose(h), 0, "dlclose: %s", dlerror());
}

Test(longrun, dlopen_cycles_do_not_grow_rss, .timeout = 120) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan keeps freed memory in its own quarantine");
#endif
    char path[PATH_MAX + 32];
    plugin_path(path, sizeof path);
    for (int i = 0; i < 20; i++)
        plugin_cycle(path);
    size_t at20 = rss_bytes();
    for (int i = 20; i < 100; i++)
        plugin_cycle(path);
    size_t at100 = rss_bytes();
    cr_log_info("RSS after 20 cycles %zu KiB, after 100 cycles %zu KiB", at20 >> 10, at100 >> 10);
    cr_assert_leq(at100, at20 + 2 * MIB, "RSS grew %zu KiB over 80 dlopen/dlclose cycles",
                  (at100 - at20) >> 10);
}
