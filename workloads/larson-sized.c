/* wl-larson-sized: Larson's server model as the original runs it, with C++
 * sized deletes. Each of N lineages owns 5000 slots (objects of 8 B .. 1000 B)
 * held by one thread at a time; a thread replaces random slots, and at the
 * end of its life starts its successor itself and exits, so the successor
 * runs on a new thread while its predecessor is still tearing down: every
 * object it frees was allocated by an earlier thread (remote frees to a
 * thread that is gone or going). Objects come from `operator new(size)` and
 * go back through `operator delete(p, size)`, resolved as a C++ program
 * resolves them: the preloaded allocator's own, else libstdc++'s (which
 * forwards to malloc/free); without libstdc++, malloc and free_sized (or
 * free). */
#include "wl_common.h"

#include <stdatomic.h>

#define LS_SLOTS 5000
#define LS_STEPS 100000 /* replacements per thread life */
#define LS_LIVES 40.0   /* thread lives per lineage at scale 1 */
#define LS_MIN   8
#define LS_MAX   1000

static const wl_info_t ls_info = {
    "larson-sized",
    "Larson server with sized deletes: each lineage owns 5000 slots (objects of\n"
    "8 B .. 1000 B); a thread replaces random slots (operator delete(p, size), then\n"
    "operator new(size)), then starts its successor and exits: the successor runs\n"
    "beside its exiting predecessor and frees the objects earlier threads made.\n"
    "new/delete resolve as in a C++ program: the preloaded allocator's, else\n"
    "libstdc++'s (malloc/free). Stresses sized delete, remote frees to exited\n"
    "threads and thread turnover. -v names where operator delete came from.",
    "5000 slots per lineage, 100000 replacements per thread life, 40 lives per\n"
    "lineage (the --scale multiplies the lives, at least 2).",
    "N lineages running side by side (N threads alive at a time, N+1 at a hand-over)",
    "Larson server as run by mimalloc-bench: sized operator delete, successor threads",
};

static void *(*ls_new)(size_t);
static void (*ls_delete)(void *, size_t);
static void (*ls_free_sized)(void *, size_t);

static void *ls_malloc(size_t size) { return malloc(size); }
static void ls_free(void *p, size_t size) {
    if (ls_free_sized)
        ls_free_sized(p, size);
    else
        free(p);
}

/* Resolves new/delete the way a C++ program's references bind: libstdc++
 * joins the global scope after the preloaded allocator, so its operators
 * are found only when the allocator has none. */
static void ls_bind(int verbose) {
    dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL);
    ls_new = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "_Znwm");
    ls_delete = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "_ZdlPvm");
    if (!ls_new || !ls_delete) {
        ls_free_sized = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
        ls_new = ls_malloc;
        ls_delete = ls_free;
    }
    Dl_info di;
    if (verbose && dladdr((void *)ls_delete, &di))
        fprintf(stderr, "wl-larson-sized: sized delete from %s\n",
                di.dli_fname ? di.dli_fname : "?");
}

/* A lineage: its slots, and how many lives it still has to run. */
typedef struct ls_lineage {
    wl_worker_t *w;
    unsigned char **p;
    uint32_t *size;
    uint64_t lives_left;
    int first;
} ls_lineage_t;

static pthread_mutex_t ls_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ls_cv = PTHREAD_COND_INITIALIZER;
static int ls_running; /* lineages not finished */

static void ls_put(ls_lineage_t *l, size_t i) {
    size_t size = wl_rng_range(&l->w->rng, LS_MIN, LS_MAX);
    unsigned char *p = ls_new(size);
    if (!p)
        wl_oom(size);
    uint64_t key = (uint64_t)(uintptr_t)p ^ size;
    wl_fill(p, size, key);
    l->p[i] = p;
    l->size[i] = (uint32_t)size;
    l->w->ops++;
}

static void ls_drop(ls_lineage_t *l, size_t i) {
    unsigned char *p = l->p[i];
    size_t size = l->size[i];
    wl_check(p, size, (uint64_t)(uintptr_t)p ^ size);
    ls_delete(p, size);
    l->w->ops++;
}

static void *ls_life(void *arg);

/* Starts the lineage's next thread (detached), or reports it finished. */
static void ls_next(ls_lineage_t *l) {
    if (l->lives_left > 0) {
        l->lives_left--;
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        int e = pthread_create(&t, &a, ls_life, l);
        pthread_attr_destroy(&a);
        if (e) {
            fprintf(stderr, "wl-larson-sized: pthread_create: %s\n", strerror(e));
            exit(1);
        }
        return;
    }
    pthread_mutex_lock(&ls_m);
    if (--ls_running == 0)
        pthread_cond_signal(&ls_cv);
    pthread_mutex_unlock(&ls_m);
}

/* One thread life: fill (first), replace LS_STEPS random slots, free all
 * (last), hand the lineage on. */
static void *ls_life(void *arg) {
    ls_lineage_t *l = arg;
    if (l->first) {
        for (size_t i = 0; i < LS_SLOTS; i++)
            ls_put(l, i);
        l->first = 0;
    }
    for (size_t k = 0; k < LS_STEPS; k++) {
        size_t i = wl_rng_below(&l->w->rng, LS_SLOTS);
        ls_drop(l, i);
        ls_put(l, i);
    }
    if (l->lives_left == 0)
        for (size_t i = 0; i < LS_SLOTS; i++)
            ls_drop(l, i);
    ls_next(l);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &ls_info);
    ls_bind(o.verbose);
    double t0 = wl_now();
    static wl_worker_t w[WL_MAX_THREADS];
    static ls_lineage_t lin[WL_MAX_THREADS];
    uint64_t lives = wl_scaled(LS_LIVES, o.scale, 2);
    ls_running = o.threads;
    for (int i = 0; i < o.threads; i++) {
        w[i] = (wl_worker_t){.idx = i, .o = &o, .rng = wl_rng_make(o.seed, (uint64_t)i)};
        lin[i] = (ls_lineage_t){&w[i], calloc(LS_SLOTS, sizeof(void *)),
                                calloc(LS_SLOTS, sizeof(uint32_t)), lives - 1, 1};
        if (!lin[i].p || !lin[i].size)
            wl_oom(LS_SLOTS * sizeof(void *));
    }
    pthread_mutex_lock(&ls_m);
    for (int i = 0; i < o.threads; i++) {
        lin[i].lives_left++; /* ls_next counts the first life too */
        ls_next(&lin[i]);
    }
    while (ls_running > 0)
        pthread_cond_wait(&ls_cv, &ls_m);
    pthread_mutex_unlock(&ls_m);
    uint64_t ops = 0;
    for (int i = 0; i < o.threads; i++) {
        ops += w[i].ops;
        free(lin[i].p);
        free(lin[i].size);
    }
    wl_report(&o, t0, ops);
    return 0;
}
