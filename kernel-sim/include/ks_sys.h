/* Kernel services besides memory: the time stamp counter (and its rate
 * calibrated against CLOCK_MONOTONIC), a millisecond clock (jiffies), and an
 * entropy pool seeded at boot from the OS and stirred with the TSC. */
#ifndef KS_SYS_H
#define KS_SYS_H

#include <stdint.h>
#include <x86intrin.h>

/* Serialised TSC read: earlier instructions finish first. */
static inline uint64_t ks_rdtsc(void) {
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
}

/* TSC ticks per second, measured once over about 50 ms. */
double ks_tsc_hz(void);

/* Milliseconds since an arbitrary start; monotonic. */
uint64_t ks_time_ms(void);

/* 64 bits from the entropy pool. */
uint64_t ks_entropy(void);

#endif /* KS_SYS_H */
