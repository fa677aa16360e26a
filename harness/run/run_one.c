/* One run of a cell: the workload's command line (`wl-<name> -t T -s S`,
 * a replay's, or a --command's `sh -c TEXT`; under callgrind for --measure
 * instructions), its --prepare first, its log files in DIR/logs named
 * <cell>-<rep> (rep "warmup" for the warm-up), and the spawn through
 * child.c. Empty stderr logs are removed so the folder shows only news. */
#include "measure/callgrind.h"
#include "measure/pin.h"
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "<alloc>-<workload>-t<T>-<rep>" with path-unsafe characters replaced. */
static void cell_name(const mpb_run_t *r, size_t a, size_t w, size_t t, int rep, char *buf,
                      size_t len) {
    const char *an = r->allocs[a].name;
    char reps[16];
    if (rep > 0)
        mpb_fmt(reps, sizeof reps, "%d", rep);
    else
        strcpy(reps, "warmup");
    mpb_fmt(buf, len, "%s-%s-t%d-%s", an, r->wls[w].name, r->m.threads[t], reps);
    for (char *c = buf; *c; c++)
        if (*c == '/' || *c == ' ')
            *c = '_';
}

/* The build that served the run (seen by the probe) against the one
 * recorded for the allocator when the matrix started: another build ran
 * (the library was rebuilt or replaced meanwhile) and the row would be
 * credited to the wrong one. Fills res->build_id; the first record a run
 * reports becomes the allocator's in meta.json. Returns 0, or -1 with why. */
static int check_build(mpb_build_t *b, const mpb_alloc_t *al, const mpb_prov_seen_t *seen,
                       mpb_result_t *res, char *why, size_t len) {
    mpb_copy(res->build_id, sizeof res->build_id, seen->build);
    if (strcmp(seen->build, b->id) != 0) {
        mpb_fmt(why, len,
                "allocator not verified: the library that ran is build %s, not build %s that "
                "mpbench recorded for %s when the matrix started (%s rebuilt or replaced since?)",
                seen->build[0] ? seen->build : "(unknown)", b->id[0] ? b->id : "(unknown)",
                al->name, al->path[0] ? al->path : "the C library");
        return -1;
    }
    b->runs_seen++;
    if (!b->ran && seen->record)
        b->ran = json_loads(seen->record, 0, NULL);
    return 0;
}

/* The provenance check of a finished run (provenance.h): a run whose
 * allocator is not proven to have served it becomes `unverified`, with the
 * reason; so does one in whose process tree the outside check (`outside`,
 * "" if none) saw a process run without it. A crash or failure before any
 * process reported keeps its status (the reason is noted). Timeouts and runs that never started are left as
 * they are. */
static void check_provenance(const mpb_run_t *r, size_t a, size_t w, const char *probe,
                             const char *err, mpb_result_t *res, const char *outside) {
    if (res->status != MPB_ST_OK && res->status != MPB_ST_FAIL && res->status != MPB_ST_CRASH)
        return;
    char why[sizeof res->why];
    mpb_prov_check_t c = {probe, r->allocs[a].path, res->pid, err, r->wls[w].path};
    mpb_prov_seen_t seen;
    int v = mpb_prov_verify(&c, why, sizeof why, &seen);
    if (v == 1 && outside[0])
        v = 0, mpb_copy(why, sizeof why, outside);
    if (v == 1 && check_build(&r->builds[a], &r->allocs[a], &seen, res, why, sizeof why) != 0)
        v = 0;
    free(seen.record);
    if (v == 1)
        return;
    mpb_copy(res->why, sizeof res->why, why);
    if (v == 0 || res->status == MPB_ST_OK)
        res->status = MPB_ST_UNVERIFIED;
}

#define PROBE_RESERVE (16 * 1024) /* bytes kept for the probe's lines */

/* Starts the probe's report file with a header line and reserves room for
 * the probe's lines (so a disk that fills during the run cannot silence
 * it). A folder without that room fails the run here as mpbench's own
 * failure (status harness: no row, the matrix stops), not the allocator's.
 * Returns 0, or -1 with res filled. */
