/* Setting up `mpbench run`: refusing a folder that already holds a run
 * (unless --resume), reading matrix.txt back for --resume, resolving
 * allocators and workloads, creating DIR and DIR/logs, writing matrix.txt
 * and meta.json, opening results.csv, and marking the (cell, rep) pairs
 * already there so a resumed run neither repeats nor loses any. */
#include "measure/callgrind.h"
#include "run/csvout.h"
#include "run/meta.h"
#include "run/run.h"
#include "common/csvio.h"
#include "common/lock.h"
#include "run/envrec.h"
#include "run/folderid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

size_t mpb_run_cell(const mpb_run_t *r, size_t a, size_t w, size_t t) {
    return (a * r->nwl + w) * r->m.nthreads + t;
}

size_t mpb_run_ncells(const mpb_run_t *r) { return r->nalloc * r->nwl * r->m.nthreads; }

/* A fresh run must not land in a folder that holds one, or that another
 * mpbench is writing (exit MPB_EXIT_BUSY). */
static int check_fresh(const mpb_run_t *r) {
    char csv[PATH_MAX], mtx[PATH_MAX];
    if (mpb_lock_busy(r->dir, "mpbench run"))
        return MPB_EXIT_BUSY;
    mpb_fmt(csv, sizeof csv, "%s/results.csv", r->dir);
    mpb_fmt(mtx, sizeof mtx, "%s/matrix.txt", r->dir);
    if (mpb_is_file(csv) || mpb_is_file(mtx)) {
        fprintf(stderr,
                "mpbench: %s already holds a run; use --resume to continue it "
                "or choose another --out\n",
                r->dir);
        return MPB_EXIT_USAGE;
    }
    return MPB_EXIT_OK;
}

/* Takes the folder's lock for the rest of the command. */
static int lock_dir(mpb_run_t *r) {
    int rc = mpb_lock_take(r->dir, r->resume ? "mpbench run --resume" : "mpbench run");
    r->locked = rc == 0;
    return rc == 0 ? MPB_EXIT_OK : rc == MPB_EXIT_BUSY ? MPB_EXIT_BUSY : MPB_EXIT_WRITE;
}

/* A resumed run must be made on the machine and with the allocator
 * environment the folder's first runs had: one cell would otherwise pool
 * runs of both. Returns MPB_EXIT_OK or MPB_EXIT_USAGE after a message. */
static int same_context(const mpb_run_t *r) {
    char diff[4096];
    const char *what = NULL;
    json_t *now = json_object();
    mpb_meta_machine(now);
    mpb_folder_t was = {.dir = r->dir, .meta = r->prev_meta, .has_meta = 1};
    mpb_folder_t is = {.dir = r->dir, .meta = now, .has_meta = 1};
    if (r->prev_meta && mpb_folder_machine_diff(&was, &is, diff, sizeof diff))
        what = "on another machine";
    else if (r->prev_meta && mpb_folder_env_diff(&was, &is, diff, sizeof diff))
        what = "with another allocator environment";
    if (what)
        fprintf(stderr,
                "mpbench: refused: --resume %s runs %s than its first runs had (%s): its cells "
                "would pool runs of both; resume where and as the run started, or start a new "
                "folder\n",
                r->dir, what, diff);
    json_decref(now);
    return what ? MPB_EXIT_USAGE : MPB_EXIT_OK;
}

