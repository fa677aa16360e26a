/* wl-prodcons: producer/consumer. Producers allocate objects of random sizes
 * 16..512 B, write a pattern, and pass them in batches of 64 through a
 * mutex/condvar queue to consumers, which check and free them: every free is
 * of another thread's object (remote free). Empty batches travel back through
 * a second queue, so the queue itself never allocates. */
#include "wl_common.h"

#define PC_BATCH              64
#define PC_BATCHES_PER_THREAD 16
#define PC_OBJECTS            1500000.0 /* objects per producer at scale 1 */
#define PC_MIN                16
#define PC_MAX                512

static const wl_info_t prodcons_info = {
    "prodcons",
    "Producer/consumer: producers allocate objects (uniform 16..512 B) and hand\n"
    "them in batches of 64 through a mutex/condvar queue to consumers, which check\n"
    "and free them. Every free is remote: stresses the cross-thread free path.",
    "1500000 objects per producer; batches of 64; 16 batches in flight per thread.",
    "N/2 producers and N - N/2 consumers (N=1: one of each anyway)",
    "producer/consumer: every free is remote, objects cross threads in batches",
};

typedef struct pc_batch {
    int n;
    void *obj[PC_BATCH];
} pc_batch_t;

/* A queue of batch pointers with room for every batch (never full). */
typedef struct pc_queue {
    pthread_mutex_t m;
    pthread_cond_t nonempty;
    pc_batch_t **ring;
    size_t cap, head, count;
} pc_queue_t;

/* The shared state: full batches to consumers, empty ones back. */
typedef struct pc_shared {
    pc_queue_t full, empty;
    int producers_left;
    int consumers;
    double scale; /* --scale */
} pc_shared_t;

typedef struct pc_thread {
    pc_shared_t *sh;
    int producer; /* 1: producer, 0: consumer */
    wl_rng_t rng;
    uint64_t ops;
    char pad[64];
} pc_thread_t;

static void pc_queue_init(pc_queue_t *q, size_t cap) {
    pthread_mutex_init(&q->m, NULL);
    pthread_cond_init(&q->nonempty, NULL);
    q->ring = calloc(cap, sizeof *q->ring);
    if (!q->ring)
        wl_oom(cap * sizeof *q->ring);
    q->cap = cap;
    q->head = q->count = 0;
}

static void pc_push(pc_queue_t *q, pc_batch_t *b) {
    pthread_mutex_lock(&q->m);
    q->ring[(q->head + q->count++) % q->cap] = b;
    pthread_cond_signal(&q->nonempty);
    pthread_mutex_unlock(&q->m);
}

static pc_batch_t *pc_pop(pc_queue_t *q) {
    pthread_mutex_lock(&q->m);
    while (q->count == 0)
        pthread_cond_wait(&q->nonempty, &q->m);
    pc_batch_t *b = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    pthread_mutex_unlock(&q->m);
    return b;
}

/* The last producer to finish sends one NULL (end) per consumer. */
static void pc_producer_done(pc_shared_t *sh) {
    pthread_mutex_lock(&sh->full.m);
    int last = --sh->producers_left == 0;
    pthread_mutex_unlock(&sh->full.m);
    for (int i = 0; last && i < sh->consumers; i++)
        pc_push(&sh->full, NULL);
}

static void pc_produce(pc_thread_t *t) {
    uint64_t n = wl_scaled(PC_OBJECTS, t->sh->scale, 1);
    pc_batch_t *b = pc_pop(&t->sh->empty);
    b->n = 0;
    for (uint64_t i = 0; i < n; i++) {
        size_t size = wl_rng_range(&t->rng, PC_MIN, PC_MAX);
        b->obj[b->n++] = wl_obj_new(size, wl_rng_next(&t->rng));
        if (b->n == PC_BATCH) {
            pc_push(&t->sh->full, b);
            b = pc_pop(&t->sh->empty);
            b->n = 0;
        }
    }
    pc_push(&t->sh->full, b);
    t->ops += n;
    pc_producer_done(t->sh);
}

static void pc_consume(pc_thread_t *t) {
    pc_batch_t *b;
    while ((b = pc_pop(&t->sh->full)) != NULL) {
        for (int i = 0; i < b->n; i++)
            wl_obj_delete(b->obj[i], PC_MIN, PC_MAX);
        t->ops += (uint64_t)b->n;
        pc_push(&t->sh->empty, b);
    }
}

static void *pc_thread(void *arg) {
    pc_thread_t *t = arg;
    if (t->producer)
        pc_produce(t);
    else
        pc_consume(t);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &prodcons_info);
    double t0 = wl_now();
    int np = o.threads / 2 > 0 ? o.threads / 2 : 1;
    int nc = o.threads - np > 0 ? o.threads - np : 1;
    size_t nb = (size_t)PC_BATCHES_PER_THREAD * (size_t)(np + nc);
    static pc_shared_t sh;
    static pc_thread_t th[2 * WL_MAX_THREADS];
    sh.scale = o.scale;
    pc_queue_init(&sh.full, nb + (size_t)nc + 1);
    pc_queue_init(&sh.empty, nb);
    pc_batch_t *batches = calloc(nb, sizeof *batches);
    if (!batches)
        wl_oom(nb * sizeof *batches);
    for (size_t i = 0; i < nb; i++)
        pc_push(&sh.empty, &batches[i]);
    sh.producers_left = np;
    sh.consumers = nc;
    for (int i = 0; i < np + nc; i++)
        th[i] = (pc_thread_t){&sh, i < np, wl_rng_make(o.seed, (uint64_t)i), 0, {0}};
    wl_run_threads(np + nc, pc_thread, th, sizeof th[0]);
    uint64_t ops = 0;
    for (int i = 0; i < np + nc; i++)
        ops += th[i].ops;
    wl_report(&o, t0, ops);
    return 0;
}
