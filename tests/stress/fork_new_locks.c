/* fork while new locks appear: the main thread forks over and over while
 * other threads make new cores (a thread's first malloc when the pool of
 * cores is empty; every create_mspace) and new mspace records, each with
 * locks of their own. Fork's prepare handler takes every allocator lock and
 * its parent handler releases them; a lock made between the two used to be
 * released without having been taken, its word left at 2 ("kept for fork")
 * for good: the next thread to take it (its owner, the purger, malloc_trim)
 * spun forever. Each child allocates, trims (which takes every core's cache
 * lock) and exits; afterwards the parent uses every new core and mspace
 * again and trims. A hang fails the test: Criterion's timeout in the
 * parent, alarm in each child. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_api.h"

/* -plain binaries find the mspace API only under LD_PRELOAD of mpalloc. */
#ifdef MPA_TEST_PRELOAD
#pragma weak create_mspace
#pragma weak destroy_mspace
#pragma weak mspace_malloc
#define FNL_HAVE_MSPACES (create_mspace != NULL)
#else
#define FNL_HAVE_MSPACES 1
#endif

enum {
    MIN_FORKS = 40,
    SPAWNERS = 2,
    SPAWNED = 80, /* threads per spawner, alive until the end: new cores */
    MSP_THREADS = 2,
    MSP_CYCLES = 800, /* per thread */
    MSP_SLOTS = 4,    /* mspaces alive at once */
    MSP_KEEP = 12,    /* kept to the end */
    MSP_KEEP_EVERY = 40,
};

static atomic_int workers_left;
static int gate[2]; /* the spawned threads wait on its read end */

/* A failed check in a thread other than the test's own: abort (Criterion
 * reports the crash). */
#define FNL_CHECK(cond) \
    do {                \
        if (!(cond))    \
            abort();    \
    } while (0)

static void fnl_skip_sanitizers(void) {
#ifdef __SANITIZE_THREAD__
    cr_skip_test("forks of a multi-threaded heap: not under TSan");
#endif
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("forks of a busy multi-threaded heap: not under ASan (see fork.c)");
#endif
}

/* A few objects of several sizes: slab refills take the core's cache lock. */
static void fnl_churn(unsigned seed) {
    void *p[24];
    for (unsigned i = 0; i < 24; i++) {
        size_t n = 16 + (size_t)((i * 2654435761u + seed) % 60000);
        p[i] = malloc(n);
        FNL_CHECK(p[i] != NULL);
        memset(p[i], (int)i, n < 64 ? n : 64);
    }
    for (unsigned i = 0; i < 24; i++)
        free(p[i]);
}

/* The child: allocate, trim (every core's cache lock), exit. */
static void fnl_child(int round) {
    alarm(10);
    for (int i = 0; i < 50; i++) {
        void *q = malloc(16 + (size_t)(i * 977 + round) % 20000);
        if (q == NULL)
            _exit(2);
        free(q);
    }
    malloc_trim(0);
    _exit(0);
}

/* Forks until the workers are done (at least MIN_FORKS times). */
static void fnl_fork_loop(void) {
    for (int round = 0; round < MIN_FORKS || atomic_load(&workers_left) > 0; round++) {
        pid_t pid = fork();
        cr_assert_neq(pid, -1, "fork failed");
        if (pid == 0)
            fnl_child(round);
        int status = 0;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(!WIFSIGNALED(status), "child %d killed by signal %d%s", round, WTERMSIG(status),
                  WTERMSIG(status) == SIGALRM ? " (hung: a lock left held?)" : "");
        cr_assert_eq(WEXITSTATUS(status), 0, "child %d failed", round);
    }
}

/* ---- new thread cores ---- */

/* Binds a new core (the pool is empty: no spawned thread exits before the
 * end), waits for the gate to open, then allocates again. */
static void *fnl_waiter(void *arg) {
    fnl_churn((unsigned)(uintptr_t)arg);
    char c;
    while (read(gate[0], &c, 1) < 0)
        ;
    fnl_churn((unsigned)(uintptr_t)arg + 1);
    return NULL;
}