static int start_probe_file(const char *path, mpb_result_t *res) {
    static const char head[] = "# mpbench provenance report: one line per process\n";
    errno = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), e = 0;
    if (fd < 0 || write(fd, head, sizeof head - 1) != (ssize_t)(sizeof head - 1))
        e = errno ? errno : ENOSPC;
    else if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, PROBE_RESERVE) != 0 && errno != EOPNOTSUPP &&
             errno != ENOSYS)
        e = errno; /* a file system without fallocate keeps no reserve */
    if (fd >= 0 && close(fd) != 0 && !e)
        e = errno;
    if (!e)
        return 0;
    memset(res, 0, sizeof *res);
    res->status = MPB_ST_HARNESS;
    mpb_fmt(res->why, sizeof res->why, "cannot write %s: %s", path, strerror(e));
    unlink(path);
    return -1;
}

/* After a run that did not end ok: when mpbench can no longer write into
 * the results folder (a full disk, a quota), the failure may be the disk's,
 * not the allocator's: the run becomes mpbench's own failure (harness). */
static void check_room(const mpb_run_t *r, mpb_result_t *res) {
    char path[PATH_MAX + 32], block[4096];
    if (res->status == MPB_ST_OK || res->status == MPB_ST_HARNESS ||
        res->status == MPB_ST_INTERRUPTED)
        return;
    mpb_fmt(path, sizeof path, "%s/logs/.mpbench-room", r->dir);
    memset(block, 0, sizeof block);
    errno = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), e = 0;
    if (fd < 0 || write(fd, block, sizeof block) != (ssize_t)sizeof block || fsync(fd) != 0)
        e = errno ? errno : ENOSPC;
    if (fd >= 0)
        close(fd);
    unlink(path);
    if (!e)
        return;
    char was[sizeof res->why];
    mpb_copy(was, sizeof was, res->why);
    res->status = MPB_ST_HARNESS;
    mpb_fmt(res->why, sizeof res->why,
            "the results folder %s cannot be written (%s) after a run that did not end ok "
            "(%s): its failure may be the disk's, not the allocator's",
            r->dir, strerror(e), was[0] ? was : "no reason given");
}

/* Removes path when it is empty. */
static void drop_if_empty(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size == 0)
        unlink(path);
}

double mpb_run_scale(const mpb_run_t *r, size_t w) {
    return r->wls[w].scale > 0 ? r->wls[w].scale : r->m.scale;
}

mpb_timeline_t mpb_run_timeline;

/* The argv of one run (after n callgrind words): the workload with -t and
 * -s, a replay with its plan, or `sh -c TEXT` for a command (*text gets the
 * malloc'd command line, freed by the caller). */
static void workload_argv(const mpb_workload_t *wl, char **argv, int n, char *threads, char *scale,
                          char **text) {
    char *prog[] = {(char *)wl->path, "-t", threads, "-s", scale, NULL};
    char *tr[] = {(char *)wl->path, (char *)wl->plan, "-t", threads, "-s", scale, NULL};
    *text = NULL;
    if (wl->command) {
        *text = mpb_workload_command_text(wl, threads, scale);
        char *sh[] = {"/bin/sh", "-c", *text, NULL};
        memcpy(argv + n, sh, sizeof sh);
    } else if (wl->plan[0]) {
        memcpy(argv + n, tr, sizeof tr);
    } else {
        memcpy(argv + n, prog, sizeof prog);
    }
}

