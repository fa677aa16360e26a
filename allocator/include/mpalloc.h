/* mpalloc public API.
 * The library exports the standard malloc family (malloc, free, ...) when
 * built as a drop-in allocator, and always exports the same functions under
 * an `mpa_` prefix, plus statistics and the mspace API. This is the only
 * public header: everything else lives in allocator/src/. */
#ifndef MPALLOC_H
#define MPALLOC_H

#include <stddef.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h> /* struct mallinfo, struct mallinfo2 */
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define MPA_VERSION "0.1.0"

void *mpa_malloc(size_t size);
void mpa_free(void *p);
void *mpa_calloc(size_t n, size_t size);
void *mpa_realloc(void *p, size_t size);
void *mpa_reallocarray(void *p, size_t n, size_t size);
int mpa_posix_memalign(void **out, size_t alignment, size_t size);
void *mpa_aligned_alloc(size_t alignment, size_t size);
void *mpa_memalign(size_t alignment, size_t size);
void *mpa_valloc(size_t size);
void *mpa_pvalloc(size_t size);
size_t mpa_malloc_usable_size(const void *p);
void mpa_free_sized(void *p, size_t size);
void mpa_free_aligned_sized(void *p, size_t alignment, size_t size);
/* Gives every cached byte back to the OS at once (glibc's malloc_trim;
 * pad is ignored). Returns 1 when memory was given back, else 0. */
int mpa_malloc_trim(size_t pad);

#ifdef __GLIBC__
/* glibc's heap reports with mpalloc's figures (also exported under glibc's
 * names): arena = committed bytes outside huge blocks (those mapped alone,
 * reported as hblks/hblkhd, glibc's mmapped chunks), uordblks = live bytes
 * in the arena, fordblks = the rest of it (free slab space, thread caches,
 * cached blocks), keepcost = what malloc_trim would give back now,
 * smblks/fsmblks = the calling thread's fast lists (objects, bytes),
 * ordblks = cached free blocks. mallinfo saturates at INT_MAX. */
struct mallinfo2 mpa_mallinfo2(void);
struct mallinfo mpa_mallinfo(void);
#endif
/* glibc's malloc_info: the figures above as glibc's XML to fp; options must
 * be 0. Returns 0, or -1 with errno set (EINVAL, EIO). */
int mpa_malloc_info(int options, FILE *fp);
/* glibc's malloc_stats: arena, in-use and mmap figures to stderr. */
void mpa_malloc_stats(void);

/* Writes a JSON object (live bytes, committed bytes, per-class counts) into
 * buf, at most len bytes including the NUL. Returns the length it needed,
 * like snprintf; never allocates. */
size_t mpa_stats_json_r(char *buf, size_t len);

/* Returns a NUL-terminated JSON object in a static buffer that the next call
 * overwrites (not thread-safe across callers); never allocates. */
const char *mpa_stats_json(void);

/* The library's build record: a constant JSON object (build_id, source_id,
 * commit, dirty, flags, compiler, every tunable as compiled, ...), also in
 * the file's ".mpa_build" section. Never allocates; safe at any time. */
const char *mpa_build_info(void);

/* ---- mspaces: isolated heaps (dlmalloc's API) ----
 * Each mspace allocates from its own block of address space, so objects of
 * different mspaces never share a slab or a page, and destroy_mspace gives
 * every byte back to the OS at once, whatever is still allocated in it.
 * capacity: the most the mspace may hold, in bytes (0: 1 GiB); it is
 * reserved (not committed) up front. locked != 0 makes every call on it
 * thread-safe; otherwise one thread at a time must use it. Plain free() of
 * an mspace object works from any thread: it reaches the mspace as a remote
 * free and is taken in on the mspace's next call. */
typedef void *mspace;

mspace create_mspace(size_t capacity, int locked);
size_t destroy_mspace(mspace msp); /* returns the bytes given back */
void *mspace_malloc(mspace msp, size_t size);
void mspace_free(mspace msp, void *p);
void *mspace_calloc(mspace msp, size_t n, size_t size);
void *mspace_realloc(mspace msp, void *p, size_t size);
void *mspace_memalign(mspace msp, size_t alignment, size_t size);
size_t mspace_usable_size(const void *p);
size_t mspace_footprint(mspace msp); /* bytes the mspace holds from the OS */

#ifdef __cplusplus
}
#endif
#endif /* MPALLOC_H */
