/* Threads that come and go: hundreds of short-lived threads allocate, free
 * some objects locally and leave the rest for later threads or main to
 * free; others free and allocate in their TLS destructors, while
 * pthread_exit is already tearing the thread down. Fixed seeds. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "test_api.h"

enum { THREADS = 400, WAVE = 8, PER_THREAD = 200, LEFT = 64 };

/* Objects left behind by exited threads: slot t*LEFT+i, with its size. */
static void *left[THREADS * LEFT];
static size_t left_size[THREADS * LEFT];
static atomic_size_t bad;

static size_t size_of(uint64_t *rng) {
    uint64_t r = mpa_test_rand(rng);
    return r % 8 == 0 ? 1 + r % 70000 : 1 + r % 600;
}

/* Frees (after checking) what an earlier thread left in slots [from, to). */
static void free_left(size_t from, size_t to) {
    for (size_t s = from; s < to; s++) {
        if (!left[s])
            continue;
        size_t n = left_size[s] < 256 ? left_size[s] : 256;
        if (mpa_test_check(left[s], n, s) != n)
            atomic_fetch_add(&bad, 1);
        free(left[s]);
        left[s] = NULL;
    }
}

static void *churner(void *arg) {
    size_t t = (size_t)(uintptr_t)arg;
    uint64_t rng = 0xc0ffee + t;
    void *mine[PER_THREAD];
    for (size_t i = 0; i < PER_THREAD; i++) {
        size_t n = size_of(&rng);
        if (!(mine[i] = malloc(n)))
            abort();
        memset(mine[i], (int)i, n < 64 ? n : 64);
    }
    for (size_t i = LEFT; i < PER_THREAD; i++)
        free(mine[i]);
    for (size_t i = 0; i < LEFT; i++) {
        size_t s = t * LEFT + i;
        left_size[s] = size_of(&rng);
        free(mine[i]);
        if (!(left[s] = malloc(left_size[s])))
            abort();
        mpa_test_fill(left[s], left_size[s] < 256 ? left_size[s] : 256, s);
    }
    /* Threads of the previous wave have exited: free what they left. */
    if (t >= 2 * WAVE && t % WAVE == 0)
        free_left((t - 2 * WAVE) * LEFT, (t - WAVE) * LEFT);
    return NULL;
}

Test(thread_churn, hundreds_of_threads_leave_objects, .timeout = 60) {
    for (size_t base = 0; base < THREADS; base += WAVE) {
        pthread_t th[WAVE];
        for (size_t i = 0; i < WAVE; i++)
            cr_assert_eq(pthread_create(&th[i], NULL, churner, (void *)(uintptr_t)(base + i)), 0);
        for (size_t i = 0; i < WAVE; i++)
            pthread_join(th[i], NULL);
    }
    free_left(0, THREADS * LEFT);
    cr_assert_eq(atomic_load(&bad), 0, "%zu objects left by exited threads were corrupted",
                 atomic_load(&bad));
}

static pthread_key_t key;
static void *kept[THREADS];

/* TLS destructor: runs during pthread_exit, after the thread's own code.
 * Frees the value, allocates anew, and re-arms itself twice. */
static void destructor(void *value) {
    uintptr_t *v = value;
    uintptr_t round = v[0], t = v[1];
    if (v[2] != 0xfeedu)
        atomic_fetch_add(&bad, 1);
    free(v);
    void *tmp = malloc(100 + round * 1000);
    if (!tmp)
        abort();
    memset(tmp, 1, 100 + round * 1000);
    free(tmp);
    if (round < 2) {
        uintptr_t *next = malloc(3 * sizeof *next);
        if (!next)
            abort();
        next[0] = round + 1, next[1] = t, next[2] = 0xfeedu;
        pthread_setspecific(key, next);
    } else if (!(kept[t] = malloc(5000))) {
        abort();
    } else {
        mpa_test_fill(kept[t], 5000, t);
    }
}

static void *tls_thread(void *arg) {
    uintptr_t *v = malloc(3 * sizeof *v);
    if (!v)
        abort();
    v[0] = 0, v[1] = (uintptr_t)arg, v[2] = 0xfeedu;
    pthread_setspecific(key, v);
    void *scratch = malloc(20000);
    memset(scratch, 2, 20000);
    free(scratch);
    pthread_exit(NULL);
}

Test(thread_churn, tls_destructors_free_and_malloc, .timeout = 60) {
#ifdef __SANITIZE_THREAD__
    /* TSan finishes a thread's own state before re-armed key destructors run;
     * the instrumented allocator then faults inside TSan (not seen without it). */
    cr_skip_test("destructors that allocate after thread teardown: not under TSan");
#endif
    cr_assert_eq(pthread_key_create(&key, destructor), 0);
    for (size_t base = 0; base < THREADS; base += WAVE) {
        pthread_t th[WAVE];
        for (size_t i = 0; i < WAVE; i++)
            cr_assert_eq(pthread_create(&th[i], NULL, tls_thread, (void *)(uintptr_t)(base + i)),
                         0);
        for (size_t i = 0; i < WAVE; i++)
            pthread_join(th[i], NULL);
    }
    for (size_t t = 0; t < THREADS; t++) {
        cr_assert_not_null(kept[t], "destructor of thread %zu did not run to the end", t);
        cr_assert_eq(mpa_test_check(kept[t], 5000, t), 5000, "object from a destructor corrupted");
        free(kept[t]);
    }
    cr_assert_eq(atomic_load(&bad), 0, "TLS values arrived corrupted");
}

/* Detached threads exit while main frees the objects they allocated. */
static void *detached(void *arg) {
    void **slot = arg;
    void *p = malloc(333);
    if (!p)
        abort();
    memset(p, 3, 333);
    __atomic_store_n(slot, p, __ATOMIC_RELEASE);
    return NULL;
}

Test(thread_churn, detached_threads_objects_freed_by_main, .timeout = 60) {
    static void *slot[THREADS];
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (size_t t = 0; t < THREADS; t++) {
        pthread_t th;
        cr_assert_eq(pthread_create(&th, &attr, detached, &slot[t]), 0);
        if (t >= 4)
            for (void *p; !(p = __atomic_load_n(&slot[t - 4], __ATOMIC_ACQUIRE));)
                sched_yield();
        if (t >= 4)
            free(slot[t - 4]);
    }
    for (size_t t = THREADS - 4; t < THREADS; t++) {
        while (!__atomic_load_n(&slot[t], __ATOMIC_ACQUIRE))
            sched_yield();
        free(slot[t]);
    }
    pthread_attr_destroy(&attr);
}
