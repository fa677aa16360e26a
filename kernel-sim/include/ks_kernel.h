/* The simulated kernel's heap API. kernel_alloc_init() boots the model
 * (physical memory, VM area) if needed and selects the allocator, once,
 * before any allocation. The rest has the semantics of the user-space
 * counterparts: NULL on exhaustion or bad arguments, never a crash. */
#ifndef KS_KERNEL_H
#define KS_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Simulated machine; zero fields take the defaults. */
typedef struct ks_boot_config {
    uint64_t phys_mib; /* simulated RAM in MiB (default 4096) */
    size_t arena_gib;  /* kernel heap arena in GiB (default 16) */
} ks_boot_config_t;

/* Boots physical memory and the VM area. Returns 0, or -1 (already booted
 * or the arena could not be reserved). kernel_alloc_init boots with the
 * defaults when this was not called. */
int ks_boot(const ks_boot_config_t *cfg);

/* Names of the allocators kernel_alloc_init accepts, NULL-terminated:
 * "mpalloc", "buddy-slab", "magazine", "first-fit". */
extern const char *const ks_alloc_names[];

/* Selects the allocator by name (NULL or "": mpalloc). Returns 0, or -1 for
 * an unknown name, a second call, or an allocator that failed to start. */
int kernel_alloc_init(const char *name);

/* Name of the selected allocator (NULL before kernel_alloc_init). */
const char *kernel_alloc_name(void);

void *kernel_malloc(size_t size);
void kernel_free(void *p);
void *kernel_calloc(size_t n, size_t size);
void *kernel_realloc(void *p, size_t size);
/* align: a power of two; NULL otherwise. */
void *kernel_memalign(size_t align, size_t size);
/* Bytes usable at p (at least what was asked). */
size_t kernel_usable_size(const void *p);

typedef struct ks_heap_stats {
    uint64_t total_pages; /* frames of simulated RAM */
    uint64_t free_pages;  /* frames not handed out */
    uint64_t used_pages;  /* frames handed out */
    uint64_t heap_pages;  /* frames mapped into the kernel heap arena */
    int64_t bytes_live;   /* usable bytes of live objects (-1: not tracked) */
} ks_heap_stats_t;

void kernel_heap_stats(ks_heap_stats_t *st);

/* Live-byte tracking costs a usable_size lookup per call; it is on by
 * default and the benchmark turns it off while it times. */
void kernel_track_live(int on);

#endif /* KS_KERNEL_H */
