/* Size classes: an exponent/mantissa scheme with 2^MPA_MANTISSA_BITS classes
 * per power of two (after a linear start in MPA_MIN_ALLOC steps), and
 * 2^MPA_MEDIUM_MANTISSA_BITS per power of two from 2^MPA_MEDIUM_BITS up. Class 0
 * means "not a small object"; small classes are 1..MPA_NUM_CLASSES. Tables
 * are filled once at start-up by mpa_sizeclass_init; the fast path uses one
 * byte-table lookup, and a 64x64->128 multiply replaces division. */
#ifndef MPA_SIZECLASS_H
#define MPA_SIZECLASS_H

#include "common.h"

/* 2^m classes up to MIN_ALLOC << m, then 2^m per doubling up to
 * 2^MEDIUM_BITS, then 2^MEDIUM_MANTISSA_BITS per doubling up to MAX_SMALL. */
#define MPA_GRID_CLASSES                                                                           \
    ((1u << MPA_MANTISSA_BITS) * (1u + MPA_MEDIUM_BITS - MPA_MIN_ALLOC_BITS - MPA_MANTISSA_BITS) + \
     (1u << MPA_MEDIUM_MANTISSA_BITS) * (MPA_MAX_SMALL_BITS - MPA_MEDIUM_BITS))

/* Hardened builds (a trailer of MPA_TRAILER bytes in every small object)
 * add a class MPA_MIN_ALLOC above each power of two from 2^MPA_EXACT_BITS
 * to 2^MPA_EXACT_MAX_BITS: a request of exactly such a power of two (the
 * sizes programs ask for most) then costs 16 bytes more, as glibc's chunk
 * header, not the next grid class (a quarter more: under ulimit -d 256 MiB
 * the checked build filled 188 MiB with 1024-byte blocks, glibc 251).
 * Each class keeps its own slabs: a class beside every grid class (80 in
 * all) raised the peak RSS of a sliding window of random sizes up to
 * 64 KiB by 8%, beside each power of two up to 32 KiB by 1-3%; up to
 * 4 KiB (6 classes) it is unchanged. From the first doubling whose step
 * exceeds MPA_MIN_ALLOC. */
#define MPA_EXACT_BITS                                                                           \
    (MPA_MIN_ALLOC_BITS + MPA_MANTISSA_BITS + 1 > 7 ? MPA_MIN_ALLOC_BITS + MPA_MANTISSA_BITS + 1 \
                                                    : 7)
#define MPA_EXACT_MAX_BITS (MPA_MAX_SMALL_BITS - 1 < 12 ? MPA_MAX_SMALL_BITS - 1 : 12)
#define MPA_EXACT_CLASSES                                                                          \
    (MPA_TRAILER && MPA_EXACT_MAX_BITS >= MPA_EXACT_BITS ? MPA_EXACT_MAX_BITS - MPA_EXACT_BITS + 1 \
                                                         : 0)
#define MPA_NUM_CLASSES (MPA_GRID_CLASSES + MPA_EXACT_CLASSES)

/* Class numbers live in the low bits of pagemap entries beside the owner. */
#define MPA_CLASS_BITS 8
#define MPA_CLASS_MASK (((uintptr_t)1 << MPA_CLASS_BITS) - 1)
#if MPA_NUM_CLASSES >= (1 << MPA_CLASS_BITS)
#error "too many size classes for MPA_CLASS_BITS: lower MPA_MANTISSA_BITS or MPA_MAX_SMALL_BITS"
#endif

/* The size -> class table is indexed by the size itself up to 64 KiB of
 * small sizes (a 64 KiB table: malloc's lookup is then one load, no
 * rounding); beyond, by the size in MPA_MIN_ALLOC steps. */
#define MPA_SIZE_LOOKUP_SHIFT (MPA_MAX_SMALL_BITS <= 16 ? 0 : MPA_MIN_ALLOC_BITS)
#define MPA_SIZE_LOOKUP_LEN   ((MPA_MAX_SMALL >> MPA_SIZE_LOOKUP_SHIFT) + 1)

typedef struct mpa_class_info {
    uint32_t size;      /* object size in bytes */
    uint32_t count;     /* objects per slab */
    uint64_t recip;     /* ceil(2^64 / size): offset / size = (offset * recip) >> 64 */
    uint32_t hold;      /* most objects a thread's fast list of the class holds */
    uint16_t wake;      /* frees before a sleeping slab is available again */
    uint8_t slab_bits;  /* log2 of the slab size in bytes */
    uint8_t slab_order; /* slab size in chunks, log2 */
    uint32_t span;      /* bytes of a slab that hold objects: count * size */
    uint32_t pad;       /* 32 bytes: an entry's address is one shift from its class */
} mpa_class_info_t;

MPA_HIDDEN extern uint8_t mpa_size_lookup[MPA_SIZE_LOOKUP_LEN];
MPA_HIDDEN extern mpa_class_info_t mpa_classes[MPA_NUM_CLASSES + 1];

/* Fills the tables; idempotent. */
MPA_HIDDEN void mpa_sizeclass_init(void);

/* pre: size <= MPA_MAX_SMALL. Size 0 maps to the smallest class. */
MPA_INLINE unsigned mpa_size_to_class(size_t size) {
    MPA_ASSERT(1, size <= MPA_MAX_SMALL);
    return mpa_size_lookup[(size + ((size_t)1 << MPA_SIZE_LOOKUP_SHIFT) - 1) >>
                           MPA_SIZE_LOOKUP_SHIFT];
}

MPA_INLINE size_t mpa_class_size(unsigned cls) { return mpa_classes[cls].size; }

/* Index of the object containing byte `offset` of its slab. */
MPA_INLINE size_t mpa_class_index(unsigned cls, size_t offset) {
    return (size_t)(((unsigned __int128)offset * mpa_classes[cls].recip) >> 64);
}

/* Smallest class whose objects are at least size bytes and aligned to align
 * (a power of two) inside a size-aligned slab; 0 when none is small. */
MPA_HIDDEN unsigned mpa_class_for_aligned(size_t size, size_t align);

#endif /* MPA_SIZECLASS_H */
