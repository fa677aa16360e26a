/* Baseline 3: a single-lock first-fit free-list heap (linked_list_allocator)
 * with fixed-size classes in front (the veridian kernel heap). Holes are kept
 * sorted by address, split on allocation and merged on free; the heap grows
 * by mapping more of its VA region. Every block has a 16-byte header (block
 * size, class) because the kernel API's free takes no size. */
#include <string.h>

#include "ks_alloc.h"
#include "ks_cpu.h"
#include "ks_vm.h"

#define KS_FF_REGION   ((size_t)2 << 30)
#define KS_FF_GROW     ((size_t)256 << 10) /* heap grows by at least this */
#define KS_FF_HDR      16
#define KS_FF_MIN_HOLE 32
#define KS_FF_NCLS     7 /* class blocks 32 B .. 2 KiB */
#define KS_FF_NOCLASS  ((size_t)-1)

typedef struct ks_ff_hdr {
    size_t size; /* whole block, header included */
    size_t cls;  /* class index or KS_FF_NOCLASS */
} ks_ff_hdr_t;

typedef struct ks_ff_hole {
    size_t size;
    struct ks_ff_hole *next; /* next hole, higher address */
} ks_ff_hole_t;

static ks_spinlock_t ks_ff_lock = KS_SPINLOCK_INIT;
static char *ks_ff_base, *ks_ff_top; /* region; end of the mapped heap */
static ks_ff_hole_t *ks_ff_holes;
static void *ks_ff_class[KS_FF_NCLS]; /* free class blocks (past the header) */

/* Adds [p, p+size) to the holes, merging with neighbours (lock held). */
static void ks_ff_insert(char *p, size_t size) {
    ks_ff_hole_t **pp = &ks_ff_holes, *prev = NULL;
    while (*pp && (char *)*pp < p) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    ks_ff_hole_t *next = *pp, *h = (ks_ff_hole_t *)p;
    if (prev && (char *)prev + prev->size == p) {
        prev->size += size;
        h = prev;
    } else {
        h->size = size;
        h->next = next;
        *pp = h;
    }
    if (next && (char *)h + h->size == (char *)next) {
        h->size += next->size;
        h->next = next->next;
    }
}

/* Maps at least `need` more bytes at the top of the heap (lock held). */
static int ks_ff_grow(size_t need) {
    size_t len = need > KS_FF_GROW ? (need + KS_FF_GROW - 1) & ~(KS_FF_GROW - 1) : KS_FF_GROW;
    if ((size_t)(ks_ff_base + KS_FF_REGION - ks_ff_top) < len || ks_vm_map(ks_ff_top, len, 0) != 0)
        return -1;
    ks_ff_insert(ks_ff_top, len);
    ks_ff_top += len;
    return 0;
}

/* First fit of a block of `size` whose object (block + header) is aligned. */
static char *ks_ff_fit(size_t size, size_t align) {
    for (ks_ff_hole_t **pp = &ks_ff_holes; *pp; pp = &(*pp)->next) {
        char *hs = (char *)*pp, *he = hs + (*pp)->size;
        uintptr_t obj = ((uintptr_t)hs + KS_FF_HDR + align - 1) & ~(uintptr_t)(align - 1);
        if (obj - KS_FF_HDR != (uintptr_t)hs && obj - KS_FF_HDR - (uintptr_t)hs < KS_FF_MIN_HOLE)
            obj += (align + KS_FF_MIN_HOLE - 1) & ~(uintptr_t)(align - 1);
        char *blk = (char *)obj - KS_FF_HDR;
        if (blk + size > he)
            continue;
        ks_ff_hole_t *next = (*pp)->next;
        if (blk > hs)
            (*pp)->size = (size_t)(blk - hs), pp = &(*pp)->next;
        *pp = next;
        if (he - (blk + size) >= KS_FF_MIN_HOLE)
            ks_ff_insert(blk + size, (size_t)(he - (blk + size)));
        else
            size = (size_t)(he - blk);
        ((ks_ff_hdr_t *)blk)->size = size;
        return blk;
    }
    return NULL;
}

/* A block of `size` bytes (header included), aligned object; lock held. */
static void *ks_ff_take(size_t size, size_t align, size_t cls) {
    char *blk = ks_ff_fit(size, align);
    if (!blk && ks_ff_grow(size + align + KS_FF_MIN_HOLE) == 0)
        blk = ks_ff_fit(size, align);
    if (!blk)
        return NULL;
    ((ks_ff_hdr_t *)blk)->cls = cls;
    return blk + KS_FF_HDR;
}

static void *ks_ff_alloc(size_t size, size_t align) {
    size_t need = ((size + 15) & ~(size_t)15) + KS_FF_HDR;
    unsigned cls = need <= 32 ? 0 : (unsigned)(64 - __builtin_clzll(need - 1)) - 5;
    void *p;
    ks_spin_lock(&ks_ff_lock);
    if (align <= 16 && cls < KS_FF_NCLS) {
        if ((p = ks_ff_class[cls]))
            ks_ff_class[cls] = *(void **)p;
        else
            p = ks_ff_take((size_t)32 << cls, 16, cls);
    } else {
        p = ks_ff_take(need, align < 16 ? 16 : align, KS_FF_NOCLASS);
    }
    ks_spin_unlock(&ks_ff_lock);
    return p;
}

static void *ks_ff_malloc(size_t size) { return ks_ff_alloc(size, 16); }

static void *ks_ff_memalign(size_t align, size_t size) { return ks_ff_alloc(size, align); }

static void ks_ff_free(void *p) {
    ks_ff_hdr_t *h = (ks_ff_hdr_t *)((char *)p - KS_FF_HDR);
    ks_spin_lock(&ks_ff_lock);
    if (h->cls < KS_FF_NCLS) {
        *(void **)p = ks_ff_class[h->cls];
        ks_ff_class[h->cls] = p;
    } else {
        ks_ff_insert((char *)h, h->size);
    }
    ks_spin_unlock(&ks_ff_lock);
}

static size_t ks_ff_usable(const void *p) {
    return ((const ks_ff_hdr_t *)((const char *)p - KS_FF_HDR))->size - KS_FF_HDR;
}

static int ks_ff_init(void) {
    ks_ff_base = ks_ff_top = ks_vm_reserve(KS_FF_REGION, (size_t)4096);
    return ks_ff_base ? 0 : -1;
}

const ks_alloc_ops_t ks_firstfit_ops = {
    .name = "first-fit",
    .init = ks_ff_init,
    .malloc = ks_ff_malloc,
    .free = ks_ff_free,
    .memalign = ks_ff_memalign,
    .usable_size = ks_ff_usable,
    .realloc = NULL,
};