void mpb_run_one(const mpb_run_t *r, size_t a, size_t w, size_t t, int rep, mpb_result_t *res,
                 char *ir, size_t irlen) {
    char name[1024], err[PATH_MAX + 1100], cg[PATH_MAX + 1100], cgopt[PATH_MAX + 1200];
    char probe[PATH_MAX + 1100], prep[PATH_MAX + 1100];
    char threads[16], scale[32], env_t[48], env_s[64];
    const mpb_workload_t *wl = &r->wls[w];
    cell_name(r, a, w, t, rep, name, sizeof name);
    /* absolute: a command may cd before the probe or callgrind writes */
    mpb_fmt(err, sizeof err, "%s/logs/%s.err", r->absdir, name);
    mpb_fmt(cg, sizeof cg, "%s/logs/%s.callgrind", r->absdir, name);
    mpb_fmt(probe, sizeof probe, "%s/logs/%s.probe", r->absdir, name);
    mpb_fmt(prep, sizeof prep, "%s/logs/%s.prepare", r->absdir, name);
    unlink(probe);
    mpb_fmt(threads, sizeof threads, "%d", r->m.threads[t]);
    double sc = mpb_run_scale(r, w);
    mpb_fmt(scale, sizeof scale, "%g", rep > 0 ? sc : sc * r->m.warmup);
    mpb_fmt(env_t, sizeof env_t, "MPB_THREADS=%s", threads);
    mpb_fmt(env_s, sizeof env_s, "MPB_SCALE=%s", scale);
    char *env[] = {env_t, env_s, NULL}, *text;
    char *argv[MPB_CALLGRIND_ARGC + 8];
    int n = 0;
    if (r->m.measure == MPB_MEASURE_INSTRUCTIONS) {
        mpb_callgrind_clear(cg);
        mpb_callgrind_argv(argv, cgopt, sizeof cgopt, cg);
        n = MPB_CALLGRIND_ARGC;
    }
    workload_argv(wl, argv, n, threads, scale, &text);
    /* Oversubscribed runs time-slice: their timeout grows with threads per PU. */
    double timeout = r->m.timeout_s * mpb_pin_oversubscription(r->m.threads[t]);
    mpb_spawn_t s = {argv,
                     r->preload[a],
                     probe,
                     err,
                     r->m.pin && mpb_workload_uses_threads(wl) ? r->m.threads[t] : 0,
                     timeout,
                     r->m.measure == MPB_MEASURE_TIME,
                     NULL,
                     NULL,
                     wl->command ? env : NULL,
                     wl->ops_re};
    /* Under callgrind the tree's programs are valgrind's own: no outside check. */
    mpb_prov_watch_t watch = {.preload = r->preload[a], .probe = r->prov.probe, .period_s = 0.05};
    if (rep > 0 && r->m.measure == MPB_MEASURE_TIME)
        s.watch = &watch;
    mpb_timeline_reset(&mpb_run_timeline);
    mpb_run_timeline.period_ms = r->m.sample_ms;
    if (rep > 0 && r->m.sample_ms > 0 && r->m.measure == MPB_MEASURE_TIME)
        s.timeline = &mpb_run_timeline;
    ir[0] = '\0';
    if ((wl->prepare && mpb_run_prepare(r, w, prep, res) != 0) ||
        start_probe_file(probe, res) != 0) {
        free(text);
        return;
    }
    mpb_child_run(&s, res);
    free(text);
    if (res->status == MPB_ST_HARNESS)
        return;
    if (rep > 0)
        check_provenance(r, a, w, probe, err, res, watch.why);
    if (rep > 0 && res->status == MPB_ST_OK &&
        (mpb_wlout_check(&res->out, res->why, sizeof res->why) != 0 ||
         mpb_wlout_check_time(&res->out, res->wall_s, res->why, sizeof res->why) != 0))
        res->status = MPB_ST_INVALID;
    if (rep > 0 && res->status == MPB_ST_OK && wl->ops_re && !res->out.ops[0]) {
        res->status = MPB_ST_INVALID;
        mpb_fmt(res->why, sizeof res->why,
                "no line of the command's output matched --ops-from '%.200s'", wl->ops_from);
    }
    check_room(r, res); /* before the probe's reserve is given back */
    if (res->status != MPB_ST_UNVERIFIED)
        unlink(probe);
    drop_if_empty(err);
    if (r->m.measure == MPB_MEASURE_INSTRUCTIONS)
        mpb_callgrind_total(cg, ir, irlen);
}
