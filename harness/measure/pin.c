/* Topology and binding with hwloc. One topology is loaded per mpbench
 * process; a run of T threads is bound to the union of the first T cores'
 * cpusets, so thread counts up to the core count never share a core and the
 * placement is the same for every allocator. Past the core count a run is
 * bound to every PU (oversubscribed past the PU count: threads time-slice). */
#include "measure/pin.h"
#include "common/util.h"

#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <string.h>

static hwloc_topology_t topo;
static int loaded;

int mpb_pin_init(void) {
    if (loaded)
        return loaded > 0 ? 0 : -1;
    loaded = -1;
    if (hwloc_topology_init(&topo) != 0)
        return -1;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    loaded = 1;
    return 0;
}

/* Number of objects of type t, at least 1. */
static int count(hwloc_obj_type_t t) {
    if (mpb_pin_init() != 0)
        return 1;
    int n = hwloc_get_nbobjs_by_type(topo, t);
    return n > 0 ? n : 1;
}

int mpb_pin_cores(void) { return count(HWLOC_OBJ_CORE); }
int mpb_pin_pus(void) { return count(HWLOC_OBJ_PU); }
int mpb_pin_packages(void) { return count(HWLOC_OBJ_PACKAGE); }
int mpb_pin_numa(void) { return count(HWLOC_OBJ_NUMANODE); }

const char *mpb_pin_cpu_model(void) {
    if (mpb_pin_init() != 0)
        return "unknown";
    hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
    const char *m = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    if (!m)
        m = hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo), "CPUModel");
    static char model[256];
    mpb_copy(model, sizeof model, m ? m : "unknown");
    for (size_t n = strlen(model); n > 0 && model[n - 1] == ' '; n--)
        model[n - 1] = '\0';
    return model;
}

/* Size of the first cache of the given depth, in KiB (0 when none). */
static unsigned long cache_kib(hwloc_obj_type_t t) {
    hwloc_obj_t o = hwloc_get_obj_by_type(topo, t, 0);
    return o && o->attr ? (unsigned long)(o->attr->cache.size / 1024) : 0;
}

void mpb_pin_summary(char *buf, size_t len) {
    if (mpb_pin_init() != 0) {
        snprintf(buf, len, "hwloc topology unavailable");
        return;
    }
    snprintf(buf, len,
             "%d package(s), %d NUMA node(s), %d core(s), %d PU(s), "
             "L1d %lu KiB, L2 %lu KiB, L3 %lu KiB per cache",
             mpb_pin_packages(), mpb_pin_numa(), mpb_pin_cores(), mpb_pin_pus(),
             cache_kib(HWLOC_OBJ_L1CACHE), cache_kib(HWLOC_OBJ_L2CACHE),
             cache_kib(HWLOC_OBJ_L3CACHE));
}

/* One warning per mpbench process when runs cannot be bound. */
static void warn_unpinned(const char *why) {
    static int warned;
    if (!warned++)
        fprintf(stderr, "mpbench: warning: cannot bind runs to cores (%s); they run unpinned\n",
                why);
}

int mpb_pin_process(pid_t pid, int threads) {
    if (mpb_pin_init() != 0) {
        warn_unpinned("no hwloc topology");
        return -1;
    }
    if (!hwloc_topology_is_thissystem(topo)) { /* HWLOC_SYNTHETIC, an XML file */
        warn_unpinned("the hwloc topology is not this machine's");
        return -1;
    }
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    int cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    if (threads > cores || cores <= 0) {
        hwloc_bitmap_copy(set, hwloc_topology_get_topology_cpuset(topo));
    } else {
        for (int i = 0; i < threads; i++)
            hwloc_bitmap_or(set, set,
                            hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)i)->cpuset);
    }
    int rc = hwloc_set_proc_cpubind(topo, pid, set, HWLOC_CPUBIND_PROCESS);
    int err = errno;
    hwloc_bitmap_free(set);
    if (rc != 0)
        warn_unpinned(strerror(err));
    return rc == 0 ? 0 : -1;
}

const char *mpb_pin_describe(int threads, char *buf, size_t len) {
    int cores = mpb_pin_cores(), pus = mpb_pin_pus();
    if (mpb_pin_init() != 0)
        snprintf(buf, len, "unpinned (no hwloc topology)");
    else if (!hwloc_topology_is_thissystem(topo))
        snprintf(buf, len, "unpinned (the hwloc topology is not this machine's)");
    else if (threads > pus)
        snprintf(buf, len, "all %d PU%s (oversubscribed %dx)", pus, pus == 1 ? "" : "s",
                 mpb_pin_oversubscription(threads));
    else if (threads > cores)
        snprintf(buf, len, "all %d PUs (SMT siblings shared)", pus);
    else if (threads == 1)
        snprintf(buf, len, "core 0");
    else
        snprintf(buf, len, "cores 0-%d", threads - 1);
    return buf;
}

int mpb_pin_oversubscription(int threads) {
    int pus = mpb_pin_pus();
    return threads <= pus ? 1 : 1 + (threads - 1) / pus;
}
