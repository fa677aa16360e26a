/* Allocator names -> the library to LD_PRELOAD, and one identity per
 * allocator. Knows glibc (nothing), Debian's jemalloc, tcmalloc, mimalloc,
 * tbbmalloc (through its proxy library) and scudo (LLVM's standalone
 * runtime), mpalloc and mpalloc-<variant> from the build tree next to
 * mpbench, any path to a .so, and NAME=PATH. Every allocator gets a short
 * label (its `name`): the known name, the NAME given, or for a bare path the
 * file's stem with its soname version (libmimalloc-3.4.3.so -> mimalloc-3.4.3,
 * libfoo.so.2 -> foo-2); a path that is a known allocator's own file gets
 * that allocator's name. Also finds each library's version. */
#ifndef MPB_ALLOC_H
#define MPB_ALLOC_H

#include <limits.h>
#include <stddef.h>

#define MPB_ALLOC_NAME_MAX 64 /* longest allocator label */

typedef struct mpb_alloc {
    char name[MPB_ALLOC_NAME_MAX]; /* label: allocator column, plots, logs; unique in a run */
    char variant[256];             /* variant column: "default", the mpalloc variant, or the .so
                                      file name */
    char path[PATH_MAX];           /* library to preload; "" for glibc */
    char version[128];             /* package version, soname version, or "unknown" */
    char spec[PATH_MAX + MPB_ALLOC_NAME_MAX + 2]; /* how matrix.txt names it: a known name,
                                                     or LABEL=PATH */
    int found;                                    /* 1 when the library exists (always for glibc) */
} mpb_alloc_t;

/* The default matrix's allocators, in order. */
extern const char *const mpb_alloc_defaults[];
/* Every known name (the defaults and the others `mpbench list` shows). */
extern const char *const mpb_alloc_known[];

/* Resolves name (a known name, a path, or NAME=PATH) into a. Returns 0 when
 * found; -1 for an unknown name (a is unusable); -2 for a known name or path
 * whose library is missing (a->path says where it was looked for); -3 for a
 * label that cannot be used (a bad NAME, or a label that is another
 * allocator's name: a->spec holds the reason). */
int mpb_alloc_resolve(const char *name, mpb_alloc_t *a);

/* The label a bare .so path gets, into buf: the file name without "lib"
 * and ".so", its soname version after a dash (libfoo.so.2 -> foo-2). */
const char *mpb_alloc_label(const char *path, char *buf, size_t len);

/* Checks that the n allocators of a have distinct labels. Returns 0, or -1
 * after printing which two would share one (and how to name them apart). */
int mpb_alloc_check_unique(const mpb_alloc_t *a, size_t n);

/* Fills a->version (dpkg package version, else the soname's numbers). */
void mpb_alloc_version(mpb_alloc_t *a);

/* Prints the error for a failed resolve of `name` (rc from resolve). */
void mpb_alloc_explain(const char *name, int rc, const mpb_alloc_t *a);

#endif /* MPB_ALLOC_H */
