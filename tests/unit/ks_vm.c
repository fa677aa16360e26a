/* kernel-sim internals: the extent sets (split, coalesce, exhaustion), the
 * physical page allocator (runs, low zone, regions added after boot), the
 * VM area (reserve, map on demand, unmap) and the kernel PAL's contract as
 * mpalloc's core relies on it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "ks_extent.h"
#include "ks_kernel.h"
#include "ks_page.h"
#include "ks_vm.h"
#include "pal/pal.h"

Test(ks_extent, split_and_coalesce) {
    ks_extent_set_t s = {0};
    uintptr_t a, b, c;
    size_t nodes = ks_extent_pool_used();
    cr_assert_eq(ks_extent_insert(&s, 1000, 100), 0);
    cr_assert_eq(ks_extent_take(&s, 10, 1, 0, &a), 0);
    cr_assert_eq(ks_extent_take(&s, 10, 16, 0, &b), 0);
    cr_assert_eq(a, 1000);
    cr_assert_eq(b % 16, 0);
    cr_assert_eq(ks_extent_take(&s, 10, 1, 0, &c), 0);
    cr_assert_eq(s.free, 70);
    cr_assert_eq(ks_extent_insert(&s, b, 10), 0);
    cr_assert_eq(ks_extent_insert(&s, a, 10), 0);
    cr_assert_eq(ks_extent_insert(&s, c, 10), 0);
    cr_assert_eq(s.count, 1, "all merged back into one extent");
    cr_assert_eq(s.free, 100);
    cr_assert_eq(s.head->start, 1000);
    cr_assert_eq(ks_extent_pool_used(), nodes + 1, "merged extents give their nodes back");
    cr_assert_eq(ks_extent_insert(&s, 1050, 10), -2, "overlap is a double free");
}

Test(ks_extent, exhaustion) {
    ks_extent_set_t s = {0};
    uintptr_t a;
    cr_assert_eq(ks_extent_insert(&s, 0, 64), 0);
    cr_assert_eq(ks_extent_take(&s, 65, 1, 0, &a), -1);
    cr_assert_eq(ks_extent_take(&s, 64, 1, 0, &a), 0);
    cr_assert_eq(ks_extent_take(&s, 1, 1, 0, &a), -1);
    cr_assert_eq(s.count, 0);
    cr_assert_eq(ks_extent_take_upto(&s, 5, 0, 0, &a), 0);
}

Test(ks_extent, node_pool_runs_out) {
    ks_extent_set_t s = {0};
    int rc = 0;
    for (uintptr_t i = 0; i < KS_EXTENT_POOL + 10 && rc == 0; i++)
        rc = ks_extent_insert(&s, i * 2, 1); /* never touching: one node each */
    cr_assert_eq(rc, -1, "pool exhaustion is reported, not a crash");
}

Test(ks_page, runs_low_zone_and_hotplug) {
    cr_assert_eq(ks_page_boot(64), 0);
    ks_page_stats_t st;
    ks_page_get_stats(&st);
    cr_assert_eq(st.total, (64u << 8) - 256, "64 MiB less the first MiB");
    cr_assert_eq(st.low_total, st.total);
    ks_pfn_t a, b;
    cr_assert_eq(ks_page_alloc_run(100, KS_GFP_NORMAL, &a), 0);
    cr_assert_eq(ks_page_alloc_run(st.total, KS_GFP_NORMAL, &b), -1, "too long a run");
    /* Hotplug a region above 4 GiB: normal allocations now prefer it. */
    cr_assert_eq(ks_page_add_region(KS_LOW_LIMIT_PFN + 1000, 512), 0);
    cr_assert_eq(ks_page_add_region(KS_LOW_LIMIT_PFN + 1200, 10), -1, "overlap refused");
    cr_assert_eq(ks_page_alloc_run(64, KS_GFP_NORMAL, &b), 0);
    cr_assert_geq(b, KS_LOW_LIMIT_PFN);
    cr_assert_eq(ks_page_alloc_run(64, KS_GFP_LOW, &b), 0);
    cr_assert_lt(b + 64, KS_LOW_LIMIT_PFN + 1);
    ks_pfn_t c;
    uint64_t got = ks_page_alloc_upto(1000, KS_GFP_NORMAL, &c);
    cr_assert_eq(got, 512 - 64, "the rest of the high region, as one run");
    ks_page_free(a, 100);
    ks_page_free(b, 64);
    ks_page_free(c, got);
    ks_page_get_stats(&st);
    cr_assert_eq(st.free, st.total - 64);
    cr_assert_eq(st.regions, 2);
}

