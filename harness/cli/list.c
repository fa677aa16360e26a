/* `mpbench list`: what a run could use on this machine. Every allocator
 * name once, with the library it resolves to and its version (missing ones
 * marked, with where they were looked for): the defaults, then mpalloc
 * variants built; and every workload beside mpbench with its one-line
 * description (`wl-x --describe`). */
#include "catalog/alloc.h"
#include "cli/commands.h"
#include "common/util.h"
#include "catalog/workload.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

static const char list_help[] =
    "usage: mpbench list\n"
    "Lists the allocators mpbench can run on this machine (name, library, version;\n"
    "missing ones marked; each name once) and the workloads built beside mpbench\n"
    "(name and the one-line description each declares). Names listed here are\n"
    "what --alloc and --workload take.\n";

/* Names already printed: an allocator can be a default, a build/variants
 * folder and a build/lib library at once (mpalloc-checked is all three). */
static mpb_strlist_t shown;

static void show_alloc(const char *name) {
    for (size_t i = 0; i < shown.n; i++)
        if (!strcmp(shown.v[i], name))
            return;
    mpb_strlist_add(&shown, name);
    mpb_alloc_t a;
    int rc = mpb_alloc_resolve(name, &a);
    if (rc == 0)
        mpb_alloc_version(&a);
    printf("  %-20s %-9s %s%s%s\n", name, rc == 0 ? "found" : "MISSING",
           a.path[0] ? a.path : "(system malloc, no LD_PRELOAD)", rc == 0 ? "  version " : "",
           rc == 0 ? a.version : "");
}

/* mpalloc-<v> for each build/variants/<v> folder. */
static void show_variants(void) {
    char dir[PATH_MAX];
    mpb_fmt(dir, sizeof dir, "%s/../variants", mpb_self_dir());
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char name[300];
        mpb_fmt(name, sizeof name, "mpalloc-%s", e->d_name);
        show_alloc(name);
    }
    closedir(d);
}

/* mpalloc-<v> for each build/lib/libmpalloc-<v>.so. */
static void show_lib_variants(void) {
    char dir[PATH_MAX];
    mpb_fmt(dir, sizeof dir, "%s/../lib", mpb_self_dir());
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "libmpalloc-", 11) != 0 || n < 15 ||
            strcmp(e->d_name + n - 3, ".so"))
            continue;
        char name[300];
        mpb_fmt(name, sizeof name, "mpalloc-%.*s", (int)(n - 14), e->d_name + 11);
        show_alloc(name);
    }
    closedir(d);
}

static void show_workloads(void) {
    mpb_strlist_t l = {0};
    mpb_workload_discover(&l);
    printf("workloads (in %s):\n", mpb_self_dir());
    if (!l.n)
        printf("  (none built: make workloads)\n");
    for (size_t i = 0; i < l.n; i++) {
        mpb_workload_t w;
        char help[256];
        mpb_workload_resolve(l.v[i], &w);
        mpb_workload_describe(w.path, help, sizeof help);
        printf("  %-20s %s\n", w.name, help);
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
    printf("allocators:\n");
    for (int i = 0; mpb_alloc_defaults[i]; i++)
        show_alloc(mpb_alloc_defaults[i]);
    show_variants();
    show_lib_variants();
    mpb_strlist_free(&shown);
    show_workloads();
    return 0;
}
