/* meta.json writer. Written when a run starts (end null, state "running")
 * and again when it stops, atomically each time, so the folder always holds
 * a complete JSON object. Built as a jansson object (json.c); members keep
 * the order they are added in, for people reading it with a pager. */
#include "run/meta.h"

#include "measure/counters.h"
#include "run/envrec.h"
#include "measure/pin.h"
#include "common/util.h"

#include <limits.h>
#include <sys/utsname.h>
#include <unistd.h>

void mpb_meta_machine(json_t *o) {
    char host[256] = "unknown", kernel[600], cc[256], topo[512];
    gethostname(host, sizeof host - 1);
    struct utsname u;
    uname(&u);
    mpb_fmt(kernel, sizeof kernel, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
    char *argv[] = {"cc", "--version", NULL};
    if (mpb_capture_line(argv, cc, sizeof cc, 5.0) != 0)
        mpb_fmt(cc, sizeof cc, "unknown");
    mpb_pin_summary(topo, sizeof topo);
    mpb_json_set_text(o, "host", host);
    mpb_json_set_text(o, "cpu_model", mpb_pin_cpu_model());
    json_object_set_new(o, "cores", json_integer(mpb_pin_cores()));
    json_object_set_new(o, "pus", json_integer(mpb_pin_pus()));
    mpb_json_set_text(o, "topology", topo);
    mpb_json_set_text(o, "kernel", kernel);
    mpb_json_set_text(o, "compiler", cc);
    mpb_json_set_text(o, "mpbench_compiler", __VERSION__);
    json_object_set_new(o, "environment", mpb_env_record());
}

/* "counters": which perf events were recorded and why others are empty. */
static json_t *counters(int measure) {
    unsigned ok = measure == MPB_MEASURE_TIME ? mpb_counters_probe() : 0;
    json_t *c = json_object(), *avail = json_array(), *missing = json_array();
    for (int i = 0; i < MPB_NCOUNTERS; i++)
        json_array_append_new((ok >> i) & 1 ? avail : missing, mpb_json_text(mpb_counter_cols[i]));
    json_object_set_new(c, "available", avail);
    json_object_set_new(c, "missing", missing);
    mpb_json_set_text(
        c, "note",
        measure == MPB_MEASURE_TIME
            ? mpb_counters_note()
            : "--measure instructions: runs under callgrind, which gives the instructions column");
    mpb_json_set_text(c, "missing_recorded_as", "empty cells");
    return c;
}

/* "allocators": [{name, variant, path, version}, ...]. */
static json_t *allocators(const mpb_alloc_t *a, size_t n, const mpb_build_t *builds) {
    json_t *l = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        mpb_json_set_text(e, "name", a[i].name);
        mpb_json_set_text(e, "variant", a[i].variant);
        mpb_json_set_text(e, "path", a[i].path[0] ? a[i].path : "(none: system malloc)");
        mpb_json_set_text(e, "version", a[i].version);
        if (builds) { /* the build: its id, and a libmpalloc's own record */
            json_t *b = mpb_build_json(&builds[i]);
            json_object_set(e, "build_id", json_object_get(b, "build_id"));
            json_object_set(e, "build", json_object_get(b, "record"));
            json_object_set(e, "build_read_from", json_object_get(b, "record_read_from"));
            json_object_set(e, "build_confirmed_by_runs", json_object_get(b, "confirmed_by_runs"));
            json_decref(b);
        }
        json_array_append_new(l, e);
    }
    return l;
}

/* "binding": how runs of each thread count are placed, e.g. {"1": "core 0",
 * "16": "all 2 PUs (oversubscribed 8x)"}; every count "unpinned" with --no-pin. */
static json_t *binding(const mpb_matrix_t *m) {
    json_t *o = json_object();
    char key[16], how[128];
    for (size_t i = 0; i < m->nthreads; i++) {
        mpb_fmt(key, sizeof key, "%d", m->threads[i]);
        mpb_json_set_text(o, key,
                          m->pin ? mpb_pin_describe(m->threads[i], how, sizeof how)
                                 : "unpinned (--no-pin)");
    }
    return o;
}

/* "workload_ids": {name: {path, id}}: what each workload name ran (a program
 * rebuilt, a script or trace edited, another --command under the name). */
static json_t *workload_ids(const mpb_workload_t *w, size_t n) {
    json_t *o = json_object();
    char id[96];
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        mpb_workload_id(&w[i], id, sizeof id);
        mpb_json_set_text(e, "path",
                          w[i].command    ? w[i].command
                          : w[i].trace[0] ? w[i].trace
                                          : w[i].path);
        mpb_json_set_text(e, "id", id);
        json_object_set_new(o, w[i].name, e);
    }
    return o;
}