Test(ks_vm, map_on_demand_and_unmap) {
    ks_boot_config_t cfg = {.phys_mib = 16, .arena_gib = 1};
    cr_assert_eq(ks_boot(&cfg), 0);
    char *p = ks_vm_reserve(1 << 20, 1 << 20);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p % (1 << 20), 0);
    cr_assert_eq(ks_vm_mapped_pages(), 0);
    cr_assert_eq(ks_vm_map(p + 8192, 3 * 4096, KS_GFP_NORMAL), 0);
    cr_assert_eq(ks_vm_mapped_pages(), 3);
    cr_assert(ks_vm_is_mapped(p + 8192) && !ks_vm_is_mapped(p));
    cr_assert_eq(ks_vm_map(p, 4 * 4096, KS_GFP_NORMAL), 0, "overlapping map is fine");
    cr_assert_eq(ks_vm_mapped_pages(), 5);
    memset(p, 7, 5 * 4096);
    ks_vm_unmap(p, 1 << 20);
    cr_assert_eq(ks_vm_mapped_pages(), 0);
    cr_assert_eq(p[4096], 0, "unmapped memory reads as zero");
    /* 16 MiB of RAM: a 32 MiB map fails and leaves nothing mapped. */
    char *big = ks_vm_reserve(32 << 20, 4096);
    cr_assert_eq(ks_vm_map(big, 32 << 20, KS_GFP_NORMAL), -1);
    cr_assert_eq(ks_vm_mapped_pages(), 0);
    ks_vm_release(big, 32 << 20);
    ks_vm_release(p, 1 << 20);
    cr_assert_null(ks_vm_reserve((size_t)2 << 30, 4096), "VA exhaustion gives NULL");
}

Test(ks_pal, contract) {
    cr_assert_eq(ks_boot(&(ks_boot_config_t){.phys_mib = 64, .arena_gib = 2}), 0);
    uintptr_t base, hb;
    size_t size, hs;
    ks_vm_arena(&base, &size);
    mpa_pal_heap_range(&hb, &hs);
    cr_assert(hb == base && hs == size, "the heap range is the arena");
    cr_assert_eq(mpa_pal_page_size(), 4096);
    char *p = mpa_pal_reserve_aligned(1 << 22);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p % (1 << 22), 0);
    cr_assert((uintptr_t)p >= base && (uintptr_t)p + (1 << 22) <= base + size);
    mpa_pal_notify_using(p, 1 << 16);
    cr_assert_eq(ks_vm_mapped_pages(), 16, "commit maps frames");
    memset(p, 1, 1 << 16);
    mpa_pal_notify_not_using(p, 1 << 16);
    cr_assert_eq(ks_vm_mapped_pages(), 0, "decommit unmaps them");
    cr_assert(mpa_pal_features() & MPA_PAL_ZERO_ON_DECOMMIT);
    cr_assert_eq(p[100], 0, "decommitted memory reads as zero");
    cr_assert_neq(mpa_pal_entropy(), mpa_pal_entropy());
    uint64_t t = mpa_pal_time_ms();
    cr_assert_geq(mpa_pal_time_ms(), t);
    mpa_pal_release(p, 1 << 22);
    cr_assert_null(mpa_pal_reserve((size_t)4 << 30), "more than the arena: NULL");
}

Test(ks_pal, error_aborts, .signal = SIGABRT) { mpa_pal_error("mpalloc: test error line"); }
