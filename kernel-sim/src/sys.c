/* Clock, TSC calibration and entropy for the simulated kernel. The TSC rate
 * is found by timing a 50 ms interval of CLOCK_MONOTONIC; the entropy pool
 * is a splitmix64 state seeded from getrandom and the TSC, advanced with an
 * atomic add so CPUs never share an output. */
#include "ks_sys.h"

#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>

static double ks_hz;
static atomic_uint_least64_t ks_pool;

static double ks_mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ks_tsc_hz(void) {
    if (ks_hz == 0) {
        double t0 = ks_mono_s(), t1;
        uint64_t c0 = ks_rdtsc();
        while ((t1 = ks_mono_s()) - t0 < 0.05)
            ;
        ks_hz = (double)(ks_rdtsc() - c0) / (t1 - t0);
    }
    return ks_hz;
}

uint64_t ks_time_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t ks_entropy(void) {
    if (atomic_load_explicit(&ks_pool, memory_order_relaxed) == 0) {
        uint64_t seed = 0;
        if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
            seed = 0;
        atomic_store(&ks_pool, (seed ^ __rdtsc()) | 1);
    }
    uint64_t z = atomic_fetch_add(&ks_pool, 0x9e3779b97f4a7c15ull) + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
