/* Repeated writes into one small object, for the false-sharing workloads
 * (cache-thrash, cache-scratch): each repetition reads and rewrites every
 * word through a volatile pointer, so each write really reaches the cache
 * line; the final content is checked against its closed form. */
#ifndef WL_HAMMER_H
#define WL_HAMMER_H

#include "wl_common.h"

/* Fills the object with the pattern of `key`, then `reps` times adds `key`
 * to every word (size >= 8, a multiple of 8). */
static inline void wl_hammer(void *p, size_t size, uint64_t key, uint64_t reps) {
    volatile uint64_t *v = p;
    size_t nw = size / 8;
    wl_fill(p, size, key);
    for (uint64_t r = 0; r < reps; r++)
        for (size_t j = 0; j < nw; j++)
            v[j] = v[j] + key;
}

/* Checks what wl_hammer left (exits 3 on a mismatch), then frees. */
static inline void wl_hammer_free(void *p, size_t size, uint64_t key, uint64_t reps) {
    const uint64_t *v = p;
    for (size_t j = 0; j < size / 8; j++)
        if (v[j] != wl_pat(key, j) + reps * key)
            wl_corrupted(p, size, (long)j);
    wl_escape(p);
    free(p);
}

#endif /* WL_HAMMER_H */
