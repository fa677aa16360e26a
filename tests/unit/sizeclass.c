/* Size-class tables (allocator/src/sizeclass.h): the class sequence, the
 * size -> class lookup for every small size, the wasted-space bound, slab
 * geometry, the reciprocal division behind mpa_class_index (checked at every
 * offset of every slab) and mpa_class_for_aligned. Valid for any tunables:
 * build with FLAGS='-DMPA_MANTISSA_BITS=..' to check another variant. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "sizeclass.h"

static void tables_init(void) { mpa_sizeclass_init(); }

TestSuite(sizeclass, .init = tables_init);

Test(sizeclass, sequence) {
    cr_assert_eq(mpa_classes[0].size, 0, "class 0 means not small");
    for (unsigned c = 1; c <= MPA_NUM_CLASSES; c++) {
        size_t s = mpa_class_size(c);
        cr_assert_eq(s % MPA_MIN_ALLOC, 0, "class %u size %zu", c, s);
        if (c > 1)
            cr_assert_gt(s, mpa_class_size(c - 1), "class %u not increasing", c);
    }
    cr_assert_eq(mpa_class_size(1), MPA_MIN_ALLOC);
    cr_assert_eq(mpa_class_size(MPA_NUM_CLASSES), MPA_MAX_SMALL);
}

/* Linear start: MIN_ALLOC, 2*MIN_ALLOC, .., MIN_ALLOC << MANTISSA_BITS. */
Test(sizeclass, linear_start) {
    unsigned linear = 1u << MPA_MANTISSA_BITS;
    for (unsigned c = 1; c <= linear; c++)
        cr_assert_eq(mpa_class_size(c), c * MPA_MIN_ALLOC, "class %u", c);
}

/* Mantissa bits of the doubling (2^k, 2^(k+1)]. */
static unsigned mantissa(unsigned k) {
    return k < MPA_MEDIUM_BITS ? MPA_MANTISSA_BITS : MPA_MEDIUM_MANTISSA_BITS;
}

/* Each doubling (2^k, 2^(k+1)] above the linear part holds 2^m classes,
 * equally spaced by 2^k >> m (m = MEDIUM_MANTISSA_BITS from 2^MEDIUM_BITS). */
Test(sizeclass, classes_per_doubling) {
    for (unsigned k = MPA_MIN_ALLOC_BITS + MPA_MANTISSA_BITS; k < MPA_MAX_SMALL_BITS; k++) {
        size_t lo = (size_t)1 << k, step = lo >> mantissa(k);
        unsigned n = 0;
        for (unsigned c = 1; c <= MPA_NUM_CLASSES; c++) {
            size_t s = mpa_class_size(c);
            if (s <= lo || s > 2 * lo)
                continue;
            n++;
            cr_assert_eq((s - lo) % step, 0, "class %u size %zu off the grid of 2^%u", c, s, k);
        }
        cr_assert_eq(n, 1u << mantissa(k), "2^%u..2^%u holds %u classes", k, k + 1, n);
    }
}

/* Every size 0..MAX_SMALL maps to the smallest class that holds it. */
Test(sizeclass, every_size_round_trips) {
    for (size_t size = 0; size <= MPA_MAX_SMALL; size++) {
        unsigned c = mpa_size_to_class(size);
        if (c < 1 || c > MPA_NUM_CLASSES)
            cr_assert_fail("size %zu -> class %u out of range", size, c);
        if (mpa_class_size(c) < size)
            cr_assert_fail("size %zu -> class %u of %zu bytes", size, c, mpa_class_size(c));
        if (c > 1 && mpa_class_size(c - 1) >= size)
            cr_assert_fail("size %zu -> class %u, but class %u (%zu) fits", size, c, c - 1,
                           mpa_class_size(c - 1));
    }
    cr_assert_eq(mpa_size_to_class(0), 1u);
}

/* class size <= size * (1 + 2^-m) + MIN_ALLOC, in integers. */
Test(sizeclass, wasted_space_bound) {
    for (size_t size = 1; size <= MPA_MAX_SMALL; size++) {
        size_t cs = mpa_class_size(mpa_size_to_class(size));
        unsigned m = mantissa(mpa_floor_log2(size > 1 ? size - 1 : 1));
        size_t lhs = cs << m;
        size_t rhs = (size << m) + size + (MPA_MIN_ALLOC << m);
        if (lhs > rhs)
            cr_assert_fail("size %zu rounds up to %zu: too much waste", size, cs);
    }
}

