/* Allocator names -> the library to LD_PRELOAD. Knows glibc (nothing),
 * Debian's jemalloc, tcmalloc and mimalloc in the multiarch library folder,
 * mpalloc and mpalloc-<variant> from the build tree next to mpbench, and any
 * path to a .so. Also finds each library's version. */
#ifndef MPB_ALLOC_H
#define MPB_ALLOC_H

#include <limits.h>

typedef struct mpb_alloc {
    char name[PATH_MAX]; /* allocator column: the name, or the .so's absolute path */
    char variant[256];   /* variant column: "default", the mpalloc variant, or the .so file name */
    char path[PATH_MAX]; /* library to preload; "" for glibc */
    char version[128];   /* package version, soname version, or "unknown" */
    int found;           /* 1 when the library exists (always for glibc) */
} mpb_alloc_t;

/* The default matrix's allocators, in order. */
extern const char *const mpb_alloc_defaults[];

/* Resolves name into a. Returns 0 when found; -1 for an unknown name (a is
 * unusable); -2 for a known name or path whose library is missing (a->path
 * says where it was looked for). */
int mpb_alloc_resolve(const char *name, mpb_alloc_t *a);

/* Fills a->version (dpkg package version, else the soname's numbers). */
void mpb_alloc_version(mpb_alloc_t *a);

/* Prints the error for a failed resolve of `name` (rc from resolve). */
void mpb_alloc_explain(const char *name, int rc, const mpb_alloc_t *a);

#endif /* MPB_ALLOC_H */
