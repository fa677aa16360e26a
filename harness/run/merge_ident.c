/* What `mpbench merge` checks beyond the matrix: that its shards' runs can
 * share cells. From each folder's meta.json (folderid.h): the build of
 * every allocator must be the same in every shard (cells are keyed by the
 * allocator's name: two builds under one name are always refused), and the
 * machine (host, CPU model, cores, kernel), the allocator environment and
 * the state (complete) must agree unless --allow-mixed / --allow-incomplete
 * say to join them anyway, each shard then recorded and the result marked. */
#include "run/folderid.h"
#include "run/merge.h"
#include "common/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first allocator of a or b whose build differs between them. */
static int builds_differ(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len) {
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(a->meta, "allocators"), i, e) {
        const char *name = mpb_json_get_text(e, "name");
        const char *ia = name ? mpb_folder_build_id(a, name) : NULL;
        const char *ib = name ? mpb_folder_build_id(b, name) : NULL;
        if ((ia || ib) && (!ia || !ib || strcmp(ia, ib))) {
            mpb_fmt(buf, len, "%s is build %s in %s and build %s in %s", name,
                    ia ? ia : "(unknown)", a->dir, ib ? ib : "(unknown)", b->dir);
            return 1;
        }
    }
    return 0;
}

/* Refuses (2) a shard whose state is not "complete" unless allowed. */
static int check_state(const mpb_folder_t *f, const mpb_merge_opts_t *o) {
    const char *st = mpb_folder_state(f);
    if (st && !strcmp(st, "complete"))
        return 0;
    fprintf(stderr,
            "mpbench merge: %s: %s is %s: its cells lack runs the merged folder would claim%s\n",
            o->allow_incomplete ? "warning" : "refused", f->dir,
            st ? st : "of unknown state (meta.json says none)",
            o->allow_incomplete ? " (--allow-incomplete: merged, and marked incomplete)"
                                : "; finish it with `mpbench run --resume`, or merge with "
                                  "--allow-incomplete to join it marked incomplete");
    return o->allow_incomplete ? 0 : 2;
}

/* Refuses (2) shards of other machines or environments unless allowed. */
static int check_machine(const mpb_folder_t *a, const mpb_folder_t *b, const mpb_merge_opts_t *o) {
    char diff[4096];
    const char *what = NULL;
    if (mpb_folder_machine_diff(a, b, diff, sizeof diff))
        what = "ran on another machine";
    else if (mpb_folder_env_diff(a, b, diff, sizeof diff))
        what = "ran with another allocator environment";
    if (!what)
        return 0;
    fprintf(stderr,
            "mpbench merge: %s: %s %s than %s (%s): ratios between cells of different shards "
            "would compare the %s too%s\n",
            o->allow_mixed ? "warning" : "refused", b->dir, what, a->dir, diff,
            strstr(what, "machine") ? "machines" : "settings",
            o->allow_mixed ? " (--allow-mixed: merged, each shard recorded, the result marked)"
                           : "; --allow-mixed joins them, recording each shard and marking the "
                             "result");
    return o->allow_mixed ? 0 : 2;
}

int mpb_merge_check_context(char **dirs, int n, const mpb_merge_opts_t *o) {
    mpb_folder_t *f = calloc((size_t)n, sizeof *f);
    char diff[2048];
    int rc = 0;
    for (int i = 0; i < n; i++)
        mpb_folder_load(dirs[i], &f[i]);
    for (int i = 0; i < n && !rc; i++) {
        if (!f[i].has_meta) {
            fprintf(stderr,
                    "mpbench merge: refused: %s has no readable meta.json: its builds, machine "
                    "and state cannot be checked\n",
                    dirs[i]);
            rc = 2;
        } else if (i && mpb_folder_workload_diff(&f[0], &f[i], diff, sizeof diff)) {
            fprintf(stderr,
                    "mpbench merge: refused: a workload of one name ran another program in two "
                    "shards (%s): a cell would pool both\n",
                    diff);
            rc = 2;
        } else if (i && builds_differ(&f[0], &f[i], diff, sizeof diff)) {
            fprintf(stderr,
                    "mpbench merge: refused: two builds under one name (%s): a cell would pool "
                    "both; merge shards of one build, or name the builds apart "
                    "(--alloc NAME=PATH)\n",
                    diff);
            rc = 2;
        } else {
            rc = check_state(&f[i], o);
            if (!rc && i)
                rc = check_machine(&f[0], &f[i], o);
        }
    }
    for (int i = 0; i < n; i++)
        mpb_folder_free(&f[i]);
    free(f);
    return rc;
}

/* One shard's line of the merged meta.json. */
static json_t *shard_entry(const char *dir) {
    static const char *const keys[] = {"host", "cpu_model", "cores", "kernel", "state"};
    mpb_folder_t f;
    char real[PATH_MAX];
    json_t *e = json_object();
    mpb_folder_load(dir, &f);
    mpb_json_set_text(e, "dir", realpath(dir, real) ? real : dir);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        json_object_set(e, keys[k], f.meta ? json_object_get(f.meta, keys[k]) : json_null());
    json_t *env = json_object_get(json_object_get(f.meta, "environment"), "variables");
    json_object_set(e, "environment", env ? env : json_null());
    mpb_folder_free(&f);
    return e;
}

void mpb_merge_mark(json_t *meta, char **dirs, int n) {
    json_t *shards = json_array(), *mixed = json_array();
    mpb_folder_t a, b;
    char diff[2048];
    int complete = 1, machines = 0, env = 0;
    mpb_folder_load(dirs[0], &a);
    for (int i = 0; i < n; i++) {
        json_t *e = shard_entry(dirs[i]);
        const char *st = mpb_json_get_text(e, "state");
        complete &= st && !strcmp(st, "complete");
        json_array_append_new(shards, e);
        mpb_folder_load(dirs[i], &b);
        machines |= mpb_folder_machine_diff(&a, &b, diff, sizeof diff) > 0;
        env |= mpb_folder_env_diff(&a, &b, diff, sizeof diff) > 0;
        mpb_folder_free(&b);
    }
    mpb_folder_free(&a);
    if (machines)
        json_array_append_new(mixed, mpb_json_text("machines"));
    if (env)
        json_array_append_new(mixed, mpb_json_text("environment"));
    json_object_set_new(meta, "shards", shards);
    json_object_set_new(meta, "mixed", mixed);
    mpb_json_set_text(meta, "state", complete ? "complete" : "incomplete");
}
