/* fork while other threads allocate: two background threads keep
 * allocating and freeing (with remote frees between them) while the main
 * thread forks 50 times; each child mallocs, checks and frees objects of
 * many sizes, starts a thread, and exits 0. A hung child is killed by alarm. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_api.h"

enum { FORKS = 50, SLOTS = 512 };

static atomic_int stop;
static _Atomic(void *) shared[SLOTS]; /* objects swapped between the threads */

/* Background thread: allocates into random slots, freeing what it replaces
 * (often an object the other thread allocated: a remote free). */
static void *background(void *arg) {
    uint64_t rng = 0xabcdef + (uintptr_t)arg;
    while (!atomic_load(&stop)) {
        uint64_t r = mpa_test_rand(&rng);
        size_t n = r % 16 == 0 ? 1 + (r >> 8) % 100000 : 1 + (r >> 8) % 512;
        void *p = malloc(n);
        if (!p)
            abort();
        memset(p, (int)n, n < 32 ? n : 32);
        free(atomic_exchange(&shared[(r >> 40) % SLOTS], p));
    }
    return NULL;
}

static void *child_thread(void *arg) {
    void *p = malloc(1000);
    if (p)
        memset(p, 1, 1000);
    free(p);
    return arg;
}

/* The child's work; returns 0 when every check passed. */
static int child_main(int round) {
    enum { N = 300 };
    void *p[N];
    for (size_t i = 0; i < N; i++) {
        size_t n = (i * 997 + (size_t)round) % 70000 + 1;
        if (!(p[i] = malloc(n)))
            return 2;
        mpa_test_fill(p[i], n < 128 ? n : 128, i);
    }
    for (size_t i = 0; i < N; i++) {
        size_t n = (i * 997 + (size_t)round) % 70000 + 1, m = n < 128 ? n : 128;
        if (mpa_test_check(p[i], m, i) != m)
            return 3;
        free(p[i]);
    }
    void *big = calloc(1, 4u << 20);
    if (!big || ((char *)big)[12345] != 0)
        return 4;
    free(big);
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, NULL) != 0 || pthread_join(t, NULL) != 0)
        return 5;
    return 0;
}

Test(fork, fork_while_threads_allocate, .timeout = 120) {
#ifdef __SANITIZE_THREAD__
    /* TSan refuses threads in the child of a multi-threaded fork ("dup thread"). */
    cr_skip_test("threads in the child of a multi-threaded fork: not under TSan");
#endif
#ifdef __SANITIZE_ADDRESS__
    /* As in fork_storm: under gcc 12's libasan a child now and then hangs. */
    cr_skip_test("forks of a busy multi-threaded heap: not under ASan");
#endif
    pthread_t bg[2];
    for (uintptr_t i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&bg[i], NULL, background, (void *)i), 0);
    for (int round = 0; round < FORKS; round++) {
        usleep(2000);
        pid_t pid = fork();
        cr_assert_neq(pid, -1, "fork failed");
        if (pid == 0) {
            alarm(10);
            _exit(child_main(round));
        }
        int status = 0;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(!WIFSIGNALED(status), "child %d killed by signal %d%s", round, WTERMSIG(status),
                  WTERMSIG(status) == SIGALRM ? " (hung: deadlock?)" : "");
        cr_assert_eq(WEXITSTATUS(status), 0, "child %d failed check %d", round,
                     WEXITSTATUS(status));
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(bg[i], NULL);
    for (size_t i = 0; i < SLOTS; i++)
        free(atomic_load(&shared[i]));
}
