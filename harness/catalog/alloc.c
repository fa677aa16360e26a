/* Allocator discovery: turns an allocator name from the command line into
 * the library mpbench preloads and the version recorded in meta.json.
 * Debian's rivals are looked up in the multiarch folder (and a few generic
 * ones); mpalloc comes from the build tree beside the mpbench binary. */
#include "catalog/alloc.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const mpb_alloc_defaults[] = {"glibc",    "jemalloc", "tcmalloc",
                                          "mimalloc", "mpalloc",  NULL};

/* Debian's multiarch triple for the machine mpbench was compiled for. */
static const char *multiarch(void) {
#if defined(__x86_64__)
    return "x86_64-linux-gnu";
#elif defined(__aarch64__)
    return "aarch64-linux-gnu";
#elif defined(__i386__)
    return "i386-linux-gnu";
#elif defined(__powerpc64__)
    return "powerpc64le-linux-gnu";
#elif defined(__riscv)
    return "riscv64-linux-gnu";
#elif defined(__s390x__)
    return "s390x-linux-gnu";
#else
    return "";
#endif
}

/* File names each rival ships under, preferred first. */
static const char *const *rival_files(const char *name) {
    static const char *const je[] = {"libjemalloc.so.2", "libjemalloc.so", NULL};
    static const char *const tc[] = {"libtcmalloc_minimal.so.4", "libtcmalloc.so.4",
                                     "libtcmalloc_minimal.so", "libtcmalloc.so", NULL};
    static const char *const mi[] = {"libmimalloc.so.2", "libmimalloc.so", NULL};
    if (!strcmp(name, "jemalloc"))
        return je;
    if (!strcmp(name, "tcmalloc"))
        return tc;
    if (!strcmp(name, "mimalloc"))
        return mi;
    return NULL;
}

/* Searches the library folders for one of files; fills a->path. */
static int find_rival(const char *const *files, mpb_alloc_t *a) {
    char dirs[5][128];
    mpb_fmt(dirs[0], sizeof dirs[0], "/usr/lib/%s", multiarch());
    mpb_fmt(dirs[1], sizeof dirs[1], "/lib/%s", multiarch());
    strcpy(dirs[2], "/usr/local/lib");
    strcpy(dirs[3], "/usr/lib64");
    strcpy(dirs[4], "/usr/lib");
    for (const char *const *f = files; *f; f++)
        for (int d = 0; d < 5; d++) {
            mpb_fmt(a->path, sizeof a->path, "%s/%s", dirs[d], *f);
            if (mpb_is_file(a->path))
                return 0;
        }
    mpb_fmt(a->path, sizeof a->path, "/usr/lib/%s/%s", multiarch(), files[0]);
    return -2;
}

/* mpalloc or mpalloc-<v> from the build tree beside mpbench. */
static int find_mpalloc(const char *name, mpb_alloc_t *a) {
    const char *bin = mpb_self_dir();
    if (!strcmp(name, "mpalloc")) {
        mpb_fmt(a->path, sizeof a->path, "%s/../lib/libmpalloc.so", bin);
    } else {
        const char *v = name + strlen("mpalloc-");
        mpb_copy(a->variant, sizeof a->variant, v);
        mpb_fmt(a->path, sizeof a->path, "%s/../lib/libmpalloc-%s.so", bin, v);
        if (!mpb_is_file(a->path))
            mpb_fmt(a->path, sizeof a->path, "%s/../variants/%s/lib/libmpalloc.so", bin, v);
    }
    char real[PATH_MAX];
    if (!realpath(a->path, real))
        return -2;
    mpb_copy(a->path, sizeof a->path, real);
    return mpb_is_file(a->path) ? 0 : -2;
}

/* Any path to a shared object; the variant column is its file name. */
static int find_path(const char *name, mpb_alloc_t *a) {
    const char *base = strrchr(name, '/');
    mpb_copy(a->variant, sizeof a->variant, base ? base + 1 : name);
    char real[PATH_MAX];
    if (!realpath(name, real) || !mpb_is_file(real)) {
        mpb_copy(a->path, sizeof a->path, name);
        mpb_copy(a->name, sizeof a->name, name);
        return -2;
    }
    mpb_copy(a->path, sizeof a->path, real);
    mpb_copy(a->name, sizeof a->name, real);
    return 0;
}

int mpb_alloc_resolve(const char *name, mpb_alloc_t *a) {
    memset(a, 0, sizeof *a);
    mpb_copy(a->name, sizeof a->name, name);
    strcpy(a->variant, "default");
    strcpy(a->version, "unknown");
    int rc;
    if (!strcmp(name, "glibc"))
        rc = 0;
    else if (rival_files(name))
        rc = find_rival(rival_files(name), a);
    else if (!strcmp(name, "mpalloc") || (!strncmp(name, "mpalloc-", 8) && name[8]))
        rc = find_mpalloc(name, a);
    else if (strchr(name, '/') || strstr(name, ".so"))
        rc = find_path(name, a);
    else
        rc = -1;
    a->found = rc == 0;
    return rc;
}

void mpb_alloc_explain(const char *name, int rc, const mpb_alloc_t *a) {
    if (rc == -1)
        fprintf(stderr,
                "mpbench: unknown allocator '%s' (known: glibc, jemalloc, tcmalloc, "
                "mimalloc, mpalloc, mpalloc-checked, mpalloc-debug, mpalloc-<variant>, or a path "
                "to a .so)\n",
                name);
    else
        fprintf(stderr, "mpbench: allocator '%s': library not found: %s\n", name, a->path);
}