static int load_for_resume(mpb_run_t *r) {
    char mtx[PATH_MAX];
    mpb_fmt(mtx, sizeof mtx, "%s/matrix.txt", r->dir);
    if (mpb_lock_busy(r->dir, "mpbench run --resume"))
        return MPB_EXIT_BUSY;
    if (!mpb_is_file(mtx)) {
        fprintf(stderr, "mpbench: %s holds no run to resume (no matrix.txt)\n", r->dir);
        return MPB_EXIT_USAGE;
    }
    int rc = lock_dir(r);
    if (rc != MPB_EXIT_OK)
        return rc;
    if (mpb_matrix_load(&r->m, mtx) != 0)
        return MPB_EXIT_USAGE;
    r->alloc_explicit = 1;
    mpb_iso_now(r->resumed_at, sizeof r->resumed_at);
    char meta[PATH_MAX + 16];
    mpb_fmt(meta, sizeof meta, "%s/meta.json", r->dir);
    r->prev_meta = mpb_json_load(meta);
    json_t *w = json_object_get(json_object_get(r->prev_meta, "matrix"), "warmup_runs");
    r->warmups = json_is_integer(w) ? (long)json_integer_value(w) : 0;
    return same_context(r);
}

/* Index of s in the first n names (stride bytes apart), or -1. */
static long find_name(const char *base, size_t stride, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(base + i * stride, s))
            return (long)i;
    return -1;
}

/* Resolves the allocator names; the list is rewritten with what was kept,
 * each as its spec (a known name or LABEL=PATH), so --resume finds the same
 * libraries under the same labels. Labels must be unique in the run. */
static int resolve_allocs(mpb_run_t *r) {
    mpb_strlist_t kept = {0};
    r->allocs = mpb_xrealloc(NULL, r->m.allocs.n * sizeof *r->allocs);
    for (size_t i = 0; i < r->m.allocs.n; i++) {
        mpb_alloc_t *a = &r->allocs[r->nalloc];
        int rc = mpb_alloc_resolve(r->m.allocs.v[i], a);
        if (rc != 0 && (r->alloc_explicit || rc == -1 || rc == -3)) {
            mpb_alloc_explain(r->m.allocs.v[i], rc, a);
            mpb_strlist_free(&kept);
            return MPB_EXIT_USAGE;
        }
        if (rc != 0) {
            fprintf(stderr, "mpbench: warning: %s is not installed (%s); skipping it\n",
                    r->m.allocs.v[i], a->path);
            continue;
        }
        mpb_alloc_version(a);
        mpb_strlist_add(&kept, a->spec);
        r->nalloc++;
    }
    mpb_strlist_free(&r->m.allocs);
    r->m.allocs = kept;
    if (mpb_alloc_check_unique(r->allocs, r->nalloc) != 0)
        return MPB_EXIT_USAGE;
    if (!r->nalloc)
        fprintf(stderr, "mpbench: no allocator to run\n");
    return r->nalloc ? MPB_EXIT_OK : MPB_EXIT_USAGE;
}

/* The probe, each allocator's LD_PRELOAD value, and warnings about
 * libraries and programs whose runs cannot pass the provenance check. */
static int setup_provenance(mpb_run_t *r) {
    if (mpb_prov_init(&r->prov) != 0)
        return MPB_EXIT_USAGE;
    r->preload = mpb_xrealloc(NULL, (r->nalloc + 1) * sizeof *r->preload);
    for (size_t i = 0; i < r->nalloc; i++) {
        char buf[2 * PATH_MAX + 2];
        if (mpb_prov_preload(&r->prov, r->allocs[i].path, buf, sizeof buf) != 0)
            return MPB_EXIT_WRITE;
        r->preload[i] = mpb_xstrdup(buf);
        mpb_prov_warn_lib(r->allocs[i].name, r->allocs[i].path);
    }
    for (size_t i = 0; i < r->nwl; i++)
        mpb_prov_warn_program(r->wls[i].name, r->wls[i].path);
    return MPB_EXIT_OK;
}

/* Reads each allocator's build; a build of this tree that is not what its
 * name asks for (sources changed since it was built, a variant's flags file
 * naming other flags) is refused with the command that rebuilds it: its
 * results would be credited to sources or flags it was not built from.
 * On --resume, a build other than the one the folder's runs used is refused
 * too: one cell would pool two builds. */
