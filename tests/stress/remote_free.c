/* Producer/consumer stress where every free is remote: producers allocate
 * objects of many sizes, fill them with a pattern and hand them over in
 * batches; consumers verify each object and free it. Covers N->N, 1->N
 * ("one allocates, many free") and N->1. Fixed seeds; never a benchmark. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

enum { BATCH = 64, MAX_THREADS = 8 };

typedef struct {
    void *p;
    size_t size;
    uint64_t seed;
} item_t;

/* A batch of objects travelling from one producer to one consumer. */
typedef struct batch {
    struct batch *next;
    int n;
    item_t item[BATCH];
} batch_t;

/* One consumer's inbox: a mutex-protected list of batches. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    batch_t *head;
    int producers_left;
} inbox_t;

typedef struct {
    inbox_t inbox[MAX_THREADS];
    int producers, consumers;
    size_t objects;    /* per producer */
    atomic_size_t bad; /* corrupted objects seen by all consumers */
} run_t;

typedef struct {
    run_t *run;
    int id;
} arg_t;

/* Size mix: mostly small, some medium, a few large (up to 200 KB). */
static size_t pick_size(uint64_t *rng) {
    uint64_t r = mpa_test_rand(rng);
    unsigned kind = (unsigned)(r % 100);
    r >>= 8;
    if (kind < 70)
        return 1 + r % 256;
    if (kind < 97)
        return 257 + r % 16000;
    return 16384 + r % 200000;
}

static void post(inbox_t *in, batch_t *b) {
    pthread_mutex_lock(&in->lock);
    b->next = in->head;
    in->head = b;
    pthread_cond_signal(&in->ready);
    pthread_mutex_unlock(&in->lock);
}

static void *producer(void *varg) {
    arg_t *a = varg;
    run_t *run = a->run;
    uint64_t rng = 0x1234567ull + (uint64_t)a->id * 7919;
    batch_t *b = NULL;
    for (size_t i = 0; i < run->objects; i++) {
        if (!b) {
            if (!(b = malloc(sizeof *b)))
                abort();
            b->n = 0;
        }
        item_t *it = &b->item[b->n++];
        it->size = pick_size(&rng);
        it->seed = ((uint64_t)a->id << 40) | i;
        if (!(it->p = malloc(it->size)))
            abort();
        mpa_test_fill(it->p, it->size < 512 ? it->size : 512, it->seed);
        if (b->n == BATCH || i + 1 == run->objects) {
            post(&run->inbox[(i / BATCH + (size_t)a->id) % (size_t)run->consumers], b);
            b = NULL;
        }
    }
    for (int c = 0; c < run->consumers; c++) {
        pthread_mutex_lock(&run->inbox[c].lock);
        run->inbox[c].producers_left--;
        pthread_cond_broadcast(&run->inbox[c].ready);
        pthread_mutex_unlock(&run->inbox[c].lock);
    }
    return NULL;
}

/* Takes the whole list from an inbox; NULL once every producer is done. */
static batch_t *take(inbox_t *in) {
    pthread_mutex_lock(&in->lock);
    while (!in->head && in->producers_left > 0)
        pthread_cond_wait(&in->ready, &in->lock);
    batch_t *b = in->head;
    in->head = NULL;
    pthread_mutex_unlock(&in->lock);
    return b;
}

static void *consumer(void *varg) {
    arg_t *a = varg;
    inbox_t *in = &a->run->inbox[a->id];
    size_t bad = 0;
    for (batch_t *b; (b = take(in)) != NULL;)
        while (b) {
            batch_t *next = b->next;
            for (int i = 0; i < b->n; i++) {
                item_t *it = &b->item[i];
                size_t n = it->size < 512 ? it->size : 512;
                bad += mpa_test_check(it->p, n, it->seed) != n;
                bad += malloc_usable_size(it->p) < it->size;
                free(it->p);
            }
            free(b);
            b = next;
        }
    atomic_fetch_add(&a->run->bad, bad);
    return NULL;
}

static void run_matrix(int producers, int consumers, size_t objects) {
    static run_t run;
    memset(&run, 0, sizeof run);
    atomic_init(&run.bad, 0);
    run.producers = producers, run.consumers = consumers, run.objects = objects;
    pthread_t t[2 * MAX_THREADS];
    arg_t args[2 * MAX_THREADS];
    for (int c = 0; c < consumers; c++) {
        pthread_mutex_init(&run.inbox[c].lock, NULL);
        pthread_cond_init(&run.inbox[c].ready, NULL);
        run.inbox[c].producers_left = producers;
        args[c] = (arg_t){&run, c};
        cr_assert_eq(pthread_create(&t[c], NULL, consumer, &args[c]), 0);
    }
    for (int p = 0; p < producers; p++) {
        args[consumers + p] = (arg_t){&run, p};
        cr_assert_eq(pthread_create(&t[consumers + p], NULL, producer, &args[consumers + p]), 0);
    }
    for (int i = 0; i < producers + consumers; i++)
        pthread_join(t[i], NULL);
    size_t bad = atomic_load(&run.bad);
    cr_assert_eq(bad, 0, "%zu objects arrived corrupted or too small", bad);
}

Test(remote_free, many_producers_many_consumers, .timeout = 60) { run_matrix(4, 4, 150000); }

Test(remote_free, one_producer_many_consumers, .timeout = 60) { run_matrix(1, 6, 300000); }

Test(remote_free, many_producers_one_consumer, .timeout = 60) { run_matrix(6, 1, 60000); }

Test(remote_free, repeated_short_rounds, .timeout = 60) {
    for (int round = 0; round < 40; round++)
        run_matrix(2, 2, 3000);
}
