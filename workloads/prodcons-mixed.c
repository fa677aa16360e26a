/* wl-prodcons-mixed: producer/consumer of mixed sizes in large batches (the
 * shape of Lever and Boreham's xmalloc-test). Producers allocate batches of
 * 4096 objects of 17 sizes from 8 B to 2 KiB (writing at most their first
 * 128 bytes) plus the 32 KiB batch record itself, and push them on a shared
 * stack (at most 100 batches deep; producers wait when it is full);
 * consumers pop the newest batch and free everything in it. Every free is
 * remote, of many size classes at once, and a deep stack keeps hundreds of
 * thousands of objects in flight. */
#include "wl_common.h"

#define PM_OBJECTS 4096   /* objects per batch */
#define PM_DEPTH   100    /* batches the stack holds at most */
#define PM_BATCHES 1200.0 /* batches per producer at scale 1 */

static const size_t pm_sizes[] = {8,   12,  16,  24,  32,  48,   64,   96,  128,
                                  192, 256, 384, 512, 768, 1024, 1536, 2048};
#define PM_NSIZES (sizeof pm_sizes / sizeof pm_sizes[0])

static const wl_info_t pm_info = {
    "prodcons-mixed",
    "Producer/consumer of mixed sizes: producers allocate batches of 4096 objects\n"
    "(17 sizes 8 B .. 2 KiB, equally likely, at most the first 128 bytes written)\n"
    "and the 32 KiB batch record, and push them on a shared stack of at most 100\n"
    "batches (waiting while it is full); consumers pop the newest batch, check\n"
    "each object's first word and free them all. Every free is remote, of many\n"
    "classes at once, with up to 400000 objects in flight.",
    "1200 batches of 4096 objects per producer; stack depth 100.",
    "N/2 producers and N - N/2 consumers (N=1: one of each anyway)",
    "producer/consumer of mixed sizes 8 B .. 2 KiB in 4096-object batches (xmalloc-test)",
};

typedef struct pm_batch {
    struct pm_batch *next;
    void *obj[PM_OBJECTS];
} pm_batch_t;

/* The shared stack of full batches. */
static struct {
    pthread_mutex_t m;
    pthread_cond_t nonempty, nonfull;
    pm_batch_t *top;
    int depth, producers_left;
} pm = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0};

typedef struct pm_thread {
    wl_worker_t w;
    int producer;
} pm_thread_t;

static void pm_push(pm_batch_t *b) {
    pthread_mutex_lock(&pm.m);
    while (pm.depth >= PM_DEPTH)
        pthread_cond_wait(&pm.nonfull, &pm.m);
    b->next = pm.top;
    pm.top = b;
    pm.depth++;
    pthread_cond_signal(&pm.nonempty);
    pthread_mutex_unlock(&pm.m);
}

/* The newest batch, or NULL once the producers are done and it is empty. */
static pm_batch_t *pm_pop(void) {
    pthread_mutex_lock(&pm.m);
    while (pm.top == NULL && pm.producers_left > 0)
        pthread_cond_wait(&pm.nonempty, &pm.m);
    pm_batch_t *b = pm.top;
    if (b) {
        pm.top = b->next;
        pm.depth--;
        pthread_cond_signal(&pm.nonfull);
    }
    pthread_mutex_unlock(&pm.m);
    return b;
}

/* An object's first word: 56 random bits and its size index; the last byte
 * written (at most byte 127) repeats bits 8..15. */
static void *pm_new(wl_worker_t *w) {
    uint64_t r = wl_rng_next(&w->rng);
    size_t k = (size_t)(r % PM_NSIZES), size = pm_sizes[k];
    unsigned char *p = malloc(size);
    if (!p)
        wl_oom(size);
    uint64_t word = (r & ~(uint64_t)0xff) | k;
    memcpy(p, &word, 8);
    size_t n = size < 128 ? size : 128;
    if (n > 8)
        memset(p + 8, (unsigned char)(word >> 8), n - 8);
    w->ops++;
    return p;
}

static void pm_delete(wl_worker_t *w, unsigned char *p) {
    uint64_t word;
    memcpy(&word, p, 8);
    size_t k = (size_t)(word & 0xff);
    if (k >= PM_NSIZES)
        wl_corrupted(p, 0, 0);
    size_t n = pm_sizes[k] < 128 ? pm_sizes[k] : 128;
    if (n > 8 && p[n - 1] != (unsigned char)(word >> 8))
        wl_corrupted(p, pm_sizes[k], (long)(n - 1) / 8);
    free(p);
    w->ops++;
}

static void pm_produce(wl_worker_t *w) {
    uint64_t n = wl_scaled(PM_BATCHES, w->o->scale, 1);
    for (uint64_t i = 0; i < n; i++) {
        pm_batch_t *b = malloc(sizeof *b);
        if (!b)
            wl_oom(sizeof *b);
        w->ops++;
        for (int j = 0; j < PM_OBJECTS; j++)
            b->obj[j] = pm_new(w);
        pm_push(b);
    }
    pthread_mutex_lock(&pm.m);
    if (--pm.producers_left == 0)
        pthread_cond_broadcast(&pm.nonempty);
    pthread_mutex_unlock(&pm.m);
}

static void pm_consume(wl_worker_t *w) {
    pm_batch_t *b;
    while ((b = pm_pop()) != NULL) {
        for (int j = 0; j < PM_OBJECTS; j++)
            pm_delete(w, b->obj[j]);
        free(b);
        w->ops++;
    }
}

static void *pm_run(void *arg) {
    pm_thread_t *t = arg;
    if (t->producer)
        pm_produce(&t->w);
    else
        pm_consume(&t->w);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &pm_info);
    double t0 = wl_now();
    int np = o.threads / 2 > 0 ? o.threads / 2 : 1;
    int nc = o.threads - np > 0 ? o.threads - np : 1;
    static pm_thread_t th[2 * WL_MAX_THREADS];
    pm.producers_left = np;
    for (int i = 0; i < np + nc; i++)
        th[i] = (pm_thread_t){{.idx = i, .o = &o, .rng = wl_rng_make(o.seed, (uint64_t)i)}, i < np};
    wl_run_threads(np + nc, pm_run, th, sizeof th[0]);
    uint64_t ops = 0;
    for (int i = 0; i < np + nc; i++)
        ops += th[i].w.ops;
    wl_report(&o, t0, ops);
    return 0;
}