static int check_builds(mpb_run_t *r) {
    char why[2048], fix[PATH_MAX + 512];
    int bad = 0;
    r->builds = calloc(r->nalloc + 1, sizeof *r->builds);
    for (size_t i = 0; i < r->nalloc; i++) {
        mpb_build_read(&r->allocs[i], r->prov.libc, &r->builds[i]);
        if (mpb_build_stale(&r->allocs[i], &r->builds[i], why, sizeof why, fix, sizeof fix)) {
            fprintf(stderr,
                    "mpbench: refused: %s is stale: %s; its results would be credited to a "
                    "build it is not. Rebuild it with:\n    %s\n",
                    r->allocs[i].name, why, fix);
            bad = 1;
        }
        mpb_folder_t was = {.dir = r->dir, .meta = r->prev_meta, .has_meta = 1};
        const char *before = r->prev_meta ? mpb_folder_build_id(&was, r->allocs[i].name) : NULL;
        if (before && strcmp(before, r->builds[i].id)) {
            fprintf(stderr,
                    "mpbench: refused: --resume %s: %s is build %s now, but the folder's runs "
                    "of it were made with build %s: its cells would pool two builds (rebuild "
                    "the sources it was, or start a new folder)\n",
                    r->dir, r->allocs[i].name, r->builds[i].id[0] ? r->builds[i].id : "(unknown)",
                    before);
            bad = 1;
        }
    }
    return bad ? MPB_EXIT_USAGE : MPB_EXIT_OK;
}

/* --resume: each workload must be the program the folder's runs used (a
 * wl-* rebuilt, a script or trace edited since would pool two programs in
 * one cell). Returns MPB_EXIT_OK or MPB_EXIT_USAGE after a message. */
static int check_workloads(const mpb_run_t *r) {
    mpb_folder_t was = {.dir = r->dir, .meta = r->prev_meta, .has_meta = 1};
    char id[96];
    int bad = 0;
    for (size_t i = 0; r->prev_meta && i < r->nwl; i++) {
        const char *before = mpb_folder_workload_id(&was, r->wls[i].name);
        mpb_workload_id(&r->wls[i], id, sizeof id);
        if (!before || !strcmp(before, id))
            continue;
        fprintf(stderr,
                "mpbench: refused: --resume %s: workload %s is %s now, but the folder's runs "
                "of it ran %s (%s changed since): its cells would pool two programs\n",
                r->dir, r->wls[i].name, id[0] ? id : "(unreadable)", before,
                r->wls[i].trace[0] ? r->wls[i].trace : r->wls[i].path);
        bad = 1;
    }
    return bad ? MPB_EXIT_USAGE : MPB_EXIT_OK;
}

/* 1 when m's thread list holds n. */
static int has_threads(const mpb_matrix_t *m, int n) {
    for (size_t k = 0; k < m->nthreads; k++)
        if (m->threads[k] == n)
            return 1;
    return 0;
}

/* The one thread count a workload runs at, or 0 for every count: a trace
 * replays the threads it recorded; a command that does not use {threads}
 * runs at the matrix's first count. */
static int only_threads(const mpb_run_t *r, const mpb_workload_t *w) {
    if (w->trace[0])
        return w->trace_threads;
    return mpb_workload_uses_threads(w) ? 0 : r->m.threads[0];
}

/* Cells of a workload at thread counts it does not run at are marked done,
 * so it runs (and is labelled) once, at its own count, not once per listed
 * count under counts it never ran. */
static void skip_trace_cells(mpb_run_t *r) {
    for (size_t w = 0; w < r->nwl; w++) {
        int only = only_threads(r, &r->wls[w]);
        for (size_t t = 0; only && t < r->m.nthreads; t++)
            for (size_t a = 0; r->m.threads[t] != only && a < r->nalloc; a++)
                memset(r->done + mpb_run_cell(r, a, w, t) * (size_t)r->m.repeat, 1,
                       (size_t)r->m.repeat);
    }
}

