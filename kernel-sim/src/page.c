/* The physical page allocator: one extent set of free frames per zone
 * (low: below the 4 GiB line; normal: above), each under its own spinlock.
 * Normal allocations try the normal zone first and fall back to low, as
 * Linux does; KS_GFP_LOW ones use only the low zone. */
#include "ks_page.h"

#include "ks_cpu.h"
#include "ks_extent.h"

enum { KS_ZONE_LOW, KS_ZONE_NORMAL, KS_NZONES };

typedef struct ks_zone {
    ks_spinlock_t lock;
    ks_extent_set_t free; /* free frames, in pfn units */
    uint64_t total;
} ks_zone_t;

static ks_zone_t ks_zones[KS_NZONES];
static struct {
    ks_pfn_t pfn;
    uint64_t n;
} ks_regions[KS_MAX_REGIONS];
static int ks_nregions;
static ks_spinlock_t ks_region_lock = KS_SPINLOCK_INIT;

static int ks_zone_add(int z, ks_pfn_t pfn, uint64_t n) {
    ks_zone_t *zone = &ks_zones[z];
    ks_spin_lock(&zone->lock);
    int rc = ks_extent_insert(&zone->free, pfn, n);
    if (rc == 0)
        zone->total += n;
    ks_spin_unlock(&zone->lock);
    return rc;
}

static bool ks_region_overlaps(ks_pfn_t pfn, uint64_t n) {
    for (int i = 0; i < ks_nregions; i++)
        if (pfn < ks_regions[i].pfn + ks_regions[i].n && ks_regions[i].pfn < pfn + n)
            return true;
    return false;
}

int ks_page_add_region(ks_pfn_t pfn, uint64_t n) {
    int rc = -1;
    if (n == 0 || pfn == 0) /* frame 0 stays invalid: 0 means "unmapped" */
        return -1;
    ks_spin_lock(&ks_region_lock);
    if (ks_nregions < KS_MAX_REGIONS && !ks_region_overlaps(pfn, n)) {
        ks_pfn_t end = pfn + n, cut = KS_LOW_LIMIT_PFN;
        rc = 0;
        if (pfn < cut)
            rc |= ks_zone_add(KS_ZONE_LOW, pfn, (end < cut ? end : cut) - pfn);
        if (end > cut)
            rc |= ks_zone_add(KS_ZONE_NORMAL, pfn > cut ? pfn : cut, end - (pfn > cut ? pfn : cut));
        if (rc == 0)
            ks_regions[ks_nregions++].pfn = pfn, ks_regions[ks_nregions - 1].n = n;
    }
    ks_spin_unlock(&ks_region_lock);
    return rc;
}

int ks_page_boot(uint64_t mib) {
    uint64_t frames = mib << (20 - KS_PAGE_SHIFT);
    ks_pfn_t low_start = (1u << 20) >> KS_PAGE_SHIFT,
             low_end = ((uint64_t)3 << 30) >> KS_PAGE_SHIFT;
    if (frames <= low_start)
        return -1;
    uint64_t low = frames < low_end ? frames - low_start : low_end - low_start;
    if (ks_page_add_region(low_start, low) != 0)
        return -1;
    if (frames - low_start > low)
        return ks_page_add_region(KS_LOW_LIMIT_PFN, frames - low_start - low);
    return 0;
}

static uint64_t ks_zone_take(int z, uint64_t n, bool exact, ks_pfn_t *pfn) {
    ks_zone_t *zone = &ks_zones[z];
    uintptr_t at = 0, got;
    ks_spin_lock(&zone->lock);
    if (exact)
        got = ks_extent_take(&zone->free, n, 1, 0, &at) == 0 ? n : 0;
    else
        got = ks_extent_take_upto(&zone->free, n, 0, 0, &at);
    ks_spin_unlock(&zone->lock);
    *pfn = at;
    return got;
}

int ks_page_alloc_run(uint64_t n, int gfp, ks_pfn_t *pfn) {
    if (!(gfp & KS_GFP_LOW) && ks_zone_take(KS_ZONE_NORMAL, n, true, pfn))
        return 0;
    return ks_zone_take(KS_ZONE_LOW, n, true, pfn) ? 0 : -1;
}

uint64_t ks_page_alloc_upto(uint64_t n, int gfp, ks_pfn_t *pfn) {
    uint64_t got = 0;
    if (!(gfp & KS_GFP_LOW))
        got = ks_zone_take(KS_ZONE_NORMAL, n, false, pfn);
    return got ? got : ks_zone_take(KS_ZONE_LOW, n, false, pfn);
}

void ks_page_free(ks_pfn_t pfn, uint64_t n) {
    while (n > 0) {
        int z = pfn < KS_LOW_LIMIT_PFN ? KS_ZONE_LOW : KS_ZONE_NORMAL;
        uint64_t part = z == KS_ZONE_LOW && pfn + n > KS_LOW_LIMIT_PFN ? KS_LOW_LIMIT_PFN - pfn : n;
        ks_spin_lock(&ks_zones[z].lock);
        int rc = ks_extent_insert(&ks_zones[z].free, pfn, part);
        ks_spin_unlock(&ks_zones[z].lock);
        if (rc == -2)
            ks_panic("page allocator: freeing a free frame");
        if (rc != 0)
            ks_panic("page allocator: extent pool exhausted");
        pfn += part;
        n -= part;
    }
}

void ks_page_get_stats(ks_page_stats_t *st) {
    st->low_total = ks_zones[KS_ZONE_LOW].total;
    st->low_free = ks_zones[KS_ZONE_LOW].free.free;
    st->total = st->low_total + ks_zones[KS_ZONE_NORMAL].total;
    st->free = st->low_free + ks_zones[KS_ZONE_NORMAL].free.free;
    st->regions = ks_nregions;
}
