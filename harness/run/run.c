/* A matrix run (`mpbench run`, and the runs sweep and replay make): the
 * options as a struct (mpb_run_opts_t, filled by cli/run_cmd.c or by the
 * caller), the matrix they describe with the defaults applied, then setup
 * and the interleaved loop. The matrix defaults are every allocator this
 * machine has, every wl-* built beside mpbench, 1..cores threads in powers
 * of two, 5 repetitions. The folder's analysis is the caller's
 * (export/analyse.h). */
#include "common/lock.h"
#include "measure/pin.h"
#include "run/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage_error(const char *who, const char *msg, const char *arg) {
    fprintf(stderr, "%s: %s%s%s\n(see %s --help)\n", who, msg, arg ? ": " : "", arg ? arg : "",
            who);
    return MPB_EXIT_USAGE;
}

/* Default thread counts: 1, 2, 4, ... up to the cores, and the core count. */
static void default_threads(mpb_matrix_t *m) {
    int cores = mpb_pin_cores();
    m->nthreads = 0;
    for (int t = 1; (t <= cores || t <= 2) && m->nthreads < MPB_MAX_THREADS - 1; t *= 2)
        m->threads[m->nthreads++] = t;
    if (cores > 2 && m->threads[m->nthreads - 1] != cores)
        m->threads[m->nthreads++] = cores;
}

int mpb_run_opts_matrix(const mpb_run_opts_t *a, mpb_matrix_t *m, const char *who) {
    memset(m, 0, sizeof *m);
    if (a->alloc)
        mpb_strlist_split(&m->allocs, a->alloc);
    else
        for (int i = 0; mpb_alloc_defaults[i]; i++)
            mpb_strlist_add(&m->allocs, mpb_alloc_defaults[i]);
    if (a->workload)
        mpb_strlist_split(&m->workloads, a->workload);
    if (a->threads ? mpb_matrix_parse_threads(m, a->threads) != 0 : (default_threads(m), 0))
        return usage_error(who, "bad --threads list", a->threads);
    m->repeat = a->repeat ? a->repeat : a->quick ? 3 : 5;
    m->scale = a->scale > 0 ? a->scale : a->quick ? 0.1 : 1.0;
    m->pin = a->pin != 0;
    m->warmup = a->warmup >= 0 ? a->warmup : a->quick ? 0.25 : 1.0;
    m->seed = a->seed >= 0 ? (unsigned)a->seed : 42u;
    m->sample_ms = a->sample_ms >= 0 ? a->sample_ms : MPB_SAMPLE_MS_DEFAULT;
    m->shard_i = m->shard_n = 1;
    if (a->shard && mpb_matrix_parse_shard(m, a->shard) != 0)
        return usage_error(who, "bad --shard (want I/N with 1 <= I <= N)", a->shard);
    if (a->measure && strcmp(a->measure, "time") && strcmp(a->measure, "instructions"))
        return usage_error(who, "bad --measure (time or instructions)", a->measure);
    m->measure = a->measure && !strcmp(a->measure, "instructions");
    m->timeout_s = a->timeout > 0 ? a->timeout : m->measure ? 1200 : 60;
    return mpb_run_command_matrix(m, &a->cmd);
}

int mpb_run_matrix(mpb_run_t *r, const mpb_run_opts_t *o) {
    memset(r, 0, sizeof *r);
    r->csv_fd = -1;
    r->resume = o->resume;
    mpb_copy(r->dir, sizeof r->dir, o->out);
    mpb_copy(r->cmdline, sizeof r->cmdline, o->cmdline ? o->cmdline : "mpbench run");
    int rc = MPB_EXIT_OK;
    if (!r->resume) {
        r->alloc_explicit = o->alloc != NULL;
        rc = mpb_run_opts_matrix(o, &r->m, "mpbench run");
    }
    if (rc == MPB_EXIT_OK)
        rc = mpb_run_setup(r);
    if (rc == MPB_EXIT_OK)
        rc = mpb_run_loop(r);
    return rc;
}

void mpb_run_end(mpb_run_t *r) {
    mpb_matrix_free(&r->m);
    mpb_timeline_free(&mpb_run_timeline);
    mpb_prov_cleanup(&r->prov);
    if (r->locked)
        mpb_lock_release(r->dir);
    for (size_t i = 0; r->preload && i < r->nalloc; i++)
        free(r->preload[i]);
    mpb_run_command_free(r);
    free(r->preload), free(r->allocs), free(r->wls), free(r->done);
    json_decref(r->prev_meta);
    for (size_t i = 0; r->builds && i < r->nalloc; i++)
        mpb_build_free(&r->builds[i]);
    free(r->builds);
    memset(r, 0, sizeof *r);
    r->csv_fd = -1;
}
