/* `mpbench list`: what a run could use on this machine. Every known
 * allocator once, with its library and version (missing ones marked, with
 * the Debian package that provides them); the mpalloc builds beside mpbench
 * (build/lib/libmpalloc-<v>.so, and `make variant` folders whose library
 * exists: a folder left by a failed build is counted, not listed); and every
 * workload beside mpbench with its one-line description (`wl-x --describe`).
 * Columns are as wide as their longest entry. */
#include "catalog/alloc.h"
#include "cli/commands.h"
#include "common/util.h"
#include "catalog/workload.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char list_help[] =
    "usage: mpbench list\n"
    "Lists the allocators mpbench can run on this machine (name, library, version;\n"
    "missing ones marked with the Debian package that provides them), the mpalloc\n"
    "builds beside mpbench (variants made by `make variant` or `mpbench sweep`, with\n"
    "their flags) and the workloads built beside mpbench (name and the one-line\n"
    "description each declares). Names listed here are what --alloc and --workload\n"
    "take; any other .so runs by path, or as NAME=PATH to give it a label.\n";

/* One line of the allocator table. */
typedef struct row {
    char name[MPB_ALLOC_NAME_MAX + 16];
    char state[16];
    char version[160];
    char where[PATH_MAX + 160];
} row_t;

typedef struct rows {
    row_t *v;
    size_t n;
} rows_t;

/* The Debian package of a known rival ("" when none). */
static const char *package_of(const char *name) {
    static const char *const pk[][2] = {{"jemalloc", "libjemalloc2"},
                                        {"tcmalloc", "libtcmalloc-minimal4"},
                                        {"mimalloc", "libmimalloc2.0"},
                                        {"tbbmalloc", "libtbbmalloc2"},
                                        {"scudo", "libclang-rt-14-dev"}};
    for (size_t i = 0; i < sizeof pk / sizeof pk[0]; i++)
        if (!strcmp(pk[i][0], name))
            return pk[i][1];
    return "";
}

/* Adds the row of allocator `name` unless it is there already. */
static void add_alloc(rows_t *r, const char *name) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].name, name))
            return;
    mpb_alloc_t a;
    int rc = mpb_alloc_resolve(name, &a);
    if (rc == 0)
        mpb_alloc_version(&a);
    r->v = mpb_xrealloc(r->v, (r->n + 1) * sizeof *r->v);
    row_t *w = &r->v[r->n++];
    mpb_copy(w->name, sizeof w->name, name);
    mpb_copy(w->state, sizeof w->state, rc == 0 ? "found" : "MISSING");
    mpb_copy(w->version, sizeof w->version, rc == 0 ? a.version : "");
    if (rc == 0)
        mpb_copy(w->where, sizeof w->where,
                 a.path[0] ? a.path : "(the system's malloc: nothing preloaded)");
    else if (*package_of(name))
        mpb_fmt(w->where, sizeof w->where, "apt-get install %s (looked for %s)", package_of(name),
                a.path);
    else
        mpb_fmt(w->where, sizeof w->where, "(looked for %s)", a.path);
}

/* Prints rows with the name and version columns as wide as their widest. */
static void print_rows(const rows_t *r) {
    int wn = 8, wv = 7;
    for (size_t i = 0; i < r->n; i++) {
        int n = (int)strlen(r->v[i].name), v = (int)strlen(r->v[i].version);
        wn = n > wn ? n : wn;
        wv = v > wv ? v : wv;
    }
    for (size_t i = 0; i < r->n; i++)
        printf("  %-*s  %-7s  %-*s  %s\n", wn, r->v[i].name, r->v[i].state, wv, r->v[i].version,
               r->v[i].where);
}

/* mpalloc-<v> for each build/lib/libmpalloc-<v>.so. */
static void lib_variants(rows_t *r) {
    char dir[PATH_MAX];
    mpb_fmt(dir, sizeof dir, "%s/../lib", mpb_self_dir());
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "libmpalloc-", 11) != 0 || n < 15 ||
            strcmp(e->d_name + n - 3, ".so"))
            continue;
        char name[300];
        mpb_fmt(name, sizeof name, "mpalloc-%.*s", (int)(n - 14), e->d_name + 11);
        add_alloc(r, name);
    }
    if (d)
        closedir(d);
}

