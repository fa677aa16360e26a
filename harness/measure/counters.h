/* perf_event_open counters on a child process and all its threads:
 * software (task-clock, page-faults, context-switches) and hardware
 * (cycles, instructions, cache-misses). Which ones the machine supports is
 * probed once; an unsupported counter is reported missing, never as zero. */
#ifndef MPB_COUNTERS_H
#define MPB_COUNTERS_H

#include <stddef.h>
#include <sys/types.h>

enum {
    MPB_CNT_TASK_CLOCK,
    MPB_CNT_PAGE_FAULTS,
    MPB_CNT_CTX_SWITCHES,
    MPB_CNT_CYCLES,
    MPB_CNT_INSTRUCTIONS,
    MPB_CNT_CACHE_MISSES,
    MPB_NCOUNTERS
};

/* Column names in results.csv, in enum order. */
extern const char *const mpb_counter_cols[MPB_NCOUNTERS];

typedef struct mpb_counters {
    int fd[MPB_NCOUNTERS]; /* -1 when not opened */
} mpb_counters_t;

/* Probes each counter on mpbench itself; returns a bit mask of those the
 * machine supports (bit i = counter i). Cached after the first call. */
unsigned mpb_counters_probe(void);
/* Why the hardware counters are missing ("" when they all work). */
const char *mpb_counters_note(void);

/* Opens the supported counters on pid, counting from its next exec and
 * including threads it creates. */
void mpb_counters_open(mpb_counters_t *c, pid_t pid);
/* Reads (after the child has been reaped) and closes. have[i] says whether
 * val[i] holds a value; task-clock is converted to milliseconds. */
void mpb_counters_close(mpb_counters_t *c, double val[MPB_NCOUNTERS], int have[MPB_NCOUNTERS]);

#endif /* MPB_COUNTERS_H */
