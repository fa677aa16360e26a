/* Simulated CPUs: persistent threads, one per CPU, pinned with hwloc to
 * core (id mod cores). ks_cpus_run hands every CPU the same function and
 * waits; the CPUs then sleep until the next call. A CPU's id lives in a
 * __thread variable, so per-thread state (mpalloc's) is per-CPU state. */
#include "ks_cpu.h"

#include <hwloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__thread int ks_cpu_self;
__thread int ks_cpu_atomic_depth;

typedef struct ks_cpu_set {
    pthread_t thread[KS_MAX_CPUS];
    int n; /* CPUs started */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen; /* bumped per ks_cpus_run */
    int pending;       /* CPUs still running the work */
    bool stop;
    void (*fn)(int cpu, void *arg);
    void *arg;
    pthread_barrier_t barrier; /* ks_cpu_barrier */
} ks_cpu_set_t;

static ks_cpu_set_t ks_cpus = {.mu = PTHREAD_MUTEX_INITIALIZER,
                               .go = PTHREAD_COND_INITIALIZER,
                               .done = PTHREAD_COND_INITIALIZER};
static hwloc_topology_t ks_topo;
static int ks_ncores;

void ks_panic(const char *msg) {
    static const char pre[] = "ks: ";
    ssize_t r = write(2, pre, sizeof pre - 1);
    r = write(2, msg, strlen(msg));
    r = write(2, "\n", 1);
    (void)r;
    abort();
}

int ks_cpu_cores(void) {
    if (ks_ncores == 0) {
        hwloc_topology_init(&ks_topo);
        hwloc_topology_load(ks_topo);
        ks_ncores = hwloc_get_nbobjs_by_type(ks_topo, HWLOC_OBJ_CORE);
        if (ks_ncores <= 0)
            ks_ncores = hwloc_get_nbobjs_by_type(ks_topo, HWLOC_OBJ_PU);
        if (ks_ncores <= 0)
            ks_ncores = 1;
    }
    return ks_ncores;
}

/* Binds the calling thread to core (cpu mod cores); failure is not fatal. */
static void ks_cpu_pin(int cpu) {
    hwloc_obj_t core = hwloc_get_obj_by_type(ks_topo, HWLOC_OBJ_CORE, (unsigned)(cpu % ks_ncores));
    if (!core)
        core = hwloc_get_obj_by_type(ks_topo, HWLOC_OBJ_PU, (unsigned)(cpu % ks_ncores));
    if (core)
        hwloc_set_cpubind(ks_topo, core->cpuset, HWLOC_CPUBIND_THREAD);
}

static void *ks_cpu_main(void *argp) {
    int cpu = (int)(intptr_t)argp;
    unsigned long seen = 0;
    ks_cpu_self = cpu;
    ks_cpu_pin(cpu);
    pthread_mutex_lock(&ks_cpus.mu);
    for (;;) {
        while (ks_cpus.gen == seen && !ks_cpus.stop)
            pthread_cond_wait(&ks_cpus.go, &ks_cpus.mu);
        if (ks_cpus.stop)
            break;
        seen = ks_cpus.gen;
        pthread_mutex_unlock(&ks_cpus.mu);
        ks_cpus.fn(cpu, ks_cpus.arg);
        pthread_mutex_lock(&ks_cpus.mu);
        if (--ks_cpus.pending == 0)
            pthread_cond_signal(&ks_cpus.done);
    }
    pthread_mutex_unlock(&ks_cpus.mu);
    return NULL;
}

int ks_cpus_start(int n, bool oversubscribe) {
    if (n < 1 || n > KS_MAX_CPUS || ks_cpus.n != 0)
        return -1;
    if (n > ks_cpu_cores() && !oversubscribe)
        return -1;
    ks_cpus.stop = false;
    pthread_barrier_init(&ks_cpus.barrier, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&ks_cpus.thread[i], NULL, ks_cpu_main, (void *)(intptr_t)i) != 0) {
            ks_cpus.n = i;
            ks_cpus_stop();
            return -1;
        }
    }
    ks_cpus.n = n;
    return 0;
}

void ks_cpus_run(void (*fn)(int cpu, void *arg), void *arg) {
    pthread_mutex_lock(&ks_cpus.mu);
    ks_cpus.fn = fn;
    ks_cpus.arg = arg;
    ks_cpus.pending = ks_cpus.n;
    ks_cpus.gen++;
    pthread_cond_broadcast(&ks_cpus.go);
    while (ks_cpus.pending > 0)
        pthread_cond_wait(&ks_cpus.done, &ks_cpus.mu);
    pthread_mutex_unlock(&ks_cpus.mu);
}

int ks_cpus_online(void) { return ks_cpus.n; }

void ks_cpus_stop(void) {
    pthread_mutex_lock(&ks_cpus.mu);
    ks_cpus.stop = true;
    pthread_cond_broadcast(&ks_cpus.go);
    pthread_mutex_unlock(&ks_cpus.mu);
    for (int i = 0; i < ks_cpus.n; i++)
        pthread_join(ks_cpus.thread[i], NULL);
    if (ks_cpus.n > 0)
        pthread_barrier_destroy(&ks_cpus.barrier);
    ks_cpus.n = 0;
}

void ks_cpu_barrier(void) { pthread_barrier_wait(&ks_cpus.barrier); }
