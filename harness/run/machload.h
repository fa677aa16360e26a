/* How busy the machine was with other work while a matrix ran: the CPU
 * time every process spent (/proc/stat: user, nice, system, irq, softirq
 * and steal, the time a hypervisor gave to other guests) less the time of
 * mpbench and the runs it waited for (getrusage, self and children), over
 * the wall time. Other processes sharing the CPUs slow the runs unevenly:
 * their numbers then compare the machine's moods as much as allocators.
 * Recorded in meta.json ("machine_load"); the digest warns above
 * MPB_LOAD_WARN_SHARE of the PUs. */
#ifndef MPB_MACHLOAD_H
#define MPB_MACHLOAD_H

#include "common/json.h"

#define MPB_LOAD_WARN_SHARE 0.10 /* others' CPU time / (wall x PUs) worth a warning */

typedef struct mpb_load_snap {
    double busy_s;  /* CPU seconds of every process since boot (/proc/stat) */
    double steal_s; /* of them, stolen by the hypervisor */
    double ours_s;  /* user + system seconds of this process and its waited-for children */
    double wall_s;  /* monotonic clock */
    int ok;         /* 0 when /proc/stat could not be read */
} mpb_load_snap_t;

/* Takes a snapshot now. */
void mpb_load_snap(mpb_load_snap_t *s);

/* {"others_cpus": mean CPUs busy with other work between a and b,
 *  "others_share": that over pus, "steal_cpus": ..., "seconds": ..., "note"}
 * (new reference), or NULL when either snapshot failed or no time passed. */
json_t *mpb_load_json(const mpb_load_snap_t *a, const mpb_load_snap_t *b, int pus);

#endif /* MPB_MACHLOAD_H */
