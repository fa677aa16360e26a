/* mpalloc behind the kernel API: the mpa_* entry points of the same core
 * that libmpalloc is built from, compiled for this model with the kernel PAL
 * (kernel-sim/pal/pal_kernel.c). Its per-thread state is per-CPU state,
 * one thread being pinned per simulated CPU. */
#include "ks_alloc.h"

#include "mpalloc.h"

static int ks_mp_init(void) {
    void *p = mpa_malloc(16); /* first call sets the core up, inside the arena */
    mpa_free(p);
    return p ? 0 : -1;
}

static void *ks_mp_memalign(size_t align, size_t size) { return mpa_memalign(align, size); }

const ks_alloc_ops_t ks_mpalloc_ops = {
    .name = "mpalloc",
    .init = ks_mp_init,
    .malloc = mpa_malloc,
    .free = mpa_free,
    .memalign = ks_mp_memalign,
    .usable_size = mpa_malloc_usable_size,
    .realloc = mpa_realloc,
};
