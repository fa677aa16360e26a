/* perf_event_open counters. Each counter is its own event (no group: an
 * inherited group cannot be read as one), opened by the parent on the child
 * while the child waits before exec, with enable_on_exec so mpbench's own
 * fork work is not counted and inherit so every thread is. */
#include "measure/counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const mpb_counter_cols[MPB_NCOUNTERS] = {
    "task_clock_ms", "page_faults", "ctx_switches", "cycles", "instructions", "cache_misses",
};

static const struct {
    uint32_t type;
    uint64_t config;
} events[MPB_NCOUNTERS] = {
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS},
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
};

static unsigned supported;
static int probed;
static char note[256];

/* perf_event_open for event i on pid; disabled until exec when on_exec. */
static int open_event(int i, pid_t pid, int on_exec) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = events[i].type;
    a.config = events[i].config;
    a.disabled = 1;
    a.enable_on_exec = (unsigned)on_exec;
    a.inherit = 1;
    a.exclude_hv = 1;
    return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

unsigned mpb_counters_probe(void) {
    if (probed)
        return supported;
    probed = 1;
    int hw_errno = 0;
    for (int i = 0; i < MPB_NCOUNTERS; i++) {
        int fd = open_event(i, 0, 0);
        if (fd >= 0) {
            supported |= 1u << i;
            close(fd);
        } else if (events[i].type == PERF_TYPE_HARDWARE && !hw_errno) {
            hw_errno = errno;
        } else if (events[i].type == PERF_TYPE_SOFTWARE) {
            snprintf(note, sizeof note, "software counters unavailable: %s; ", strerror(errno));
        }
    }
    if (hw_errno) {
        size_t n = strlen(note);
        snprintf(note + n, sizeof note - n,
                 "hardware counters (cycles, instructions, "
                 "cache-misses) not supported on this machine: %s",
                 strerror(hw_errno));
    }
    return supported;
}

const char *mpb_counters_note(void) {
    mpb_counters_probe();
    return note;
}

void mpb_counters_open(mpb_counters_t *c, pid_t pid) {
    unsigned ok = mpb_counters_probe();
    for (int i = 0; i < MPB_NCOUNTERS; i++)
        c->fd[i] = (ok >> i) & 1 ? open_event(i, pid, 1) : -1;
}

void mpb_counters_close(mpb_counters_t *c, double val[MPB_NCOUNTERS], int have[MPB_NCOUNTERS]) {
    for (int i = 0; i < MPB_NCOUNTERS; i++) {
        uint64_t v = 0;
        have[i] = c->fd[i] >= 0 && read(c->fd[i], &v, sizeof v) == (ssize_t)sizeof v;
        val[i] = (double)v;
        if (i == MPB_CNT_TASK_CLOCK)
            val[i] /= 1e6; /* ns -> ms */
        if (c->fd[i] >= 0)
            close(c->fd[i]);
        c->fd[i] = -1;
    }
}
