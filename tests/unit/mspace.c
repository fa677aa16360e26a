/* mspaces: isolated heaps. Objects of two mspaces never share a slab or a
 * chunk; calloc/realloc/memalign work inside one; destroy_mspace gives the
 * memory back at once (RSS falls, the pagemap forgets its objects); plain
 * free() of an mspace object from another thread reaches the mspace; a
 * locked mspace is safe under concurrent use; create/destroy can repeat. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpalloc.h"
#include "pagemap.h"

static size_t rss_kib(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (size_t)resident * 4;
}

Test(mspace, objects_stay_in_their_own_heap) {
    mspace a = create_mspace(0, 0), b = create_mspace(64 << 20, 0);
    cr_assert(a && b);
    for (int i = 0; i < 2000; i++) {
        char *p = mspace_malloc(a, 48), *q = mspace_malloc(b, 48);
        cr_assert(p && q);
        /* different chunks, so different slabs and different owners */
        cr_assert_neq((uintptr_t)p >> MPA_CHUNK_BITS, (uintptr_t)q >> MPA_CHUNK_BITS);
        cr_assert_neq(mpa_pm_entry(p)->owner, mpa_pm_entry(q)->owner);
    }
    destroy_mspace(a);
    destroy_mspace(b);
}

Test(mspace, calloc_realloc_memalign_usable_size) {
    mspace m = create_mspace(0, 1);
    unsigned char *z = mspace_calloc(m, 1000, 7);
    cr_assert_not_null(z);
    for (int i = 0; i < 7000; i++)
        cr_assert_eq(z[i], 0);
    memset(z, 0xab, 7000);
    z = mspace_realloc(m, z, 200000);
    cr_assert_not_null(z);
    for (int i = 0; i < 7000; i++)
        cr_assert_eq(z[i], 0xab, "byte %d lost in realloc", i);
    cr_assert_geq(mspace_usable_size(z), 200000);
    for (size_t align = 32; align <= ((size_t)1 << 22); align <<= 1) {
        void *p = mspace_memalign(m, align, 100);
        cr_assert(p && ((uintptr_t)p & (align - 1)) == 0, "alignment %zu", align);
        mspace_free(m, p);
    }
    cr_assert_null(mspace_calloc(m, SIZE_MAX / 2, 3));
    mspace_free(m, z);
    destroy_mspace(m);
}

/* RSS checks mean nothing under ASan, whose shadow memory stays resident. */
#ifdef __SANITIZE_ADDRESS__
#define SKIP_RSS_UNDER_ASAN() cr_skip_test("RSS is not meaningful under ASan")
#else
#define SKIP_RSS_UNDER_ASAN() ((void)0)
#endif

Test(mspace, destroy_gives_memory_back_at_once) {
    SKIP_RSS_UNDER_ASAN();
    mspace m = create_mspace(0, 0);
    size_t before = rss_kib();
    for (int i = 0; i < 20000; i++)
        memset(mspace_malloc(m, 4000), 1, 4000); /* about 80 MB, never freed */
    void *big = mspace_malloc(m, 32 << 20);
    memset(big, 2, 32 << 20);
    size_t peak = rss_kib();
    cr_assert_gt(mspace_footprint(m), (size_t)100 << 20);
    size_t given = destroy_mspace(m);
    size_t after = rss_kib();
    cr_assert_gt(peak, before + 100 * 1024, "RSS rose only %zu KiB", peak - before);
    cr_assert_lt(after, before + 8 * 1024, "RSS %zu KiB after destroy (was %zu, peak %zu)", after,
                 before, peak);
    cr_assert_geq(given, (size_t)100 << 20);
}

static void *objects[4096];

/* mpa_free is plain free() in a normal build; sanitizer builds, whose free
 * is the sanitizer's, export only the mpa_ name. */
static void *free_with_plain_free(void *arg) {
    (void)arg;
    for (int i = 0; i < 4096; i++)
        mpa_free(objects[i]);
    return NULL;
}

Test(mspace, plain_free_from_another_thread_comes_home) {
    mspace m = create_mspace(0, 1);
    for (int i = 0; i < 4096; i++)
        objects[i] = mspace_malloc(m, 64);
    pthread_t t;
    pthread_create(&t, NULL, free_with_plain_free, NULL);
    pthread_join(t, NULL); /* its exit posts the remote frees to the mspace */
    int reused = 0;
    for (int i = 0; i < 8192; i++) {
        void *p = mspace_malloc(m, 64);
        for (int j = 0; j < 4096 && !reused; j++)
            reused = p == objects[j];
    }
    cr_assert(reused, "objects freed with free() never came back to the mspace");
    destroy_mspace(m);
}

static mspace shared;

static void *hammer(void *arg) {
    uintptr_t seed = (uintptr_t)arg;
    void *mine[256] = {0};
    for (int i = 0; i < 200000; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        int slot = (int)(seed >> 56);
        if (mine[slot]) {
            cr_assert_eq(*(uintptr_t *)mine[slot], (uintptr_t)mine[slot]);
            mspace_free(shared, mine[slot]);
        }
        size_t size = 16 + (seed >> 40) % 3000;
        mine[slot] = mspace_malloc(shared, size);
        *(uintptr_t *)mine[slot] = (uintptr_t)mine[slot];
    }
    for (int i = 0; i < 256; i++)
        mspace_free(shared, mine[i]);
    return NULL;
}

Test(mspace, locked_mspace_under_two_threads) {
    shared = create_mspace(0, 1);
    pthread_t t[2];
    for (uintptr_t i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, hammer, (void *)(i + 1));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    destroy_mspace(shared);
}

Test(mspace, create_destroy_repeats_without_growth) {
    SKIP_RSS_UNDER_ASAN();
    size_t first = 0;
    for (int round = 0; round < 50; round++) {
        mspace m = create_mspace(16 << 20, 0);
        cr_assert_not_null(m);
        for (int i = 0; i < 1000; i++)
            cr_assert_not_null(mspace_malloc(m, 1000));
        destroy_mspace(m);
        if (round == 5)
            first = rss_kib();
    }
    cr_assert_lt(rss_kib(), first + 4 * 1024, "RSS grows with create/destroy cycles");
}

Test(mspace, capacity_is_a_limit) {
    mspace m = create_mspace(4 << 20, 0);
    int n = 0;
    while (n < 100000 && mspace_malloc(m, 60000) != NULL)
        n++;
    cr_assert_lt(n, 100000, "a 4 MiB mspace never ran out");
    destroy_mspace(m);
}
