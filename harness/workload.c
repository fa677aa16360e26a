/* Finding workload programs. The default matrix uses every wl-* in the
 * folder mpbench was started from, so a newly built workload joins it with
 * no edits; a path lets a user (and the tests) run any program that
 * honours `-t THREADS -s SCALE` and prints `mpbench-ops: N`. */
#include "workload.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void mpb_workload_discover(mpb_strlist_t *l)
{
    DIR *d = opendir(mpb_self_dir());
    if (!d)
        return;
    size_t first = l->n;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, "wl-", 3) != 0 || !e->d_name[3] || strchr(e->d_name, '.'))
            continue;
        char path[PATH_MAX];
        mpb_fmt(path, sizeof path, "%s/%s", mpb_self_dir(), e->d_name);
        if (mpb_is_file(path) && access(path, X_OK) == 0)
            mpb_strlist_add(l, e->d_name + 3);
    }
    closedir(d);
    qsort(l->v + first, l->n - first, sizeof *l->v, cmp_str);
}

/* Splits "NAME@F" into NAME (in buf) and F. F is 0 without an '@' (or when
 * a '/' follows the last one: a folder name), -1 when what follows the last
 * '@' is not a number in (0, 1e6]. */
static double split_scale(const char *spec, char *buf, size_t len)
{
    const char *at = strrchr(spec, '@');
    if (at && strchr(at, '/'))
        at = NULL;
    mpb_fmt(buf, len, "%.*s", (int)(at ? (size_t)(at - spec) : strlen(spec)), spec);
    if (!at)
        return 0;
    char *end;
    double f = strtod(at + 1, &end);
    return at[1] && !*end && f > 0 && f <= 1e6 ? f : -1;
}

int mpb_workload_resolve(const char *spec, mpb_workload_t *w)
{
    char name[PATH_MAX];
    memset(w, 0, sizeof *w);
    w->scale = split_scale(spec, name, sizeof name);
    if (w->scale < 0)
        return -1;
    if (!strchr(name, '/')) {
        mpb_copy(w->name, sizeof w->name, name);
        mpb_fmt(w->path, sizeof w->path, "%s/wl-%s", mpb_self_dir(), name);
    } else {
        const char *base = strrchr(name, '/') + 1;
        mpb_copy(w->name, sizeof w->name, strncmp(base, "wl-", 3) ? base : base + 3);
        if (!realpath(name, w->path))
            mpb_copy(w->path, sizeof w->path, name);
    }
    return mpb_is_file(w->path) && access(w->path, X_OK) == 0 ? 0 : -1;
}

void mpb_workload_help(const char *path, char *buf, size_t len)
{
    char *argv[] = { (char *)path, "--help", NULL };
    mpb_capture_line(argv, buf, len, 5.0);
    if (!buf[0])
        mpb_fmt(buf, len, "(no --help output)");
}
