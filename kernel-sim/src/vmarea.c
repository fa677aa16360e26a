/* The kernel VM area: arena reservation, the VA-range manager over it (an
 * extent set in bytes under one spinlock) and the page table recording which
 * frame backs each arena page (0: unmapped). The arena is reserved readable
 * and writable without swap reservation; KS_DEBUG builds keep unmapped pages
 * PROT_NONE instead, so touching an unmapped page faults as it would. */
#include "ks_vm.h"

#include <stdatomic.h>
#include <sys/mman.h>

#include "ks_cpu.h"
#include "ks_extent.h"
#include "ks_page.h"

#define KS_VM_ALIGN ((size_t)1 << 30)

static uint32_t ks_pte[KS_VM_MAX_ARENA >> KS_PAGE_SHIFT]; /* frame, 0 = none */
static uintptr_t ks_arena_base;
static size_t ks_arena_size;
static ks_extent_set_t ks_va_free;
static ks_spinlock_t ks_va_lock = KS_SPINLOCK_INIT;
static atomic_uint_least64_t ks_mapped;

int ks_vm_boot(size_t size) {
    if (ks_arena_base || size == 0 || size % KS_VM_ALIGN || size > KS_VM_MAX_ARENA)
        return -1;
    int prot = KS_DEBUG ? PROT_NONE : PROT_READ | PROT_WRITE;
    char *raw =
        mmap(NULL, size + KS_VM_ALIGN, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED)
        return -1;
    uintptr_t base = ((uintptr_t)raw + KS_VM_ALIGN - 1) & ~(KS_VM_ALIGN - 1);
    if (base > (uintptr_t)raw)
        munmap(raw, base - (uintptr_t)raw);
    munmap((char *)base + size, (uintptr_t)raw + KS_VM_ALIGN - base);
    ks_arena_base = base;
    ks_arena_size = size;
    return ks_extent_insert(&ks_va_free, base, size) == 0 ? 0 : -1;
}

void ks_vm_arena(uintptr_t *base, size_t *size) {
    *base = ks_arena_base;
    *size = ks_arena_size;
}

void *ks_vm_reserve(size_t size, size_t align) {
    uintptr_t at = 0;
    if (size == 0 || size % KS_PAGE_SIZE || align < KS_PAGE_SIZE || (align & (align - 1)))
        return NULL;
    ks_spin_lock(&ks_va_lock);
    int rc = ks_extent_take(&ks_va_free, size, align, 0, &at);
    ks_spin_unlock(&ks_va_lock);
    return rc == 0 ? (void *)at : NULL;
}

void ks_vm_release(void *p, size_t size) {
    ks_vm_unmap(p, size);
    ks_spin_lock(&ks_va_lock);
    int rc = ks_extent_insert(&ks_va_free, (uintptr_t)p, size);
    ks_spin_unlock(&ks_va_lock);
    if (rc == -2)
        ks_panic("vm: releasing a range that is not reserved");
    if (rc != 0)
        ks_panic("vm: extent pool exhausted");
}

static size_t ks_pte_index(const void *p) {
    return ((uintptr_t)p - ks_arena_base) >> KS_PAGE_SHIFT;
}

bool ks_vm_is_mapped(const void *p) {
    uintptr_t a = (uintptr_t)p;
    return a - ks_arena_base < ks_arena_size && ks_pte[ks_pte_index(p)] != 0;
}

/* Frees the frames of pages [first, last) of the page table, in runs. */
static uint64_t ks_vm_drop(size_t first, size_t last) {
    uint64_t dropped = 0;
    for (size_t i = first; i < last;) {
        if (!ks_pte[i]) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < last && ks_pte[j] == ks_pte[j - 1] + 1)
            j++;
        ks_page_free(ks_pte[i], j - i);
        for (size_t k = i; k < j; k++)
            ks_pte[k] = 0;
        dropped += j - i;
        i = j;
    }
    return dropped;
}

#define KS_PTE_NEW 0x80000000u /* set while a ks_vm_map call may still undo it */

/* Fills unmapped entries of pages [first, last) with frames, marking them
 * new: returns the frames taken, or -1 when the page allocator ran dry. */
static int64_t ks_vm_fill(size_t first, size_t last, int gfp) {
    int64_t filled = 0;
    for (size_t i = first; i < last;) {
        if (ks_pte[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < last && !ks_pte[j])
            j++;
        ks_pfn_t pfn;
        uint64_t got = ks_page_alloc_upto(j - i, gfp, &pfn);
        if (got == 0)
            return -1;
        for (uint64_t k = 0; k < got; k++)
            ks_pte[i + k] = (uint32_t)(pfn + k) | KS_PTE_NEW;
        filled += (int64_t)got;
        i += got;
    }
    return filled;
}

/* Ends a ks_vm_map call: keeps (clears the marks) or frees the new frames. */
static void ks_vm_settle(size_t first, size_t last, bool keep) {
    for (size_t i = first; i < last; i++) {
        if (!(ks_pte[i] & KS_PTE_NEW))
            continue;
        if (!keep)
            ks_page_free(ks_pte[i] & ~KS_PTE_NEW, 1);
        ks_pte[i] = keep ? ks_pte[i] & ~KS_PTE_NEW : 0;
    }
}

int ks_vm_map(void *p, size_t size, int gfp) {
    size_t first = ks_pte_index(p), last = first + (size >> KS_PAGE_SHIFT);
    int64_t filled = ks_vm_fill(first, last, gfp);
    ks_vm_settle(first, last, filled >= 0);
    if (filled < 0)
        return -1;
    atomic_fetch_add_explicit(&ks_mapped, (uint64_t)filled, memory_order_relaxed);
    if (KS_DEBUG && filled)
        mprotect(p, size, PROT_READ | PROT_WRITE);
    return 0;
}

void ks_vm_unmap(void *p, size_t size) {
    /* Atomic-safe: frames go back under the page allocator's spinlock and the
     * model flushes no TLB (Linux's vunmap purges lazily too), so allocators
     * give pages back from inside their irq-off sections. */
    size_t first = ks_pte_index(p), last = first + (size >> KS_PAGE_SHIFT);
    uint64_t dropped = ks_vm_drop(first, last);
    atomic_fetch_sub_explicit(&ks_mapped, dropped, memory_order_relaxed);
    if (KS_DEBUG)
        mprotect(p, size, PROT_NONE);
    madvise(p, size, MADV_DONTNEED); /* even with no frames: lazy users touched it */
}

void ks_vm_map_zero(void *p, size_t size) {
    if (KS_DEBUG)
        mprotect(p, size, PROT_READ); /* never-written arena memory reads as zero */
}

uint64_t ks_vm_mapped_pages(void) { return atomic_load_explicit(&ks_mapped, memory_order_relaxed); }

void *ks_vmalloc(size_t size, size_t align) {
    size = (size + KS_PAGE_SIZE - 1) & ~(KS_PAGE_SIZE - 1);
    void *p = ks_vm_reserve(size, align < KS_PAGE_SIZE ? KS_PAGE_SIZE : align);
    if (p && ks_vm_map(p, size, KS_GFP_NORMAL) != 0) {
        ks_vm_release(p, size);
        p = NULL;
    }
    return p;
}

void ks_vfree(void *p, size_t size) {
    ks_vm_release(p, (size + KS_PAGE_SIZE - 1) & ~(KS_PAGE_SIZE - 1));
}
