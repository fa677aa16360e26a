/* meta.json writer. Written when a run starts (end null, state "running")
 * and again when it stops, atomically each time, so the folder always holds
 * a complete JSON object. Strings are escaped by json.c; the layout is one
 * key per line for people reading it with a pager. */
#include "meta.h"

#include "counters.h"
#include "json.h"
#include "pin.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* host, cpu, topology, kernel, compiler. */
static void put_machine(FILE *f)
{
    char host[256] = "unknown", kernel[600], cc[256], topo[512];
    gethostname(host, sizeof host - 1);
    struct utsname u;
    uname(&u);
    mpb_fmt(kernel, sizeof kernel, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
    char *argv[] = { "cc", "--version", NULL };
    if (mpb_capture_line(argv, cc, sizeof cc, 5.0) != 0)
        mpb_fmt(cc, sizeof cc, "unknown");
    mpb_pin_summary(topo, sizeof topo);
    mpb_json_kv(f, "host", host, 1);
    mpb_json_kv(f, "cpu_model", mpb_pin_cpu_model(), 0);
    fprintf(f, ",\n  \"cores\": %d,\n  \"pus\": %d", mpb_pin_cores(), mpb_pin_pus());
    mpb_json_kv(f, "topology", topo, 0);
    mpb_json_kv(f, "kernel", kernel, 0);
    mpb_json_kv(f, "compiler", cc, 0);
    mpb_json_kv(f, "mpbench_compiler", __VERSION__, 0);
}

/* "counters": which perf events were recorded and why others are empty. */
static void put_counters(FILE *f, int measure)
{
    unsigned ok = measure == MPB_MEASURE_TIME ? mpb_counters_probe() : 0;
    fputs(",\n  \"counters\": {\n    \"available\": [", f);
    for (int i = 0, n = 0; i < MPB_NCOUNTERS; i++)
        if ((ok >> i) & 1) {
            fputs(n++ ? ", " : "", f);
            mpb_json_str(f, mpb_counter_cols[i]);
        }
    fputs("],\n    \"missing\": [", f);
    for (int i = 0, n = 0; i < MPB_NCOUNTERS; i++)
        if (!((ok >> i) & 1)) {
            fputs(n++ ? ", " : "", f);
            mpb_json_str(f, mpb_counter_cols[i]);
        }
    fputs("],\n    \"note\": ", f);
    mpb_json_str(f, measure == MPB_MEASURE_TIME ? mpb_counters_note()
                 : "--measure instructions: runs under callgrind, which gives the instructions column");
    fputs(",\n    \"missing_recorded_as\": \"empty cells\"\n  }", f);
}

/* "allocators": [{name, variant, path, version}, ...]. */
static void put_allocators(FILE *f, const mpb_alloc_t *a, size_t n)
{
    fputs(",\n  \"allocators\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n    {" : "\n    {", f);
        fputs("\"name\": ", f), mpb_json_str(f, a[i].name);
        fputs(", \"variant\": ", f), mpb_json_str(f, a[i].variant);
        fputs(", \"path\": ", f), mpb_json_str(f, a[i].path[0] ? a[i].path : "(none: system malloc)");
        fputs(", \"version\": ", f), mpb_json_str(f, a[i].version);
        fputs("}", f);
    }
    fputs("\n  ]", f);
}

/* "matrix": the run's parameters. */
static void put_matrix(FILE *f, const mpb_meta_t *meta)
{
    const mpb_matrix_t *m = meta->m;
    fputs(",\n  \"matrix\": {\n    \"workloads\": [", f);
    for (size_t i = 0; i < meta->nwl; i++) {
        fputs(i ? ", " : "", f);
        mpb_json_str(f, meta->wls[i].name);
    }
    fputs("],\n    \"threads\": [", f);
    for (size_t i = 0; i < m->nthreads; i++)
        fprintf(f, "%s%d", i ? ", " : "", m->threads[i]);
    fprintf(f, "],\n    \"repeat\": %d,\n    \"scale\": %g,\n    \"timeout_s\": %g,\n"
            "    \"warmup_scale_fraction\": %g,\n    \"pin\": %s,\n    \"shard\": \"%d/%d\",\n    \"seed\": %u,\n    \"measure\": \"%s\",\n"
            "    \"order\": \"for rep: for workload: for threads: for allocator (allocator order "
            "shuffled per rep with the seed)\",\n    \"warmup\": \"%s\"\n  }",
            m->repeat, m->scale, m->timeout_s, m->warmup, m->pin ? "true" : "false", m->shard_i, m->shard_n,
            m->seed, mpb_matrix_measure_name(m->measure),
            m->measure != MPB_MEASURE_TIME ? "none (callgrind counts are deterministic)"
            : m->warmup > 0 ? "one uncounted run per cell (at warmup_scale_fraction of the scale) "
            "before its first counted run, not written to results.csv" : "none (--warmup 0)");
}

int mpb_meta_write(const char *dir, const mpb_meta_t *meta)
{
    char *text = NULL, path[PATH_MAX], commit[128];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return -1;
    mpb_meta_git(commit, sizeof commit);
    fputs("{\n", f);
    put_machine(f);
    put_counters(f, meta->m->measure);
    put_allocators(f, meta->allocs, meta->nalloc);
    put_matrix(f, meta);
    fputs(",\n  \"tunables\": ", f), mpb_meta_tunables(f);
    fputs(",\n  \"variant_flags\": ", f), mpb_meta_variant_flags(f, meta->allocs, meta->nalloc);
    mpb_json_kv(f, "git_commit", commit, 0);
    mpb_json_kv(f, "command_line", meta->cmdline, 0);
    mpb_json_kv(f, "start", meta->m->started, 0);
    fputs(",\n  \"resumed_at\": ", f), mpb_json_str(f, meta->resumed_at);
    fputs(",\n  \"end\": ", f), mpb_json_str(f, meta->end);
    mpb_json_kv(f, "state", meta->state, 0);
    fputs("\n}\n", f);
    fclose(f);
    mpb_fmt(path, sizeof path, "%s/meta.json", dir);
    int rc = mpb_write_file(path, text);
    free(text);
    return rc;
}
