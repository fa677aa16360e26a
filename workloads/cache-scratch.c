/* wl-cache-scratch: passive false sharing. The main thread allocates one
 * small (8 B) object per worker, back to back (so they likely share a cache
 * line), and hands one to each worker. A worker frees it, then repeatedly
 * allocates, writes and frees its own objects: an allocator that reuses the
 * freed object for that worker brings the shared line into every worker. */
#include "wl_hammer.h"

#define SCRATCH_SIZE  8
#define SCRATCH_REPS  1000      /* writes of the object per allocation */
#define SCRATCH_ITERS 2000000.0 /* allocations per worker at scale 1 */

static const wl_info_t scratch_info = {
    "cache-scratch",
    "Passive false sharing: the main thread allocates one 8 B object per worker\n"
    "and hands them out; each worker frees its object, then allocates an 8 B\n"
    "object, rewrites it 1000 times, checks and frees it, over and over.\n"
    "Reusing the handed-out memory for the workers makes their writes share lines.",
    "2000000 allocations per worker, 1000 writes each, objects of 8 B.",
    "N workers, one handed-out object each",
    "passive false sharing: objects handed out by one thread, freed and reused by others",
};

/* A worker and the object the main thread handed it. */
typedef struct scratch_worker {
    wl_worker_t w;
    void *handed;
    uint64_t handed_key;
} scratch_worker_t;

static void *scratch_run(void *arg) {
    scratch_worker_t *s = arg;
    wl_worker_t *w = &s->w;
    uint64_t iters = wl_scaled(SCRATCH_ITERS, w->o->scale, 1);
    wl_hammer_free(s->handed, SCRATCH_SIZE, s->handed_key, 0);
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t key = wl_rng_next(&w->rng);
        void *p = malloc(SCRATCH_SIZE);
        if (!p)
            wl_oom(SCRATCH_SIZE);
        wl_hammer(p, SCRATCH_SIZE, key, SCRATCH_REPS);
        wl_hammer_free(p, SCRATCH_SIZE, key, SCRATCH_REPS);
    }
    w->ops = 1 + 2 * iters; /* the handed object's free, then the pairs */
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &scratch_info);
    double t0 = wl_now();
    static scratch_worker_t s[WL_MAX_THREADS];
    uint64_t ops = 0;
    for (int i = 0; i < o.threads; i++) {
        s[i].w.idx = i;
        s[i].w.o = &o;
        s[i].w.rng = wl_rng_make(o.seed, (uint64_t)i);
        s[i].handed_key = wl_rng_next(&s[i].w.rng);
        s[i].handed = malloc(SCRATCH_SIZE);
        if (!s[i].handed)
            wl_oom(SCRATCH_SIZE);
        wl_hammer(s[i].handed, SCRATCH_SIZE, s[i].handed_key, 0);
    }
    wl_run_threads(o.threads, scratch_run, s, sizeof s[0]);
    for (int i = 0; i < o.threads; i++)
        ops += 1 + s[i].w.ops; /* + the main thread's malloc */
    wl_report(&o, t0, ops);
    return 0;
}