/* "matrix": the run's parameters. */
static json_t *matrix(const mpb_meta_t *meta) {
    const mpb_matrix_t *m = meta->m;
    json_t *o = json_object(), *wl = json_array(), *th = json_array();
    char shard[32];
    for (size_t i = 0; i < meta->nwl; i++)
        json_array_append_new(wl, mpb_json_text(meta->wls[i].name));
    for (size_t i = 0; i < m->nthreads; i++)
        json_array_append_new(th, json_integer(m->threads[i]));
    mpb_fmt(shard, sizeof shard, "%d/%d", m->shard_i, m->shard_n);
    json_object_set_new(o, "workloads", wl);
    json_object_set_new(o, "threads", th);
    json_object_set_new(o, "repeat", json_integer(m->repeat));
    json_object_set_new(o, "scale", json_real(m->scale));
    json_t *own = json_object(); /* workloads named NAME@F: their own scale */
    for (size_t i = 0; i < meta->nwl; i++)
        if (meta->wls[i].scale > 0)
            json_object_set_new(own, meta->wls[i].name, json_real(meta->wls[i].scale));
    json_object_set_new(o, "workload_scale", own);
    json_t *cmds = json_object(); /* --command workloads: name -> the command line */
    for (size_t i = 0; i < meta->nwl; i++)
        if (meta->wls[i].command) {
            json_t *c = json_object();
            mpb_json_set_text(c, "command", meta->wls[i].command);
            mpb_json_set_text(c, "run_as", "sh -c COMMAND ({threads}, {scale} replaced)");
            if (meta->wls[i].prepare)
                mpb_json_set_text(c, "prepare", meta->wls[i].prepare);
            if (meta->wls[i].ops_from)
                mpb_json_set_text(c, "ops_from", meta->wls[i].ops_from);
            json_object_set_new(c, "threads",
                                mpb_workload_uses_threads(&meta->wls[i])
                                    ? mpb_json_text("every count ({threads} in the command)")
                                    : json_integer(m->threads[0]));
            json_object_set_new(cmds, meta->wls[i].name, c);
        }
    json_object_set_new(o, "commands", cmds);
    json_object_set_new(o, "timeout_s", json_real(m->timeout_s));
    json_object_set_new(o, "warmup_scale_fraction", json_real(m->warmup));
    json_object_set_new(o, "warmup_runs", json_integer(meta->warmup_runs));
    json_object_set_new(o, "pin", json_boolean(m->pin));
    json_object_set_new(o, "binding", binding(m));
    json_object_set_new(o, "sample_ms", json_real(m->sample_ms));
    mpb_json_set_text(o, "shard", shard);
    json_object_set_new(o, "seed", json_integer(m->seed));
    mpb_json_set_text(o, "measure", mpb_matrix_measure_name(m->measure));
    mpb_json_set_text(o, "order",
                      "for rep: for workload: for threads: for allocator (allocator "
                      "order shuffled per rep with the seed)");
    mpb_json_set_text(o, "warmup",
                      m->measure != MPB_MEASURE_TIME ? "none (callgrind counts are deterministic)"
                      : m->warmup > 0
                          ? "one uncounted run per cell (at warmup_scale_fraction of the "
                            "scale) before its first counted run, not written to results.csv"
                          : "none (--warmup 0)");
    return o;
}

int mpb_meta_write(const char *dir, const mpb_meta_t *meta) {
    char path[PATH_MAX], commit[128];
    json_t *o = json_object();
    mpb_meta_git(commit, sizeof commit);
    mpb_meta_machine(o);
    json_object_set_new(o, "counters", counters(meta->m->measure));
    json_object_set_new(o, "allocators", allocators(meta->allocs, meta->nalloc, meta->builds));
    json_object_set_new(o, "matrix", matrix(meta));
    json_object_set_new(o, "workload_ids", workload_ids(meta->wls, meta->nwl));
    mpb_json_set_text(o, "tunables",
                      "each mpalloc build's own, as compiled: allocators[].build.tunables (read "
                      "from the library, not from allocator/src/tunables.h)");
    mpb_json_set_text(o, "git_commit", commit);
    mpb_json_set_text(o, "command_line", meta->cmdline);
    mpb_json_set_text(o, "start", meta->m->started);
    mpb_json_set_text(o, "resumed_at", meta->resumed_at);
    mpb_json_set_text(o, "end", meta->end);
    mpb_json_set_text(o, "state", meta->state);
    if (meta->machine_load)
        json_object_set(o, "machine_load", meta->machine_load);
    mpb_fmt(path, sizeof path, "%s/meta.json", dir);
    int rc = mpb_json_save(path, o);
    json_decref(o);
    return rc;
}
