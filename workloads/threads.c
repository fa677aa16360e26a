/* wl-threads: thread churn. Short-lived threads are created one after another
 * (N at a time); each allocates objects, frees half of them itself, takes
 * objects other threads left in a shared pool and frees them, puts its other
 * half into the pool, and exits. So most pooled objects are freed after their
 * allocating thread has gone: stresses thread setup/teardown and reuse. */
#include "wl_common.h"

#define TH_OBJECTS 1000   /* objects allocated per thread life */
#define TH_LIVES   3000.0 /* thread lives per lineage at scale 1 */
#define TH_MIN     16
#define TH_MAX     1024

static const wl_info_t threads_info = {
    "threads",
    "Thread churn: threads are created, allocate 1000 objects (16 B .. 1 KiB),\n"
    "free half, take up to 500 objects other threads left in a shared pool and\n"
    "free them, put their other half into the pool, and exit. Stresses thread\n"
    "start/exit, allocator reuse, and frees of exited threads' objects.",
    "1000 objects per thread life, 3000 lives per lineage.",
    "N lineages, each running its short-lived threads one after another",
    "thread churn: short-lived threads allocate, free and leave objects to others",
};

/* The shared pool: a FIFO ring of self-describing objects under a mutex. */
static struct {
    pthread_mutex_t m;
    void **ring;
    size_t cap, head, count;
} th_pool = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0};

/* Moves up to n pooled objects into out; returns how many. */
static size_t th_pool_take(void **out, size_t n) {
    pthread_mutex_lock(&th_pool.m);
    size_t k = th_pool.count < n ? th_pool.count : n;
    for (size_t i = 0; i < k; i++)
        out[i] = th_pool.ring[(th_pool.head + i) % th_pool.cap];
    th_pool.head = (th_pool.head + k) % th_pool.cap;
    th_pool.count -= k;
    pthread_mutex_unlock(&th_pool.m);
    return k;
}

/* Adds n objects (the pool has room: each life takes before it puts). */
static void th_pool_put(void **in, size_t n) {
    pthread_mutex_lock(&th_pool.m);
    for (size_t i = 0; i < n; i++)
        th_pool.ring[(th_pool.head + th_pool.count++) % th_pool.cap] = in[i];
    pthread_mutex_unlock(&th_pool.m);
}

/* One short-lived thread. */
static void *th_life(void *arg) {
    wl_worker_t *w = arg;
    void *mine[TH_OBJECTS], *taken[TH_OBJECTS / 2];
    for (int i = 0; i < TH_OBJECTS; i++) {
        size_t size = wl_rng_range(&w->rng, TH_MIN, TH_MAX);
        mine[i] = wl_obj_new(size, wl_rng_next(&w->rng));
    }
    for (int i = 0; i < TH_OBJECTS; i += 2)
        wl_obj_delete(mine[i], TH_MIN, TH_MAX);
    size_t k = th_pool_take(taken, TH_OBJECTS / 2);
    for (size_t i = 0; i < k; i++)
        wl_obj_delete(taken[i], TH_MIN, TH_MAX);
    for (int i = 1; i < TH_OBJECTS; i += 2)
        mine[i / 2] = mine[i];
    th_pool_put(mine, TH_OBJECTS / 2);
    w->ops += TH_OBJECTS + TH_OBJECTS / 2 + k;
    return NULL;
}

static void *th_lineage(void *arg) {
    wl_worker_t *w = arg;
    uint64_t lives = wl_scaled(TH_LIVES, w->o->scale, 2);
    for (uint64_t i = 0; i < lives; i++)
        wl_run_threads(1, th_life, w, 0);
    return NULL;
}

/* Frees what is left in the pool at the end; returns the frees. */
static uint64_t th_pool_drain(void) {
    void *taken[TH_OBJECTS / 2];
    uint64_t n = 0;
    size_t k;
    while ((k = th_pool_take(taken, TH_OBJECTS / 2)) > 0)
        for (size_t i = 0; i < k; i++, n++)
            wl_obj_delete(taken[i], TH_MIN, TH_MAX);
    return n;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &threads_info);
    double t0 = wl_now();
    uint64_t ops;
    th_pool.cap = (size_t)(o.threads + 1) * (TH_OBJECTS / 2);
    th_pool.ring = calloc(th_pool.cap, sizeof *th_pool.ring);
    if (!th_pool.ring)
        wl_oom(th_pool.cap * sizeof *th_pool.ring);
    wl_run_workers(&o, th_lineage, &ops, NULL);
    ops += th_pool_drain();
    free(th_pool.ring);
    wl_report(&o, t0, ops);
    return 0;
}