static void *fnl_spawner(void *arg) {
    pthread_t *t = arg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 << 10);
    for (uintptr_t i = 0; i < SPAWNED; i++) {
        FNL_CHECK(pthread_create(&t[i], &attr, fnl_waiter, (void *)i) == 0);
        usleep(500);
    }
    pthread_attr_destroy(&attr);
    atomic_fetch_sub(&workers_left, 1);
    return NULL;
}

Test(fork_new_locks, thread_cores, .timeout = 60) {
    fnl_skip_sanitizers();
    cr_assert_eq(pipe(gate), 0);
    static pthread_t spawned[SPAWNERS][SPAWNED];
    pthread_t spawner[SPAWNERS];
    atomic_store(&workers_left, SPAWNERS);
    for (int i = 0; i < SPAWNERS; i++)
        cr_assert_eq(pthread_create(&spawner[i], NULL, fnl_spawner, spawned[i]), 0);
    fnl_fork_loop();
    for (int i = 0; i < SPAWNERS; i++)
        pthread_join(spawner[i], NULL);
    close(gate[1]); /* every waiter allocates again and exits */
    for (int i = 0; i < SPAWNERS; i++)
        for (int j = 0; j < SPAWNED; j++)
            pthread_join(spawned[i][j], NULL);
    close(gate[0]);
    fnl_churn(7);
    malloc_trim(0);
}

/* ---- new mspaces (a new record and a new core each) ---- */

static mspace fnl_kept[MSP_THREADS][MSP_KEEP];

static void fnl_use(mspace m, unsigned i) {
    void *p = mspace_malloc(m, 16 + i % 3000);
    FNL_CHECK(p != NULL);
    memset(p, 1, 16);
}

/* Makes, uses and destroys mspaces, a few alive at once (a new core each
 * time); every MSP_KEEP_EVERY-th is kept to the end, so that new records
 * are made too, not only pooled ones taken again. */
static void *fnl_mspaces(void *arg) {
    mspace *kept = arg, live[MSP_SLOTS] = {0};
    unsigned n_kept = 0;
    for (unsigned i = 0; i < MSP_CYCLES; i++) {
        unsigned k = i % MSP_SLOTS;
        if (live[k] != NULL) {
            fnl_use(live[k], i);
            destroy_mspace(live[k]);
        }
        live[k] = create_mspace(1 << 20, 1);
        FNL_CHECK(live[k] != NULL);
        fnl_use(live[k], i);
        if (i % MSP_KEEP_EVERY == 0 && n_kept < MSP_KEEP) {
            kept[n_kept++] = live[k];
            live[k] = NULL;
        }
    }
    for (unsigned k = 0; k < MSP_SLOTS; k++)
        if (live[k] != NULL) {
            fnl_use(live[k], k);
            destroy_mspace(live[k]);
        }
    atomic_fetch_sub(&workers_left, 1);
    return NULL;
}

Test(fork_new_locks, mspaces, .timeout = 60) {
    fnl_skip_sanitizers();
    if (!FNL_HAVE_MSPACES)
        cr_skip_test("the mspace API is mpalloc's (this run is not under it)");
    pthread_t t[MSP_THREADS];
    atomic_store(&workers_left, MSP_THREADS);
    for (int i = 0; i < MSP_THREADS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, fnl_mspaces, fnl_kept[i]), 0);
    fnl_fork_loop();
    for (int i = 0; i < MSP_THREADS; i++)
        pthread_join(t[i], NULL);
    for (unsigned i = 0; i < MSP_THREADS; i++)
        for (unsigned j = 0; j < MSP_KEEP; j++)
            if (fnl_kept[i][j] != NULL) {
                fnl_use(fnl_kept[i][j], j); /* the mspace's lock, its core's cache lock */
                destroy_mspace(fnl_kept[i][j]);
            }
    fnl_churn(11);
    malloc_trim(0);
}
