/* Processes a run leaves behind. mpbench makes itself a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so every process a workload starts stays in
 * mpbench's tree even after its parent exits, whatever session or process
 * group it moved to (setsid, a double fork). When the workload's own
 * process has exited, any such process still running is a leftover: it
 * is named, killed and reaped, and the run says so, so no stray keeps
 * running into the next run's measurement unreported. */
#ifndef MPB_STRAYS_H
#define MPB_STRAYS_H

#include <stddef.h>
#include <sys/types.h>

/* What was left: the live processes found, and "pid 123 (sleep), ..." */
typedef struct mpb_strays {
    size_t n;
    char what[512];
} mpb_strays_t;

/* Makes mpbench a child subreaper (once; later calls do nothing). */
void mpb_strays_enable(void);

/* Finds every live process descended from mpbench except main (the run's
 * own process, which may still run or be a zombie) and its threads, notes
 * them in s, and kills them (SIGKILL) with main's process group. Call when
 * the run is over, before reaping main. */
void mpb_strays_stop(pid_t main, mpb_strays_t *s);

/* Reaps every child mpbench has left once main is reaped (the killed
 * leftovers, reparented to it), killing any that appeared meanwhile; gives
 * up after about two seconds. */
void mpb_strays_reap(void);

#endif /* MPB_STRAYS_H */
