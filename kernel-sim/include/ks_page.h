/* Simulated physical memory: page frames (pfns) in regions, handed out as
 * runs by a page allocator with two zones: low (frames below the simulated
 * 4 GiB line, for devices that need them) and normal. Regions can be added
 * after boot (hotplug). Frames are accounting tokens: the memory a mapped
 * frame stands for is the real arena page it is mapped at (see ks_vm.h). */
#ifndef KS_PAGE_H
#define KS_PAGE_H

#include <stddef.h>
#include <stdint.h>

#define KS_PAGE_SHIFT    12
#define KS_PAGE_SIZE     ((size_t)1 << KS_PAGE_SHIFT)
#define KS_LOW_LIMIT_PFN (((uint64_t)4 << 30) >> KS_PAGE_SHIFT) /* the 4 GiB line */
#define KS_MAX_REGIONS   32

typedef uint64_t ks_pfn_t;

enum { KS_GFP_NORMAL = 0, KS_GFP_LOW = 1 /* only frames below the 4 GiB line */ };

typedef struct ks_page_stats {
    uint64_t total;     /* frames in all regions */
    uint64_t free;      /* frames not handed out */
    uint64_t low_total; /* frames below the 4 GiB line */
    uint64_t low_free;
    int regions;
} ks_page_stats_t;

/* Boots with mib MiB of simulated RAM laid out as a PC's: a low region
 * [1 MiB, 3 GiB) and the rest above 4 GiB. Returns 0 or -1. */
int ks_page_boot(uint64_t mib);

/* Adds frames [pfn, pfn+n) (must not overlap a region). Returns 0 or -1. */
int ks_page_add_region(ks_pfn_t pfn, uint64_t n);

/* A contiguous run of exactly n frames; returns 0 and *pfn, or -1. */
int ks_page_alloc_run(uint64_t n, int gfp, ks_pfn_t *pfn);

/* A run of 1..n frames (the first free run, normal zone first unless
 * KS_GFP_LOW): returns the frames taken, 0 when none is free. */
uint64_t ks_page_alloc_upto(uint64_t n, int gfp, ks_pfn_t *pfn);

/* Gives frames [pfn, pfn+n) back. Freeing a free frame panics. */
void ks_page_free(ks_pfn_t pfn, uint64_t n);

void ks_page_get_stats(ks_page_stats_t *st);

#endif /* KS_PAGE_H */
