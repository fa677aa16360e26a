/* Many objects of every size class live at once: sizes step through each
 * power of two from 1 B to 128 KiB in quarters (the class boundaries and
 * their neighbours), every object gets its own pattern, and the test checks
 * that no two live blocks overlap and that no pattern was disturbed. */
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

typedef struct {
    unsigned char *p;
    size_t size;
    size_t usable;
} block_t;

enum { MAX_BLOCKS = 40000 };
static block_t blocks[MAX_BLOCKS];
static size_t nblocks;

/* Allocates enough objects of `size` to fill several slabs and records them. */
static void alloc_class(size_t size) {
    size_t count = (256u << 10) / size;
    count = count < 8 ? 8 : count > 600 ? 600 : count;
    for (size_t i = 0; i < count && nblocks < MAX_BLOCKS; i++) {
        block_t *b = &blocks[nblocks];
        b->p = malloc(size);
        cr_assert_not_null(b->p, "malloc(%zu) returned NULL", size);
        b->size = size;
        b->usable = malloc_usable_size(b->p);
        cr_assert_geq(b->usable, size);
        mpa_test_fill(b->p, size, nblocks);
        nblocks++;
    }
}

static int by_address(const void *x, const void *y) {
    uintptr_t a = (uintptr_t)((const block_t *)x)->p, b = (uintptr_t)((const block_t *)y)->p;
    return a < b ? -1 : a > b;
}

static void alloc_all_classes(void) {
    for (size_t pow = 1; pow <= (128u << 10); pow *= 2)
        for (size_t q = 0; q < 4; q++) {
            size_t size = pow + pow * q / 4;
            alloc_class(size);
            if (size > 1) {
                alloc_class(size - 1);
                alloc_class(size + 1);
            }
        }
}

Test(classes, all_classes_live_without_overlap) {
    alloc_all_classes();
    for (size_t i = 0; i < nblocks; i++) {
        size_t bad = mpa_test_check(blocks[i].p, blocks[i].size, i);
        cr_assert_eq(bad, blocks[i].size, "block %zu (size %zu) corrupted at byte %zu", i,
                     blocks[i].size, bad);
    }
    qsort(blocks, nblocks, sizeof blocks[0], by_address);
    for (size_t i = 1; i < nblocks; i++) {
        const block_t *a = &blocks[i - 1], *b = &blocks[i];
        cr_assert_leq((uintptr_t)a->p + a->usable, (uintptr_t)b->p,
                      "blocks overlap: %p+%zu (size %zu) and %p (size %zu)", (void *)a->p,
                      a->usable, a->size, (void *)b->p, b->size);
    }
    for (size_t i = 0; i < nblocks; i++)
        free(blocks[i].p);
}

Test(classes, interleaved_free_and_refill) {
    alloc_all_classes();
    for (size_t i = 0; i < nblocks; i += 2)
        free(blocks[i].p);
    for (size_t i = 0; i < nblocks; i += 2) {
        blocks[i].p = malloc(blocks[i].size);
        cr_assert_not_null(blocks[i].p);
        mpa_test_fill(blocks[i].p, blocks[i].size, i + 7);
    }
    for (size_t i = 0; i < nblocks; i++) {
        uint64_t seed = i % 2 ? i : i + 7;
        cr_assert_eq(mpa_test_check(blocks[i].p, blocks[i].size, seed), blocks[i].size,
                     "block %zu (size %zu) corrupted after refill", i, blocks[i].size);
        free(blocks[i].p);
    }
}
