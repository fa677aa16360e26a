/* kernel-sim: every allocator behind the kernel API (mpalloc through its
 * kernel PAL and the three baselines) — single-CPU semantics, concurrent
 * allocation with remote frees and content checks on simulated CPUs, and
 * exhaustion returning NULL. Each Criterion test runs in its own process,
 * so each boots its own simulated kernel. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "ks_cpu.h"
#include "ks_kernel.h"

static void fill(unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static int check(const unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return 0;
    return 1;
}

static void semantics(const char *name) {
    cr_assert_eq(kernel_alloc_init(name), 0, "init %s", name);
    cr_assert_str_eq(kernel_alloc_name(), name);
    cr_assert_neq(kernel_alloc_init(name), 0, "second init must fail");
    void *keep[64];
    for (unsigned i = 0; i < 64; i++) {
        size_t size = (size_t)1 << (i % 22);
        keep[i] = kernel_malloc(size);
        cr_assert_not_null(keep[i], "%s malloc(%zu)", name, size);
        cr_assert_geq(kernel_usable_size(keep[i]), size);
        cr_assert_eq((uintptr_t)keep[i] % (size < 16 ? 8 : 16), 0);
        fill(keep[i], size < 4096 ? size : 4096, i);
    }
    for (unsigned i = 0; i < 64; i++) {
        size_t size = (size_t)1 << (i % 22);
        cr_assert(check(keep[i], size < 4096 ? size : 4096, i), "%s content %u", name, i);
        kernel_free(keep[i]);
    }
    unsigned char *z = kernel_calloc(100, 37);
    cr_assert_not_null(z);
    for (size_t i = 0; i < 3700; i++)
        cr_assert_eq(z[i], 0);
    fill(z, 3700, 3);
    z = kernel_realloc(z, 20000);
    cr_assert_not_null(z);
    cr_assert(check(z, 3700, 3), "%s realloc keeps content", name);
    z = kernel_realloc(z, 10);
    cr_assert(check(z, 10, 3));
    kernel_free(z);
    for (size_t a = 8; a <= ((size_t)1 << 22); a <<= 1) {
        void *p = kernel_memalign(a, 100);
        cr_assert_not_null(p, "%s memalign(%zu)", name, a);
        cr_assert_eq((uintptr_t)p % a, 0, "%s memalign(%zu) = %p", name, a, p);
        kernel_free(p);
    }
    cr_assert_null(kernel_memalign(24, 100));
    cr_assert_null(kernel_malloc(SIZE_MAX - 10));
    cr_assert_null(kernel_calloc(SIZE_MAX / 2, 3));
    kernel_free(NULL);
    ks_heap_stats_t st;
    kernel_heap_stats(&st);
    cr_assert_eq(st.bytes_live, 0, "%s bytes live after all frees: %lld", name,
                 (long long)st.bytes_live);
}

Test(ks_alloc, semantics_mpalloc) { semantics("mpalloc"); }
Test(ks_alloc, semantics_buddy_slab) { semantics("buddy-slab"); }
Test(ks_alloc, semantics_magazine) { semantics("magazine"); }
Test(ks_alloc, semantics_first_fit) { semantics("first-fit"); }

Test(ks_alloc, unknown_name) { cr_assert_neq(kernel_alloc_init("nope"), 0); }

/* ---- concurrent: CPU i allocates, CPU i+1 checks and frees ---- */

#define KS_T_OBJS   2000
#define KS_T_ROUNDS 6
static void *ks_t_slots[KS_MAX_CPUS][KS_T_OBJS];
static atomic_int ks_t_errors;

static size_t ks_t_size(int cpu, int i, int round) {
    return (size_t)8 << ((cpu * 3 + i + round) % 12); /* 8 B .. 16 KiB */
}

static void ks_t_work(int cpu, void *arg) {
    (void)arg;
    int n = ks_cpus_online();
    for (int round = 0; round < KS_T_ROUNDS; round++) {
        for (int i = 0; i < KS_T_OBJS; i++) {
            size_t s = ks_t_size(cpu, i, round);
            unsigned char *p = kernel_malloc(s);
            if (!p) {
                atomic_fetch_add(&ks_t_errors, 1);
                continue;
            }
            fill(p, s < 64 ? s : 64, (unsigned)(cpu + i));
            ks_t_slots[cpu][i] = p;
        }
        ks_cpu_barrier();
        int from = (cpu + 1) % n; /* free a neighbour's objects: remote frees */
        for (int i = 0; i < KS_T_OBJS; i++) {
            unsigned char *p = ks_t_slots[from][i];
            size_t s = ks_t_size(from, i, round);
            if (p && !check(p, s < 64 ? s : 64, (unsigned)(from + i)))
                atomic_fetch_add(&ks_t_errors, 1);
            kernel_free(p);
        }
        ks_cpu_barrier();
        memset(ks_t_slots[from], 0, sizeof ks_t_slots[from]);
        ks_cpu_barrier();
    }
}

static void concurrent(const char *name) {
    cr_assert_eq(kernel_alloc_init(name), 0);
    int n = ks_cpu_cores() < 2 ? 2 : ks_cpu_cores();
    cr_assert_eq(ks_cpus_start(n > 4 ? 4 : n, true), 0);
    ks_cpus_run(ks_t_work, NULL);
    ks_cpus_stop();
    cr_assert_eq(atomic_load(&ks_t_errors), 0, "%s: %d bad objects", name,
                 atomic_load(&ks_t_errors));
    ks_heap_stats_t st;
    kernel_heap_stats(&st);
    cr_assert_eq(st.bytes_live, 0);
}

Test(ks_alloc, concurrent_mpalloc) { concurrent("mpalloc"); }
Test(ks_alloc, concurrent_buddy_slab) { concurrent("buddy-slab"); }
Test(ks_alloc, concurrent_magazine) { concurrent("magazine"); }
Test(ks_alloc, concurrent_first_fit) { concurrent("first-fit"); }

/* ---- exhaustion: a small machine runs out and says NULL ---- */

static void exhaustion(const char *name, size_t size) {
    ks_boot_config_t cfg = {.phys_mib = 64, .arena_gib = 4};
    cr_assert_eq(ks_boot(&cfg), 0);
    cr_assert_eq(kernel_alloc_init(name), 0);
    static void *held[65536];
    size_t n = 0;
    while (n < 65536 && (held[n] = kernel_malloc(size)) != NULL)
        memset(held[n++], 1, 64);
    cr_assert_lt(n, 65536, "%s never ran out", name);
    cr_assert_gt(n, 0);
    for (size_t i = 0; i < n; i++)
        kernel_free(held[i]);
    void *again = kernel_malloc(size);
    cr_assert_not_null(again, "%s: memory came back after the frees", name);
    kernel_free(again);
}

Test(ks_alloc, exhaustion_buddy_slab) { exhaustion("buddy-slab", 1 << 20); }
Test(ks_alloc, exhaustion_magazine) { exhaustion("magazine", 1 << 20); }
Test(ks_alloc, exhaustion_first_fit) { exhaustion("first-fit", 1 << 20); }
Test(ks_alloc, exhaustion_small_objects_buddy_slab) { exhaustion("buddy-slab", 2048); }
/* mpalloc commits through the kernel PAL, so physical pages run out first. */
Test(ks_alloc, exhaustion_mpalloc) { exhaustion("mpalloc", 1 << 20); }
Test(ks_alloc, exhaustion_small_objects_mpalloc) { exhaustion("mpalloc", 2048); }