/* mpalloc-<v> for each build/variants/<v> holding a library; the others
 * (a build that failed or was stopped) are counted into *skipped. */
static void folder_variants(rows_t *r, mpb_strlist_t *skipped) {
    char dir[PATH_MAX], lib[PATH_MAX + 300];
    mpb_fmt(dir, sizeof dir, "%s/../variants", mpb_self_dir());
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        mpb_fmt(lib, sizeof lib, "%s/%s/lib/libmpalloc.so", dir, e->d_name);
        if (!mpb_is_file(lib)) {
            mpb_strlist_add(skipped, e->d_name);
            continue;
        }
        char name[300];
        mpb_fmt(name, sizeof name, "mpalloc-%s", e->d_name);
        add_alloc(r, name);
    }
    if (d)
        closedir(d);
}

/* Appends each variant's flags (build/variants/<v>/flags) to its row. */
static void add_flags(rows_t *r) {
    for (size_t i = 0; i < r->n; i++) {
        char path[PATH_MAX];
        mpb_fmt(path, sizeof path, "%s/../variants/%s/flags", mpb_self_dir(),
                r->v[i].name + strlen("mpalloc-"));
        char *flags = mpb_read_file(path);
        if (flags) {
            flags[strcspn(flags, "\n")] = '\0';
            size_t n = strlen(r->v[i].where);
            mpb_fmt(r->v[i].where + n, sizeof r->v[i].where - n, "  flags: %s",
                    *flags ? flags : "(none)");
        }
        free(flags);
    }
}

static void show_variants(void) {
    rows_t r = {0};
    mpb_strlist_t skipped = {0};
    lib_variants(&r);
    folder_variants(&r, &skipped);
    add_flags(&r);
    printf("mpalloc builds (make variant NAME=x FLAGS=..., mpbench sweep):\n");
    print_rows(&r);
    if (!r.n)
        printf("  (none besides mpalloc)\n");
    if (skipped.n) {
        printf("  (%zu folder%s in %s/../variants without a library, left by a build that "
               "failed or was stopped, not listed:",
               skipped.n, skipped.n == 1 ? "" : "s", mpb_self_dir());
        for (size_t i = 0; i < skipped.n; i++)
            printf(" %s", skipped.v[i]);
        printf(")\n");
    }
    mpb_strlist_free(&skipped);
    free(r.v);
}

static void show_workloads(void) {
    mpb_strlist_t l = {0};
    int wn = 8;
    mpb_workload_discover(&l);
    for (size_t i = 0; i < l.n; i++)
        wn = (int)strlen(l.v[i]) > wn ? (int)strlen(l.v[i]) : wn;
    printf("workloads (in %s):\n", mpb_self_dir());
    if (!l.n)
        printf("  (none built: make workloads)\n");
    for (size_t i = 0; i < l.n; i++) {
        mpb_workload_t w;
        char help[256];
        mpb_workload_resolve(l.v[i], &w);
        mpb_workload_describe(w.path, help, sizeof help);
        printf("  %-*s  %s\n", wn, w.name, help);
    }
    mpb_strlist_free(&l);
}

int mpb_cmd_list(int argc, char **argv) {
    int first, rc = mpb_parse_help_only(argc, argv, list_help, &first);
    if (rc >= 0)
        return rc;
    if (first < argc) {
        fprintf(stderr, "mpbench list: unexpected argument: %s\n", argv[first]);
        return 2;
    }
    rows_t r = {0};
    for (int i = 0; mpb_alloc_known[i]; i++)
        add_alloc(&r, mpb_alloc_known[i]);
    printf("allocators (any other .so: --alloc PATH or NAME=PATH):\n");
    print_rows(&r);
    free(r.v);
    show_variants();
    show_workloads();
    return 0;
}
