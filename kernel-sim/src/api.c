/* kernel_alloc_init / kernel_malloc / ...: boot of the model and dispatch
 * to the selected allocator through its ops table. Argument checks that the
 * user-space API makes (overflow, bad alignment, size 0) live here, once for
 * every allocator; live bytes are counted per CPU without atomics. Each call
 * into an allocator, its per-CPU paths and the live-byte count, runs with
 * interrupts off (ks_irq_save/restore), as kmalloc's per-CPU caches do
 * (mm/slab.c's slab_alloc; SLUB's slow path). */
#include "ks_kernel.h"

#include <stdatomic.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_cpu.h"
#include "ks_page.h"
#include "ks_vm.h"

const char *const ks_alloc_names[] = {"mpalloc", "buddy-slab", "magazine", "first-fit", NULL};
static const ks_alloc_ops_t *const ks_all_ops[] = {&ks_mpalloc_ops, &ks_buddy_slab_ops,
                                                   &ks_magazine_ops, &ks_firstfit_ops};
static ks_alloc_ops_t ks_ops;
static bool ks_booted, ks_selected;
static bool ks_live_on = true;
static struct {
    _Alignas(64) atomic_llong bytes; /* written only by its CPU */
} ks_live[KS_MAX_CPUS];

int ks_boot(const ks_boot_config_t *cfg) {
    uint64_t mib = cfg && cfg->phys_mib ? cfg->phys_mib : 4096;
    size_t gib = cfg && cfg->arena_gib ? cfg->arena_gib : 16;
    if (ks_booted)
        return -1;
    ks_cpu_cores();
    if (ks_page_boot(mib) != 0 || ks_vm_boot(gib << 30) != 0)
        return -1;
    ks_booted = true;
    return 0;
}

int kernel_alloc_init(const char *name) {
    if (ks_selected || (!ks_booted && ks_boot(NULL) != 0))
        return -1;
    if (!name || !*name)
        name = "mpalloc";
    for (size_t i = 0; ks_alloc_names[i]; i++) {
        if (strcmp(name, ks_alloc_names[i]) != 0)
            continue;
        if (ks_all_ops[i]->init() != 0)
            return -1;
        ks_ops = *ks_all_ops[i];
        ks_selected = true;
        return 0;
    }
    return -1;
}

const char *kernel_alloc_name(void) { return ks_selected ? ks_ops.name : NULL; }

void kernel_track_live(int on) { ks_live_on = on != 0; }

static inline void ks_live_add(long long n) {
    atomic_llong *b = &ks_live[ks_cpu_id()].bytes;
    atomic_store_explicit(b, atomic_load_explicit(b, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

void *kernel_malloc(size_t size) {
    if (__builtin_expect(size > KS_ALLOC_MAX, 0))
        return NULL;
    unsigned long flags = ks_irq_save();
    void *p = ks_ops.malloc(size ? size : 1);
    if (ks_live_on && p)
        ks_live_add((long long)ks_ops.usable_size(p));
    ks_irq_restore(flags);
    return p;
}

void kernel_free(void *p) {
    if (!p)
        return;
    unsigned long flags = ks_irq_save();
    if (ks_live_on)
        ks_live_add(-(long long)ks_ops.usable_size(p));
    ks_ops.free(p);
    ks_irq_restore(flags);
}

void *kernel_calloc(size_t n, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        return NULL;
    void *p = kernel_malloc(total);
    if (p)
        memset(p, 0, total);
    return p;
}

size_t kernel_usable_size(const void *p) { return p ? ks_ops.usable_size(p) : 0; }

void *kernel_memalign(size_t align, size_t size) {
    if (align == 0 || (align & (align - 1)) || size > KS_ALLOC_MAX || align > KS_ALLOC_MAX)
        return NULL;
    unsigned long flags = ks_irq_save();
    void *p = ks_ops.memalign(align, size ? size : 1);
    if (ks_live_on && p)
        ks_live_add((long long)ks_ops.usable_size(p));
    ks_irq_restore(flags);
    return p;
}

/* Moves the object: allocate, copy the smaller size, free. */
static void *ks_realloc_copy(void *p, size_t size) {
    size_t old = ks_ops.usable_size(p);
    if (old >= size && old / 2 <= size)
        return p;
    void *q = kernel_malloc(size);
    if (q) {
        memcpy(q, p, old < size ? old : size);
        kernel_free(p);
    }
    return q;
}

void *kernel_realloc(void *p, size_t size) {
    if (!p)
        return kernel_malloc(size);
    if (size == 0) {
        kernel_free(p);
        return NULL;
    }
    if (size > KS_ALLOC_MAX)
        return NULL;
    if (!ks_ops.realloc)
        return ks_realloc_copy(p, size);
    unsigned long flags = ks_irq_save();
    long long before = ks_live_on ? (long long)ks_ops.usable_size(p) : 0;
    void *q = ks_ops.realloc(p, size);
    if (ks_live_on && q)
        ks_live_add((long long)ks_ops.usable_size(q) - before);
    ks_irq_restore(flags);
    return q;
}

void kernel_heap_stats(ks_heap_stats_t *st) {
    ks_page_stats_t ps;
    ks_page_get_stats(&ps);
    st->total_pages = ps.total;
    st->free_pages = ps.free;
    st->used_pages = ps.total - ps.free;
    st->heap_pages = ks_vm_mapped_pages();
    st->bytes_live = 0;
    for (int i = 0; i < KS_MAX_CPUS; i++)
        st->bytes_live += atomic_load_explicit(&ks_live[i].bytes, memory_order_relaxed);
    if (!ks_live_on)
        st->bytes_live = -1;
}
