/* The machine's other work while a matrix ran (machload.h). */
#include "run/machload.h"
#include "common/util.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* user + system seconds of ru. */
static double cpu_of(const struct rusage *ru) {
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
}

void mpb_load_snap(mpb_load_snap_t *s) {
    unsigned long long v[8] = {0};
    struct rusage self, kids;
    long hz = sysconf(_SC_CLK_TCK);
    memset(s, 0, sizeof *s);
    s->wall_s = mpb_now();
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return;
    /* cpu  user nice system idle iowait irq softirq steal (guest is in user) */
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8 || hz <= 0 || getrusage(RUSAGE_SELF, &self) || getrusage(RUSAGE_CHILDREN, &kids))
        return;
    s->busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
    s->steal_s = (double)v[7] / (double)hz;
    s->ours_s = cpu_of(&self) + cpu_of(&kids);
    s->ok = 1;
}

json_t *mpb_load_json(const mpb_load_snap_t *a, const mpb_load_snap_t *b, int pus) {
    double wall = b->wall_s - a->wall_s;
    if (!a->ok || !b->ok || wall <= 0 || pus <= 0)
        return NULL;
    double others = (b->busy_s - a->busy_s) - (b->ours_s - a->ours_s);
    double cpus = others > 0 ? others / wall : 0, steal = (b->steal_s - a->steal_s) / wall;
    json_t *o = json_object();
    json_object_set_new(o, "others_cpus", json_real(cpus));
    json_object_set_new(o, "others_share", json_real(cpus / pus));
    json_object_set_new(o, "steal_cpus", json_real(steal > 0 ? steal : 0));
    json_object_set_new(o, "seconds", json_real(wall));
    mpb_json_set_text(o, "note",
                      "mean CPUs busy with work other than mpbench and its runs while the "
                      "matrix ran (this session: from start or resumed_at to end): /proc/stat "
                      "busy time, steal included, less getrusage of mpbench and its children");
    return o;
}