/* Resolves the workloads (every wl-* beside mpbench when none was named). */
static int resolve_workloads(mpb_run_t *r) {
    if (!r->m.workloads.n && !r->m.commands.n)
        mpb_workload_discover(&r->m.workloads);
    if (!r->m.workloads.n && !r->m.commands.n) {
        fprintf(stderr,
                "mpbench: no workloads (wl-*) found in %s; build them with "
                "`make workloads` or name them with --workload\n",
                mpb_self_dir());
        return MPB_EXIT_USAGE;
    }
    r->wls = mpb_xrealloc(NULL, (r->m.workloads.n + 1) * sizeof *r->wls);
    for (size_t i = 0; i < r->m.workloads.n; i++) {
        mpb_workload_t *w = &r->wls[i];
        if (mpb_workload_resolve(r->m.workloads.v[i], w) != 0) {
            if (w->scale < 0)
                fprintf(stderr, "mpbench: bad workload scale in '%s' (want NAME@F, F > 0)\n",
                        r->m.workloads.v[i]);
            else
                fprintf(stderr, "mpbench: unknown workload '%s': no %s %s\n", r->m.workloads.v[i],
                        w->trace[0] || strncmp(r->m.workloads.v[i], "trace:", 6) ? "executable"
                                                                                 : "trace",
                        w->path);
            return MPB_EXIT_USAGE;
        }
        if (find_name(r->wls[0].name, sizeof *r->wls, i, w->name) >= 0) {
            fprintf(stderr,
                    "mpbench: workload %s is listed twice: one cell would hold both "
                    "sets of runs\n",
                    w->name);
            return MPB_EXIT_USAGE;
        }
        if (mpb_workload_plan(w) != 0)
            return MPB_EXIT_USAGE;
        if (w->trace[0] && !has_threads(&r->m, w->trace_threads)) {
            fprintf(stderr,
                    "mpbench: workload %s replays the %d threads its trace recorded, "
                    "so it runs only at --threads %d, which the list lacks\n",
                    w->name, w->trace_threads, w->trace_threads);
            return MPB_EXIT_USAGE;
        }
        if (w->trace[0]) {
            char spec[PATH_MAX + 8];
            mpb_fmt(spec, sizeof spec, "trace:%s", w->trace);
            free(r->m.workloads.v[i]);
            r->m.workloads.v[i] = mpb_xstrdup(spec);
        } else if (strchr(w->name, '/') || strchr(r->m.workloads.v[i], '/')) {
            char spec[PATH_MAX + 64]; /* the absolute path, its @F kept for --resume */
            mpb_fmt(spec, sizeof spec, w->scale > 0 ? "%s@%.17g" : "%s", w->path, w->scale);
            free(r->m.workloads.v[i]);
            r->m.workloads.v[i] = mpb_xstrdup(spec);
        }
    }
    r->nwl = r->m.workloads.n;
    return mpb_run_command_workloads(r);
}

/* Marks done[] from the rows results.csv already holds. */
static int mark_done(mpb_run_t *r, const char *csv) {
    mpb_table_t t;
    if (mpb_table_load(csv, &t) != 0)
        return MPB_EXIT_FAIL;
    for (size_t i = 0; i < t.nrows; i++) {
        const char *an = mpb_table_get(&t, i, "allocator"), *wn = mpb_table_get(&t, i, "workload");
        const char *tn = mpb_table_get(&t, i, "threads"), *rn = mpb_table_get(&t, i, "rep");
        if (!an || !wn || !tn || !rn)
            continue;
        long a = find_name(r->allocs[0].name, sizeof *r->allocs, r->nalloc, an);
        long w = find_name(r->wls[0].name, sizeof *r->wls, r->nwl, wn);
        long th = -1, rep = atol(rn);
        for (size_t k = 0; k < r->m.nthreads; k++)
            if (r->m.threads[k] == atoi(tn))
                th = (long)k;
        if (a >= 0 && w >= 0 && th >= 0 && rep >= 1 && rep <= r->m.repeat)
            r->done[mpb_run_cell(r, (size_t)a, (size_t)w, (size_t)th) * (size_t)r->m.repeat +
                    (size_t)rep - 1] = 1;
    }
    mpb_table_free(&t);
    return MPB_EXIT_OK;
}

