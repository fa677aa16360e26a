/* Allocator discovery: turns an allocator name from the command line into
 * the library mpbench preloads, its label and the version recorded in
 * meta.json. Debian's rivals are looked up in the multiarch folder (and a
 * few generic ones), scudo under LLVM's runtime folders; mpalloc comes from
 * the build tree beside the mpbench binary. A label is one allocator's
 * identity everywhere (rows, logs, plots, compare): a path never takes the
 * name of another allocator, and two allocators never share one in a run. */
#include "catalog/alloc.h"
#include "common/util.h"

#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const mpb_alloc_defaults[] = {"glibc",     "jemalloc", "tcmalloc", "mimalloc",
                                          "tbbmalloc", "scudo",    "mpalloc",  NULL};

const char *const mpb_alloc_known[] = {"glibc",     "jemalloc", "tcmalloc", "mimalloc",
                                       "tbbmalloc", "scudo",    "mpalloc",  NULL};

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

/* File names each rival ships under, preferred first. tbbmalloc is
 * preloaded through its proxy library, which defines malloc and friends and
 * forwards them to libtbbmalloc.so.2. */
static const char *const *rival_files(const char *name) {
    static const char *const je[] = {"libjemalloc.so.2", "libjemalloc.so", NULL};
    static const char *const tc[] = {"libtcmalloc_minimal.so.4", "libtcmalloc.so.4",
                                     "libtcmalloc_minimal.so", "libtcmalloc.so", NULL};
    static const char *const mi[] = {"libmimalloc.so.2", "libmimalloc.so", NULL};
    static const char *const tbb[] = {"libtbbmalloc_proxy.so.2", "libtbbmalloc_proxy.so", NULL};
    if (!strcmp(name, "jemalloc"))
        return je;
    if (!strcmp(name, "tcmalloc"))
        return tc;
    if (!strcmp(name, "mimalloc"))
        return mi;
    if (!strcmp(name, "tbbmalloc"))
        return tbb;
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

/* The CPU name in compiler-rt's file names. */
static const char *rt_arch(void) {
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#elif defined(__i386__)
    return "i386";
#else
    return "unknown";
#endif
}

/* LLVM's scudo (libclang_rt.scudo_standalone from libclang-rt-N-dev): the
 * newest LLVM's copy under /usr/lib/llvm-N/lib/clang/V/lib/linux. */
static int find_scudo(mpb_alloc_t *a) {
    char pat[256];
    glob_t g;
    mpb_fmt(pat, sizeof pat,
            "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.scudo_standalone-%s.so", rt_arch());
    mpb_fmt(a->path, sizeof a->path, "%s", pat);
    if (glob(pat, 0, NULL, &g) != 0)
        return -2;
    const char *best = NULL;
    for (size_t i = 0; i < g.gl_pathc; i++)
        if (mpb_is_file(g.gl_pathv[i]) && (!best || strverscmp(g.gl_pathv[i], best) > 0))
            best = g.gl_pathv[i];
    if (best)
        mpb_copy(a->path, sizeof a->path, best);
    globfree(&g);
    return best ? 0 : -2;
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

/* 1 when name is one mpbench knows without a path. */
static int is_known(const char *name) {
    return !strcmp(name, "glibc") || rival_files(name) || !strcmp(name, "scudo") ||
           !strcmp(name, "mpalloc") || (!strncmp(name, "mpalloc-", 8) && name[8]);
}

/* A known name into a (name, variant, path). 0, -2 when not installed. */
static int resolve_known(const char *name, mpb_alloc_t *a) {
    mpb_copy(a->name, sizeof a->name, name);
    mpb_copy(a->spec, sizeof a->spec, name);
    if (!strcmp(name, "glibc"))
        return 0;
    if (rival_files(name))
        return find_rival(rival_files(name), a);
    if (!strcmp(name, "scudo"))
        return find_scudo(a);
    return find_mpalloc(name, a);
}

/* 1 when a and b name the same file (device and inode). */
static int same_file(const char *a, const char *b) {
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

const char *mpb_alloc_label(const char *path, char *buf, size_t len) {
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (!strncmp(base, "lib", 3) && base[3] && base[3] != '.')
        base += 3;
    const char *so = strstr(base, ".so");
    size_t stem = so ? (size_t)(so - base) : strlen(base);
    const char *ver = so && so[3] == '.' && so[4] ? so + 4 : "";
    mpb_fmt(buf, len, "%.*s%s%s", (int)stem, base, *ver ? "-" : "", ver);
    for (char *c = buf; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._+-", *c))
            *c = '_';
    if (!buf[0])
        mpb_copy(buf, len, "lib");
    return buf;
}

/* A label a user may give: letters, digits, . _ + -, starting with a
 * letter or digit, at most MPB_ALLOC_NAME_MAX - 1 bytes. */
static int name_ok(const char *n) {
    size_t len = strlen(n);
    if (!len || len >= MPB_ALLOC_NAME_MAX || !isalnum((unsigned char)n[0]))
        return 0;
    for (const char *c = n; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._+-", *c))
            return 0;
    return 1;
}

/* Refuses label `name` for the library at path when it is the name of
 * another allocator: glibc, mpalloc's builds, or an installed rival whose
 * file is not this one. Returns 0 or -3 (why in a->spec). */
static int check_label(const char *name, const char *path, mpb_alloc_t *a) {
    mpb_alloc_t k;
    memset(&k, 0, sizeof k);
    if (!is_known(name))
        return 0;
    int rc = resolve_known(name, &k);
    if (rc == 0 && k.path[0] && same_file(k.path, path))
        return 0;
    int reserved = !strcmp(name, "glibc") || !strncmp(name, "mpalloc", 7);
    if (!reserved && rc != 0)
        return 0; /* a rival not installed here: its name is free */
    mpb_fmt(a->spec, sizeof a->spec,
            "'%s' is the name of %s, not of %s: give this library another name "
            "(--alloc NAME=%s)",
            name, !strcmp(name, "glibc") ? "the system's malloc" : k.path, path, path);
    return -3;
}

/* The known name whose library is the file at real (mpalloc's variants
 * included: .../variants/<v>/lib/libmpalloc.so), or NULL. */
static const char *known_name_of(const char *real, char *buf, size_t len) {
    for (int i = 0; mpb_alloc_known[i]; i++) {
        mpb_alloc_t k;
        memset(&k, 0, sizeof k);
        if (resolve_known(mpb_alloc_known[i], &k) == 0 && k.path[0] && same_file(k.path, real))
            return mpb_copy(buf, len, mpb_alloc_known[i]);
    }
    const char *v = strstr(real, "/variants/");
    size_t n = v ? strcspn(v + 10, "/") : 0;
    if (!v || strcmp(v + 10 + n, "/lib/libmpalloc.so") != 0 || n + 9 >= len)
        return NULL;
    mpb_fmt(buf, len, "mpalloc-%.*s", (int)n, v + 10);
    mpb_alloc_t k;
    memset(&k, 0, sizeof k);
    return find_mpalloc(buf, &k) == 0 && same_file(k.path, real) ? buf : NULL;
}

/* Any path to a shared object, labelled `label` (NULL: the known name of
 * its file, else from its file name). */
static int find_path(const char *label, const char *path, mpb_alloc_t *a) {
    char real[PATH_MAX], lb[MPB_ALLOC_NAME_MAX], kn[MPB_ALLOC_NAME_MAX];
    const char *base = strrchr(path, '/');
    mpb_copy(a->variant, sizeof a->variant, base ? base + 1 : path);
    if (!realpath(path, real) || !mpb_is_file(real)) {
        mpb_copy(a->path, sizeof a->path, path);
        mpb_copy(a->name, sizeof a->name, label ? label : mpb_alloc_label(path, lb, sizeof lb));
        return -2;
    }
    mpb_copy(a->path, sizeof a->path, real);
    const char *known = known_name_of(real, kn, sizeof kn);
    if (known && (!label || !strcmp(label, known))) { /* the allocator itself, by path */
        mpb_alloc_t k;
        memset(&k, 0, sizeof k);
        strcpy(k.variant, "default");
        resolve_known(known, &k);
        mpb_copy(a->variant, sizeof a->variant, k.variant);
        label = known;
    }
    mpb_copy(a->name, sizeof a->name, label ? label : mpb_alloc_label(real, lb, sizeof lb));
    mpb_fmt(a->spec, sizeof a->spec, "%s=%s", a->name, real);
    return check_label(a->name, real, a);
}

/* NAME=PATH: the library at PATH under the label NAME. */
static int find_named(const char *spec, mpb_alloc_t *a) {
    char name[MPB_ALLOC_NAME_MAX];
    size_t n = strcspn(spec, "=");
    if (n >= sizeof name || !spec[n + 1]) {
        mpb_fmt(a->spec, sizeof a->spec, "bad allocator '%s' (want NAME=PATH)", spec);
        return -3;
    }
    mpb_fmt(name, sizeof name, "%.*s", (int)n, spec);
    if (!name_ok(name)) {
        mpb_fmt(a->spec, sizeof a->spec,
                "bad allocator name '%s' in '%s' (want 1 to %d letters, digits, '.', '_', "
                "'+' or '-', starting with a letter or digit)",
                name, spec, MPB_ALLOC_NAME_MAX - 1);
        return -3;
    }
    return find_path(name, spec + n + 1, a);
}

int mpb_alloc_resolve(const char *name, mpb_alloc_t *a) {
    memset(a, 0, sizeof *a);
    mpb_copy(a->name, sizeof a->name, name);
    strcpy(a->variant, "default");
    strcpy(a->version, "unknown");
    int rc;
    if (is_known(name))
        rc = resolve_known(name, a);
    else if (strchr(name, '=') && strcspn(name, "=") < strcspn(name, "/"))
        rc = find_named(name, a);
    else if (strchr(name, '/') || strstr(name, ".so"))
        rc = find_path(NULL, name, a);
    else
        rc = -1;
    a->found = rc == 0;
    return rc;
}

int mpb_alloc_check_unique(const mpb_alloc_t *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(a[i].name, a[j].name) && !strcmp(a[i].spec, a[j].spec)) {
                fprintf(stderr,
                        "mpbench: allocator %s is listed twice: one cell would hold both sets "
                        "of runs\n",
                        a[i].name);
                return -1;
            } else if (!strcmp(a[i].name, a[j].name)) {
                fprintf(stderr,
                        "mpbench: two allocators would share the label '%s' (%s and %s): one cell "
                        "would hold both, and plots could not tell them apart; name them "
                        "apart: --alloc NAME=PATH\n",
                        a[i].name, a[j].path[0] ? a[j].path : "glibc",
                        a[i].path[0] ? a[i].path : "glibc");
                return -1;
            }
    return 0;
}

void mpb_alloc_explain(const char *name, int rc, const mpb_alloc_t *a) {
    if (rc == -1)
        fprintf(stderr,
                "mpbench: unknown allocator '%s' (known: glibc, jemalloc, tcmalloc, mimalloc, "
                "tbbmalloc, scudo, mpalloc, mpalloc-checked, mpalloc-debug, mpalloc-<variant>, "
                "a path to a .so, or NAME=PATH)\n",
                name);
    else if (rc == -3)
        fprintf(stderr, "mpbench: allocator '%s': %s\n", name, a->spec);
    else
        fprintf(stderr, "mpbench: allocator '%s': library not found: %s\n", name, a->path);
}
