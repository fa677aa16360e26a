/* A window of object slots, the shape behind the churn-style workloads
 * (churn, mixed, larson, large, phase, window-churn, mixed-sizes): fill the
 * window, then replace random slots (check + free the old object, allocate
 * and fill a new one), then free everything. Sizes come from a
 * workload-supplied distribution; ops and live bytes are counted in the
 * owning wl_worker_t. The `_light` variants write and check one byte per
 * object instead of the full pattern, for workloads that isolate the
 * allocator's own cost (the program touches no more memory than it must). */
#ifndef WL_SLOTS_H
#define WL_SLOTS_H

#include "wl_common.h"

/* One live object: where, how big, and the key of its content pattern. */
typedef struct wl_slot {
    void *p; /* NULL when the slot is empty */
    size_t size;
    uint64_t key;
} wl_slot_t;

/* A size distribution: draws one size from the worker's RNG. */
typedef size_t (*wl_size_fn)(wl_rng_t *r);

/* Allocates a new object of `size` into the (empty) slot. */
static inline void wl_slot_put(wl_worker_t *w, wl_slot_t *s, size_t size) {
    s->key = ((uint64_t)w->idx << 48) ^ w->ops ^ w->o->seed;
    s->size = size;
    s->p = wl_new(size, s->key);
    w->ops++;
    wl_live_add(w, size);
}

/* Checks and frees the slot's object (if any); the slot becomes empty. */
static inline void wl_slot_drop(wl_worker_t *w, wl_slot_t *s) {
    if (!s->p)
        return;
    wl_delete(s->p, s->size, s->key);
    s->p = NULL;
    w->ops++;
    w->live -= s->size;
}

/* Fills every empty slot of the window with an object from `f`. */
static inline void wl_slots_fill(wl_worker_t *w, wl_slot_t *s, size_t n, wl_size_fn f) {
    for (size_t i = 0; i < n; i++)
        if (!s[i].p)
            wl_slot_put(w, &s[i], f(&w->rng));
}

/* `steps` times: replace the object of a random slot by a new one from `f`. */
static inline void wl_slots_churn(wl_worker_t *w, wl_slot_t *s, size_t n, uint64_t steps,
                                  wl_size_fn f) {
    for (uint64_t i = 0; i < steps; i++) {
        wl_slot_t *x = &s[wl_rng_below(&w->rng, n)];
        wl_slot_drop(w, x);
        wl_slot_put(w, x, f(&w->rng));
    }
}

/* Frees every object of the window. */
static inline void wl_slots_drain(wl_worker_t *w, wl_slot_t *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        wl_slot_drop(w, &s[i]);
}

/* ------------------------------------------ light touch: one byte each */

/* The one byte a light object carries: derived from its key. */
static inline unsigned char wl_light_byte(uint64_t key) {
    return (unsigned char)(key ^ (key >> 8) ^ 0xA5);
}

/* Allocates `size` bytes into the (empty) slot and writes its first byte. */
static inline void wl_slot_put_light(wl_worker_t *w, wl_slot_t *s, size_t size) {
    s->key = ((uint64_t)w->idx << 48) ^ w->ops ^ w->o->seed;
    s->size = size;
    s->p = malloc(size);
    if (!s->p)
        wl_oom(size);
    wl_escape(s->p);
    *(unsigned char *)s->p = wl_light_byte(s->key);
    w->ops++;
    wl_live_add(w, size);
}

/* Checks the slot's one byte (exit 3 when it changed) and frees the object. */
static inline void wl_slot_drop_light(wl_worker_t *w, wl_slot_t *s) {
    if (!s->p)
        return;
    if (*(unsigned char *)s->p != wl_light_byte(s->key))
        wl_corrupted(s->p, s->size, 0);
    wl_escape(s->p);
    free(s->p);
    s->p = NULL;
    w->ops++;
    w->live -= s->size;
}

/* The whole light-touch life of a window of n slots: fill it, replace a
 * random slot `steps` times (sizes from `f`), free everything. */
static inline void wl_slots_run_light(wl_worker_t *w, wl_slot_t *s, size_t n, uint64_t steps,
                                      wl_size_fn f) {
    for (size_t i = 0; i < n; i++)
        wl_slot_put_light(w, &s[i], f(&w->rng));
    for (uint64_t i = 0; i < steps; i++) {
        wl_slot_t *x = &s[wl_rng_below(&w->rng, n)];
        wl_slot_drop_light(w, x);
        wl_slot_put_light(w, x, f(&w->rng));
    }
    for (size_t i = 0; i < n; i++)
        wl_slot_drop_light(w, &s[i]);
}

/* A zeroed slot array from the allocator under test (counted as no op: it
 * is bookkeeping, allocated once). */
static inline wl_slot_t *wl_slots_new(size_t n) {
    wl_slot_t *s = calloc(n, sizeof *s);
    return s ? s : wl_oom(n * sizeof *s);
}

#endif /* WL_SLOTS_H */
