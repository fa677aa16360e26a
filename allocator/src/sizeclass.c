/* Size-class tables: class sizes, slab geometry, reciprocals for division,
 * and the size -> class lookup. Computed once from the tunables; the
 * sequence is MIN_ALLOC-spaced up to MIN_ALLOC << MANTISSA_BITS, then each
 * power of two [2^k, 2^(k+1)) is split into 2^MANTISSA_BITS equal steps, or
 * 2^MEDIUM_MANTISSA_BITS from 2^MEDIUM_BITS up; hardened builds add a class
 * MIN_ALLOC above each power of two from 2^MPA_EXACT_BITS to
 * 2^MPA_EXACT_MAX_BITS (sizeclass.h). */
#include "sizeclass.h"

uint8_t mpa_size_lookup[MPA_SIZE_LOOKUP_LEN];
mpa_class_info_t mpa_classes[MPA_NUM_CLASSES + 1];

static size_t next_class_size(size_t s) {
    unsigned e = mpa_floor_log2(s);
    size_t step =
        ((size_t)1 << e) >> (e < MPA_MEDIUM_BITS ? MPA_MANTISSA_BITS : MPA_MEDIUM_MANTISSA_BITS);
    return s + (step < MPA_MIN_ALLOC ? MPA_MIN_ALLOC : step);
}

/* Bytes a slab of 2^bits leaves after its last object of `size`. */
static size_t slab_tail(unsigned bits, size_t size) { return ((size_t)1 << bits) % size; }

/* log2 of the slab size of class `size`: the smallest power of two of at
 * least a chunk and MPA_SLAB_MIN_OBJECTS objects, doubled once (up to
 * MPA_SLAB_FIT_MAX_BITS) when its tail after the last object is more than
 * 1/2^MPA_SLAB_TAIL_BITS of it and the doubled slab's is a smaller part:
 * a 3328-byte class leaves 3072 of 16 KiB (19%) but 2816 of 32 KiB (9%),
 * 3584 leaves 2048 of 16 KiB (12.5%) but 512 of 32 KiB. A tail shares its
 * page with the last object, so it is resident as soon as the slab is. */
static unsigned slab_bits_for(size_t size) {
    unsigned bits = mpa_ceil_log2(size * MPA_SLAB_MIN_OBJECTS);
    if (bits < MPA_CHUNK_BITS)
        bits = MPA_CHUNK_BITS;
    if (MPA_SLAB_TAIL_BITS > 0 && bits < MPA_SLAB_FIT_MAX_BITS &&
        slab_tail(bits, size) > ((size_t)1 << bits) >> MPA_SLAB_TAIL_BITS &&
        slab_tail(bits + 1, size) < 2 * slab_tail(bits, size))
        bits++;
    return bits;
}

static void fill_class(unsigned cls, size_t size) {
    mpa_class_info_t *c = &mpa_classes[cls];
    unsigned bits = slab_bits_for(size);
    c->size = (uint32_t)size;
    c->slab_bits = (uint8_t)bits;
    c->slab_order = (uint8_t)(bits - MPA_CHUNK_BITS);
    c->count = (uint32_t)(((size_t)1 << bits) / size);
    c->span = (uint32_t)(c->count * size);
    /* ceil(2^64 / size) without 128-bit division: size is never a power of
     * two above 2^63, so ~0/size + 1 is exact for all our sizes. */
    c->recip = UINT64_MAX / size + 1;
    size_t hold = c->count * MPA_FAST_HOLD_SLABS, by_bytes = MPA_FAST_HOLD_MAX / size;
    c->hold = (uint32_t)(hold < by_bytes ? hold : by_bytes > 0 ? by_bytes : 1);
    unsigned wake = c->count / 4;
    c->wake = (uint16_t)(wake == 0 ? 1 : wake > 32 ? 32 : wake);
}

void mpa_sizeclass_init(void) {
    if (mpa_classes[1].size != 0)
        return;
    unsigned cls = 1;
    for (size_t s = MPA_MIN_ALLOC; s <= MPA_MAX_SMALL; s = next_class_size(s)) {
        fill_class(cls++, s);
        if (MPA_EXACT_CLASSES && s >= ((size_t)1 << MPA_EXACT_BITS) &&
            s <= ((size_t)1 << MPA_EXACT_MAX_BITS) && (s & (s - 1)) == 0)
            fill_class(cls++, s + MPA_MIN_ALLOC); /* (hardened builds: sizeclass.h) */
    }
    MPA_ASSERT(1, cls == MPA_NUM_CLASSES + 1);
    unsigned c = 1;
    for (size_t i = 0; i < MPA_SIZE_LOOKUP_LEN; i++) {
        size_t size = i << MPA_SIZE_LOOKUP_SHIFT;
        while (mpa_classes[c].size < size)
            c++;
        mpa_size_lookup[i] = (uint8_t)c;
    }
}

/* The tables are filled when the library is loaded, before the program can
 * start a thread: malloc's fast path reads mpa_size_lookup with no
 * synchronisation, so a lazy fill by the first malloc raced with the fast
 * path of a second thread (TSan, tests/stress/thread_churn with the plain
 * library). mpa_core_init still calls mpa_sizeclass_init for a malloc made by
 * an earlier constructor. */
__attribute__((constructor(101))) static void sizeclass_ctor(void) { mpa_sizeclass_init(); }

unsigned mpa_class_for_aligned(size_t size, size_t align) {
    if (size > MPA_MAX_SMALL)
        return 0;
    for (unsigned c = mpa_size_to_class(size); c <= MPA_NUM_CLASSES; c++)
        if ((mpa_classes[c].size & (align - 1)) == 0)
            return c;
    return 0;
}
