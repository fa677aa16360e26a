/* fork while a thread makes its core, replayed step by step: the hang that
 * tests/stress/fork_new_locks.c catches now and then, made deterministic.
 *
 * A new thread T's first malloc makes a core (mpa_core_new: its record from
 * mpa_meta_alloc, under the global backend's lock) and joins it to the list
 * of cores. Fork's prepare handler walks that list taking every core's
 * cache lock, then takes the backend's lock; its parent handler walked the
 * list again to release them. If T joined its core between the two walks,
 * the parent released a lock it never took: the word was left at 2 ("kept
 * for fork") for good, and T, the purger or malloc_trim spun on it forever.
 *
 * The steps are held in place with mprotect (this file's comes before the C
 * library's; the allocator commits memory with it), so that each thread
 * pauses inside a commit while it holds the locks named:
 *   W: the first mspace_malloc of a new mspace commits its arena, holding
 *      the cache lock of the mspace's core;
 *   Y: a malloc that takes a fresh granule commits it, holding its own
 *      core's cache lock and the global backend's lock;
 *   T: a new thread's first malloc, waiting for the backend's lock (Y)
 *      inside mpa_meta_alloc, its core not yet on the list.
 * The main thread forks: prepare reads the list, then waits for Y's or W's
 * cache lock (the word reads HELD | FORK, 3, maybe with SLEEPERS). Y goes on: T gets the backend lock and
 * joins its core to the list (before the fix; now it waits for the pool
 * lock, which fork holds), while W still holds prepare back. Then W goes
 * on, and fork completes. Checks: the child works, T's malloc returns, and
 * no core's cache lock stays taken. Before the fix the new core's cache
 * lock was left at 2 every time. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core.h" /* internals first: test_api.h may rename malloc & co. */
#include "test_api.h"

enum { ROLE_NONE, ROLE_W, ROLE_Y };
enum { WAIT_MS = 10000, T_PUSH_MS = 300, Y_BLOCKS = 4096, Y_BLOCK = 48 << 10 };

static __thread int role;    /* a thread whose commit may pause, once */
static atomic_int paused[3]; /* by role */
static atomic_int resume[3];

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to WAIT_MS for *flag; true when it was set. */
static bool wait_flag(atomic_int *flag) {
    for (int ms = 0; ms < WAIT_MS && !atomic_load(flag); ms++)
        sleep_ms(1);
    return atomic_load(flag) != 0;
}

/* The PAL commits with mprotect. W pauses at its first outside the global
 * backend's lock (its mspace's arena); Y at the first under it. */
int mprotect(void *addr, size_t len, int prot) {
    int r = role, backend = atomic_load(&mpa_backend_global.lock.held);
    if ((r == ROLE_W && backend == 0) || (r == ROLE_Y && backend != 0)) {
        role = ROLE_NONE;
        atomic_store(&paused[r], 1);
        while (!atomic_load(&resume[r]))
            usleep(100);
    }
    return (int)syscall(SYS_mprotect, addr, len, prot);
}

/* W: the first allocation of a new mspace (its core's cache lock held). */
static void *thread_w(void *msp) {
    role = ROLE_W;
    void *p = mspace_malloc(msp, 100);
    role = ROLE_NONE;
    return p;
}

/* Y: blocks of a fresh part of the heap, until one commit paused. */
static void *y_blocks[Y_BLOCKS];
static void *thread_y(void *arg) {
    free(malloc(16)); /* its core first: the pause must not be in making it */
    role = ROLE_Y;
    for (int i = 0; i < Y_BLOCKS && !atomic_load(&paused[ROLE_Y]); i++)
        if ((y_blocks[i] = malloc(Y_BLOCK)) == NULL)
            break;
    role = ROLE_NONE;
    return arg;
}

/* T: makes its core once told to (made early: creating a thread may
 * allocate, which must not wait for Y). */
static atomic_int t_go, t_made;
static void *thread_t(void *arg) {
    while (!atomic_load(&t_go))
        usleep(100);
    void *p = malloc(48); /* a new core: the pool is empty */
    if (p == NULL)
        abort();
    atomic_store(&t_made, 1);
    free(p);
    free(malloc(5000)); /* its cache lock again */
    return arg;
}

