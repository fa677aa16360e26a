/* Machine topology and CPU binding through hwloc's API (never /proc by
 * hand): core and PU counts, the CPU model, a one-line topology summary for
 * meta.json, and binding a child process to its first T cores. */
#ifndef MPB_PIN_H
#define MPB_PIN_H

#include <stddef.h>
#include <sys/types.h>

/* Loads the topology once; later calls are free. Returns 0 or -1. */
int mpb_pin_init(void);
int mpb_pin_cores(void); /* physical cores (>= 1) */
int mpb_pin_pus(void);   /* hardware threads (>= 1) */
int mpb_pin_packages(void);
int mpb_pin_numa(void);
/* CPU model string from hwloc ("unknown" when hwloc has none). */
const char *mpb_pin_cpu_model(void);
/* "1 package, 1 NUMA node, 2 cores, 2 PUs, L3 508MB" style summary. */
void mpb_pin_summary(char *buf, size_t len);

/* Binds process pid (all its threads) to the first `threads` cores, or to
 * every PU when threads exceeds the core count (oversubscribed: the threads
 * share the PUs). Returns 0 or -1; the first failure of a process prints one
 * warning on stderr (the runs then go unpinned, which the caller records). */
int mpb_pin_process(pid_t pid, int threads);

/* How a run of `threads` threads is bound, for meta.json and the report:
 * "cores 0-1", or "all 2 PUs (oversubscribed 8x)" past the core count. */
const char *mpb_pin_describe(int threads, char *buf, size_t len);

/* Threads per PU beyond which runs are oversubscribed: 1 + (threads - 1) / PUs,
 * so 1 up to the PU count, 2 up to twice it, ... (timeouts scale by it). */
int mpb_pin_oversubscription(int threads);

#endif /* MPB_PIN_H */