/* Folder, matrix.txt, meta.json and results.csv. */
static int open_outputs(mpb_run_t *r) {
    char logs[PATH_MAX], path[PATH_MAX];
    mpb_fmt(logs, sizeof logs, "%s/logs", r->dir);
    if (mpb_make_dirs(logs) != 0) {
        fprintf(stderr, "mpbench: cannot create %s: %s\n", logs, strerror(errno));
        return MPB_EXIT_WRITE;
    }
    if (!realpath(r->dir, r->absdir))
        mpb_copy(r->absdir, sizeof r->absdir, r->dir);
    int rc = r->resume ? MPB_EXIT_OK : lock_dir(r);
    if (rc == MPB_EXIT_OK && !r->resume)
        rc = check_fresh(r);
    if (rc != MPB_EXIT_OK)
        return rc;
    mpb_fmt(path, sizeof path, "%s/matrix.txt", r->dir);
    if (!r->resume && mpb_matrix_save(&r->m, path) != 0) {
        fprintf(stderr, "mpbench: cannot write %s: %s\n", path, strerror(errno));
        return MPB_EXIT_WRITE;
    }
    mpb_meta_t meta = {&r->m,
                       r->allocs,
                       r->nalloc,
                       r->wls,
                       r->nwl,
                       r->cmdline,
                       r->resume ? r->resumed_at : NULL,
                       NULL,
                       "running",
                       r->warmups,
                       r->builds,
                       NULL};
    if (mpb_meta_write(r->dir, &meta) != 0) {
        fprintf(stderr, "mpbench: cannot write %s/meta.json: %s\n", r->dir, strerror(errno));
        return MPB_EXIT_WRITE;
    }
    mpb_fmt(path, sizeof path, "%s/results.csv", r->dir);
    if (r->resume && !mpb_csv_header_ok(path)) {
        fprintf(stderr,
                "mpbench: refused: %s was written by another version of mpbench (its header "
                "differs from this one's): rows appended now would not line up; start a new "
                "folder\n",
                path);
        return MPB_EXIT_USAGE;
    }
    r->csv_fd = mpb_csv_open(path, r->resume);
    if (r->csv_fd < 0) {
        fprintf(stderr, "mpbench: cannot write %s: %s\n", path, strerror(errno));
        return MPB_EXIT_WRITE;
    }
    return r->resume ? mark_done(r, path) : MPB_EXIT_OK;
}

int mpb_run_setup(mpb_run_t *r) {
    mpb_env_warn();
    int rc = r->resume ? load_for_resume(r) : check_fresh(r);
    if (rc == MPB_EXIT_OK)
        rc = resolve_allocs(r);
    if (rc == MPB_EXIT_OK)
        rc = resolve_workloads(r);
    if (rc == MPB_EXIT_OK && r->m.measure == MPB_MEASURE_INSTRUCTIONS &&
        !mpb_callgrind_available()) {
        fprintf(stderr,
                "mpbench: --measure instructions needs valgrind (apt-get install valgrind)\n");
        rc = MPB_EXIT_USAGE;
    }
    if (rc == MPB_EXIT_OK)
        rc = setup_provenance(r);
    if (rc == MPB_EXIT_OK)
        rc = check_builds(r);
    if (rc == MPB_EXIT_OK)
        rc = check_workloads(r);
    if (rc != MPB_EXIT_OK)
        return rc;
    if (!r->resume)
        mpb_iso_now(r->m.started, sizeof r->m.started);
    if (!r->done)
        r->done = calloc(mpb_run_ncells(r) * (size_t)r->m.repeat + 1, 1);
    skip_trace_cells(r);
    return open_outputs(r);
}