/* A core whose cache lock fork's prepare waits for (word 3), if any. */
static bool prepare_waits(void) {
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next)
        if ((atomic_load(&c->cache.lock.held) & (MPA_LOCK_HELD | MPA_LOCK_FORK)) ==
            (MPA_LOCK_HELD | MPA_LOCK_FORK)) /* held, fork waits (asleep or not) */
            return true;
    return false;
}

/* Runs the steps while the main thread forks: see the top of the file.
 * Made early, as T: it starts when T is on its way. */
static atomic_int steps_ok;
static void *conductor(void *arg) {
    while (!atomic_load(&t_go))
        usleep(100);
    mpa_core_t *head = mpa_core_list(); /* T's core is not on it: T waits for Y */
    int ms = 0;
    while (ms < WAIT_MS && !prepare_waits())
        sleep_ms(1), ms++;
    bool waited = ms < WAIT_MS;
    atomic_store(&resume[ROLE_Y], 1); /* T takes the backend's lock */
    for (ms = 0; ms < T_PUSH_MS && mpa_core_list() == head; ms++)
        sleep_ms(1); /* before the fix T joins its core now; after, it waits */
    atomic_store(&resume[ROLE_W], 1);
    atomic_store(&steps_ok, waited);
    return arg;
}

/* Every core's cache lock word, once 0 (a holder lets go within a moment;
 * 2 or 3 with no fork in flight never changes). */
static void check_cache_locks(void) {
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        int w = 0;
        for (int ms = 0; ms < 2000 && (w = atomic_load(&c->cache.lock.held)) != 0; ms++)
            sleep_ms(1);
        cr_assert_eq(w, 0, "core %p: its cache lock word stays %d%s", (void *)c, w,
                     w == 2 ? " (kept for a fork that is over)" : "");
    }
}

Test(fork_core_window, core_made_during_fork, .timeout = 60) {
#ifdef __SANITIZE_THREAD__
    cr_skip_test("forks of a multi-threaded heap: not under TSan");
#endif
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("forks of a multi-threaded heap: not under ASan (see fork.c)");
#endif
    free(malloc(1)); /* the heap and the fork handlers */
    mspace msp = create_mspace(1 << 20, 0);
    cr_assert_not_null(msp);
    pthread_t w, y, t, cond;
    cr_assert_eq(pthread_create(&t, NULL, thread_t, NULL), 0);
    cr_assert_eq(pthread_create(&cond, NULL, conductor, NULL), 0);
    cr_assert_eq(pthread_create(&w, NULL, thread_w, msp), 0);
    cr_assert(wait_flag(&paused[ROLE_W]), "the mspace's first allocation made no commit");
    cr_assert_eq(pthread_create(&y, NULL, thread_y, NULL), 0);
    cr_assert(wait_flag(&paused[ROLE_Y]), "no commit under the backend's lock in %d blocks",
              Y_BLOCKS);
    atomic_store(&t_go, 1);
    sleep_ms(50); /* T waits for the backend's lock, in mpa_meta_alloc */
    cr_assert_eq(atomic_load(&t_made), 0);

    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork failed");
    if (pid == 0) {
        alarm(10);
        for (int i = 0; i < 64; i++)
            free(malloc(16 + (size_t)i * 300));
        malloc_trim(0); /* every core's cache lock */
        _exit(0);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    pthread_join(cond, NULL);
    cr_assert(atomic_load(&steps_ok), "fork's prepare never waited for a cache lock");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed (status %#x%s)",
              status, WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? ", hung" : "");
    cr_assert(wait_flag(&t_made), "the thread that made its core during fork hangs");
    check_cache_locks();
    void *p = NULL;
    pthread_join(w, &p);
    pthread_join(y, NULL);
    pthread_join(t, NULL);
    check_cache_locks();
    for (int i = 0; i < Y_BLOCKS; i++)
        free(y_blocks[i]);
    destroy_mspace(msp);
    malloc_trim(0);
}
