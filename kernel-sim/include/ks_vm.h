/* The kernel VM area: one large reserved range, the "kernel heap arena".
 * Virtual ranges in it are handed out by a free-list VA-range manager
 * (extents split and coalesced, nodes from a static pool); physical frames
 * are mapped into ranges on demand, recorded in a static page table, and
 * unmapped (frames freed, real memory madvised away) when released. */
#ifndef KS_VM_H
#define KS_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS_VM_MAX_ARENA ((size_t)64 << 30) /* largest arena the page table covers */

/* Reserves the arena (size: a multiple of 1 GiB, at most KS_VM_MAX_ARENA),
 * aligned to 1 GiB. Returns 0 or -1. */
int ks_vm_boot(size_t size);

/* The arena's range. */
void ks_vm_arena(uintptr_t *base, size_t *size);

/* Reserves size bytes of VA aligned to align (powers of two, at least a
 * page; size a page multiple). Nothing is mapped. NULL when VA runs out. */
void *ks_vm_reserve(size_t size, size_t align);

/* Returns a reserved range (unmapping what is still mapped in it). */
void ks_vm_release(void *p, size_t size);

/* Maps frames under every unmapped page of [p, p+size), taking them from the
 * page allocator (gfp: KS_GFP_*). Returns 0, or -1 with nothing new mapped
 * when frames run out. pre: page-aligned, reserved. */
int ks_vm_map(void *p, size_t size, int gfp);

/* Unmaps [p, p+size): frames go back, the range reads as zero afterwards.
 * May sleep (it is a TLB shootdown in a real kernel). */
void ks_vm_unmap(void *p, size_t size);

/* Makes [p, p+size) readable as zeros without mapping frames (the shared
 * zero page): for tables read before they are written. */
void ks_vm_map_zero(void *p, size_t size);

/* True when the page holding p is mapped. */
bool ks_vm_is_mapped(const void *p);

/* Frames mapped into the arena now (every allocator's pages held). */
uint64_t ks_vm_mapped_pages(void);

/* Reserves and maps size bytes (vmalloc); NULL when VA or frames run out. */
void *ks_vmalloc(size_t size, size_t align);

/* Unmaps and releases what ks_vmalloc returned. */
void ks_vfree(void *p, size_t size);

/* Big objects for the baselines (beyond their largest block): vmalloc'd with
 * a header page before the object; align a power of two. */
void *ks_vbig_alloc(size_t size, size_t align);
void ks_vbig_free(void *p);
size_t ks_vbig_size(const void *p);

#endif /* KS_VM_H */