Test(sizeclass, slab_geometry) {
    for (unsigned c = 1; c <= MPA_NUM_CLASSES; c++) {
        const mpa_class_info_t *ci = &mpa_classes[c];
        size_t slab = (size_t)1 << ci->slab_bits;
        cr_assert_geq(slab, MPA_CHUNK_SIZE, "class %u", c);
        cr_assert_eq(ci->slab_order, ci->slab_bits - MPA_CHUNK_BITS, "class %u", c);
        cr_assert_eq(ci->count, slab / ci->size, "class %u", c);
        cr_assert_geq(ci->count, MPA_SLAB_MIN_OBJECTS, "class %u", c);
        /* The smallest slab that holds MIN_OBJECTS, or twice it when that
         * one's tail was over 1/2^TAIL_BITS of it and the double's is a
         * smaller part (within MPA_SLAB_FIT_MAX_BITS). */
        size_t least = (size_t)1 << mpa_ceil_log2((size_t)ci->size * MPA_SLAB_MIN_OBJECTS);
        least = least < MPA_CHUNK_SIZE ? MPA_CHUNK_SIZE : least;
        size_t tail = least % ci->size;
        bool doubled = MPA_SLAB_TAIL_BITS > 0 && least < ((size_t)1 << MPA_SLAB_FIT_MAX_BITS) &&
                       tail > least >> MPA_SLAB_TAIL_BITS && (2 * least) % ci->size < 2 * tail;
        cr_assert_eq(slab, doubled ? 2 * least : least, "class %u (%u B): slab %zu, want %zu", c,
                     ci->size, slab, doubled ? 2 * least : least);
        cr_assert(ci->wake >= 1 && ci->wake <= 32 && ci->wake <= ci->count,
                  "class %u: wake %u count %u", c, ci->wake, ci->count);
    }
}

/* Reciprocal division: exact at every byte offset of every slab. */
Test(sizeclass, class_index_every_offset) {
    for (unsigned c = 1; c <= MPA_NUM_CLASSES; c++) {
        size_t size = mpa_class_size(c), slab = (size_t)1 << mpa_classes[c].slab_bits;
        for (size_t off = 0; off < slab; off++) {
            size_t got = mpa_class_index(c, off);
            if (got != off / size)
                cr_assert_fail("class %u (size %zu): index(%zu) = %zu, want %zu", c, size, off, got,
                               off / size);
        }
    }
}

/* Smallest class >= size whose size is a multiple of align, for sizes
 * around each power-of-two alignment. */
static void check_aligned(size_t size, size_t align) {
    unsigned c = mpa_class_for_aligned(size, align);
    cr_assert_neq(c, 0u, "size %zu align %zu: no class", size, align);
    size_t cs = mpa_class_size(c);
    cr_assert_geq(cs, size, "size %zu align %zu -> %zu", size, align, cs);
    cr_assert_eq(cs % align, 0, "size %zu align %zu -> %zu not aligned", size, align, cs);
    cr_assert_geq((size_t)1 << mpa_classes[c].slab_bits, align);
    for (unsigned d = 1; d < c; d++)
        if (mpa_class_size(d) >= size && mpa_class_size(d) % align == 0)
            cr_assert_fail("size %zu align %zu -> %zu, but %zu fits", size, align, cs,
                           mpa_class_size(d));
}

Test(sizeclass, class_for_aligned) {
    for (size_t align = 16; align <= MPA_MAX_SMALL; align *= 2) {
        size_t sizes[] = {
            0,         1,         align / 2,     align - 1,     align, align + 1, 2 * align - 1,
            2 * align, 3 * align, 3 * align + 1, 5 * align - 16};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            if (sizes[i] <= MPA_MAX_SMALL)
                check_aligned(sizes[i], align);
    }
    cr_assert_eq(mpa_class_for_aligned(MPA_MAX_SMALL + 1, 16), 0u);
}
