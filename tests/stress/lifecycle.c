/* Lifecycles: threads and processes that come and go must leak neither
 * cores nor memory. Each test in its own process (Criterion forks):
 * - thread teardown returns every core: destructors that re-arm themselves
 *   and allocate in all of glibc's destructor rounds, and threads that never
 *   allocated but free and allocate from such destructors, over 2000
 *   threads, keep the number of cores and RSS bounded;
 * - threads that never allocated until glibc's last destructor round, and
 *   allocate then, give their cores back too;
 * - 32 threads allocate, free and exit (half of their objects freed by the
 *   main thread after they exited): RSS falls back with no further calls;
 * - idle give-back in a multi-threaded process (the purger starts when a
 *   process creates its first thread): 128 MiB freed, no allocator calls
 *   for 0.8 s, RSS falls; not so with MPALLOC_PURGER=0 (the purger is what
 *   gives it back);
 * - malloc_trim(0) gives everything back at once;
 * - realloc shrinking a touched 64 MiB block to 1 MiB stays in place and
 *   drops the rest from RSS at once;
 * - fork while another thread is inside a locked mspace: the child can use
 *   the mspace (no lock left held); a thread holding an mspace's lock
 *   nearly all the time does not starve fork;
 * - a process whose last thread calls pthread_exit ends (the purger thread
 *   leaves once nothing is cached).
 * RSS checks use /proc/self/statm and are skipped under the sanitizers. */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "test_api.h"

#ifdef MPA_TEST_PREFIXED
#define malloc_trim mpa_malloc_trim
#endif

#ifdef __SANITIZE_ADDRESS__
/* These tests end processes with threads still running (the purger, a
 * pthread_exit of the main thread): LeakSanitizer then cannot stop every
 * thread at exit and reports Criterion's own bookkeeping as leaked. Leaks of
 * the allocator are checked by the other ASan tests. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static size_t rss_bytes(void) {
    size_t vm = 0, rss = 0;
    cr_assert_eq(mpa_test_statm(&vm, &rss), 0, "cannot read /proc/self/statm");
    return rss;
}

static void sleep_ms(unsigned ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static size_t core_count(void) {
    size_t n = 0;
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next)
        n++;
    return n;
}

/* ---- teardown ---- */

static pthread_key_t user_key;
static void *_Atomic handed; /* a main-thread object for a thread to free late */

/* Allocates and frees a spread of sizes, small and large. */
static void churn(void) {
    void *p[10];
    for (unsigned i = 0; i < 10; i++) {
        p[i] = malloc((size_t)24 << i);
        cr_assert_not_null(p[i]);
        memset(p[i], 0x5a, (size_t)24 << i);
    }
    for (unsigned i = 0; i < 10; i++)
        free(p[i]);
}

/* Re-arms itself for every round glibc runs; allocates in each. */
static void user_dtor(void *v) {
    uintptr_t round = (uintptr_t)v;
    churn();
    void *late = atomic_exchange(&handed, NULL);
    if (late != NULL)
        free(late); /* a free by a thread that may never have allocated */
    if (round < PTHREAD_DESTRUCTOR_ITERATIONS)
        pthread_setspecific(user_key, (void *)(round + 1));
}

static void *teardown_thread(void *arg) {
    pthread_setspecific(user_key, (void *)1);
    if ((uintptr_t)arg & 1)
        churn(); /* odd threads use the allocator, even ones only in destructors */
    return NULL;
}

Test(lifecycle, teardown_returns_every_core, .timeout = 120) {
#ifdef __SANITIZE_THREAD__
    /* TSan's own thread state is gone by then: it crashes on the first
     * atomic in a late destructor round (so does main's build, 6d7503e). */
    cr_skip_test("allocation in late destructor rounds: not under TSan");
#endif
    enum { THREADS = 2000, WAVE = 8 };
    cr_assert_eq(pthread_key_create(&user_key, user_dtor), 0);
    churn();
    size_t rss0 = rss_bytes();
    for (unsigned t = 0; t < THREADS; t += WAVE) {
        pthread_t th[WAVE];
        for (unsigned i = 0; i < WAVE; i++) {
            void *obj = malloc(100);
            void *expected = NULL;
            if (!atomic_compare_exchange_strong(&handed, &expected, obj))
                free(obj);
            cr_assert_eq(pthread_create(&th[i], NULL, teardown_thread, (void *)(uintptr_t)(t + i)),
                         0);
        }
        for (unsigned i = 0; i < WAVE; i++)
            pthread_join(th[i], NULL);
    }
    size_t cores = core_count(), rss = rss_bytes();
    /* WAVE threads at once, the main thread, the orphan lists, slack. */
    cr_assert_leq(cores, WAVE + 4, "%zu cores after %u threads (at most %u ran at once)", cores,
                  THREADS, WAVE);
    if (!SANITIZED)
        cr_assert_leq(rss, rss0 + (24u << 20), "RSS %zu MiB -> %zu MiB over %u threads", rss0 >> 20,
                      rss >> 20, THREADS);
}

/* Re-arms itself and allocates in glibc's last destructor round only: the
 * thread's first allocation then comes when no further round would run a
 * destructor armed by it (the exit key is the last key, so its round still
 * reaches it). */
static pthread_key_t last_key;

static void last_round_dtor(void *v) {
    uintptr_t round = (uintptr_t)v;
    if (round == PTHREAD_DESTRUCTOR_ITERATIONS)
        churn();
    else
        pthread_setspecific(last_key, (void *)(round + 1));
}

static void *last_round_thread(void *unused) {
    (void)unused;
    pthread_setspecific(last_key, (void *)1);
    return NULL;
}

Test(lifecycle, first_allocation_in_the_last_destructor_round, .timeout = 120) {
#ifdef __SANITIZE_THREAD__
    cr_skip_test("allocation in late destructor rounds: not under TSan");
#endif
    enum { THREADS = 2000, WAVE = 8 };
    cr_assert_eq(pthread_key_create(&last_key, last_round_dtor), 0);
    churn();
    size_t rss0 = rss_bytes();
    for (unsigned t = 0; t < THREADS; t += WAVE) {
        pthread_t th[WAVE];
        for (unsigned i = 0; i < WAVE; i++)
            cr_assert_eq(pthread_create(&th[i], NULL, last_round_thread, NULL), 0);
        for (unsigned i = 0; i < WAVE; i++)
            pthread_join(th[i], NULL);
    }
    size_t cores = core_count(), rss = rss_bytes();
    cr_assert_leq(cores, WAVE + 4, "%zu cores after %u threads (at most %u ran at once)", cores,
                  THREADS, WAVE);
    if (!SANITIZED)
        cr_assert_leq(rss, rss0 + (24u << 20), "RSS %zu MiB -> %zu MiB over %u threads", rss0 >> 20,
                      rss >> 20, THREADS);
}

/* ---- memory of exited threads ---- */

enum { EXIT_THREADS = 32, EXIT_OBJS = 4096 };
static void *kept[EXIT_THREADS][EXIT_OBJS / 2];

static void *exit_thread(void *arg) {
    unsigned id = (unsigned)(uintptr_t)arg;
    void *mine[EXIT_OBJS / 2];
    for (unsigned i = 0; i < EXIT_OBJS; i++) {
        size_t size = 16 + (size_t)((i * 2654435761u + id) % 2048);
        void *p = malloc(size);
        cr_assert_not_null(p);
        memset(p, 1, size);
        if (i & 1)
            kept[id][i / 2] = p; /* freed by the main thread once this one exited */
        else
            mine[i / 2] = p;
    }
    for (unsigned i = 0; i < EXIT_OBJS / 2; i++)
        free(mine[i]);
    return NULL;
}

/* Without the overrides (the sanitizer builds link the allocator prefixed)
 * the program's pthread_create is not seen, so nothing launches the purger:
 * the test does what the override layer would (allocator/src/override.c). */
static void launch_purger_without_overrides(void) {
#ifdef MPA_TEST_PREFIXED
    if (mpa_core_init())
        mpa_purger_launch(mpa_reclaim_round);
#endif
}

Test(lifecycle, exited_threads_give_memory_back, .timeout = 60) {
    if (SANITIZED)
        cr_skip_test("RSS under a sanitizer");
    launch_purger_without_overrides();
    churn();
    size_t rss0 = rss_bytes();
    pthread_t th[EXIT_THREADS];
    for (unsigned i = 0; i < EXIT_THREADS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, exit_thread, (void *)(uintptr_t)i), 0);
    for (unsigned i = 0; i < EXIT_THREADS; i++)
        pthread_join(th[i], NULL);
    for (unsigned i = 0; i < EXIT_THREADS; i++)
        for (unsigned j = 0; j < EXIT_OBJS / 2; j++)
            free(kept[i][j]);
    size_t peak = rss_bytes();
    sleep_ms(1000); /* no allocator calls */
    size_t rss = rss_bytes();
    fprintf(stderr, "exit: RSS %zu KiB at start, %zu KiB after the frees, %zu KiB 1 s later\n",
            rss0 >> 10, peak >> 10, rss >> 10);
    cr_assert_leq(rss, rss0 + (12u << 20),
                  "RSS %zu KiB -> %zu KiB -> %zu KiB 1 s after 32 threads exited", rss0 >> 10,
                  peak >> 10, rss >> 10);
}

/* ---- idle give-back, malloc_trim, realloc shrink ---- */

enum { BIG_COUNT = 128, BIG_SIZE = 1 << 20 };

/* Allocates and touches 128 MiB of large objects, frees them; returns the
 * RSS just after the frees. */
static size_t touch_and_free_128m(void) {
    static void *big[BIG_COUNT];
    for (unsigned i = 0; i < BIG_COUNT; i++) {
        big[i] = malloc(BIG_SIZE);
        cr_assert_not_null(big[i]);
        memset(big[i], 0x33, BIG_SIZE);
    }
    for (unsigned i = 0; i < BIG_COUNT; i++)
        free(big[i]);
    return rss_bytes();
}

static void *nothing(void *arg) { return arg; }

/* Makes this process multi-threaded (if it was not): the purger starts
 * when a process creates its first thread. */
static void start_a_thread(void) {
    launch_purger_without_overrides();
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, nothing, NULL), 0);
    pthread_join(t, NULL);
}

Test(lifecycle, idle_memory_goes_back, .timeout = 30) {
    if (SANITIZED)
        cr_skip_test("RSS under a sanitizer");
    start_a_thread();
    size_t rss0 = rss_bytes();
    size_t after_free = touch_and_free_128m();
    sleep_ms(800); /* no allocator calls */
    size_t rss = rss_bytes();
    fprintf(stderr, "idle: RSS %zu MiB, %zu MiB after freeing 128 MiB, %zu MiB 0.8 s later\n",
            rss0 >> 20, after_free >> 20, rss >> 20);
    cr_assert_leq(rss, rss0 + (16u << 20), "RSS %zu MiB -> %zu MiB -> %zu MiB: idle memory kept",
                  rss0 >> 20, after_free >> 20, rss >> 20);
}

Test(lifecycle, purger_opt_out_keeps_the_cache, .timeout = 30) {
    if (SANITIZED)
        cr_skip_test("RSS under a sanitizer");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("MPALLOC_PURGER", "0", 1);
        start_a_thread(); /* (where the purger would start) */
        size_t rss0 = rss_bytes();
        touch_and_free_128m();
        sleep_ms(800);
        /* Without the purger nothing gives the cache back while idle. */
        _exit(rss_bytes() > rss0 + (64u << 20) ? 0 : 1);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "with MPALLOC_PURGER=0 the idle cache went back anyway (status %d)", status);
}

Test(lifecycle, malloc_trim_gives_everything_back) {
    if (SANITIZED)
        cr_skip_test("RSS under a sanitizer");
    size_t rss0 = rss_bytes();
    size_t after_free = touch_and_free_128m();
    int r = malloc_trim(0);
    size_t rss = rss_bytes();
    cr_assert_eq(r, 1, "malloc_trim(0) = %d with 128 MiB cached", r);
    cr_assert_leq(rss, rss0 + (16u << 20), "RSS %zu MiB -> %zu MiB -> %zu MiB after malloc_trim(0)",
                  rss0 >> 20, after_free >> 20, rss >> 20);
    cr_assert_eq(malloc_trim(0), 0, "a second malloc_trim(0) found memory to give back");
}

Test(lifecycle, realloc_shrinks_in_place) {
    size_t big = (size_t)64 << 20, small = (size_t)1 << 20;
    unsigned char *p = malloc(big);
    cr_assert_not_null(p);
    for (size_t i = 0; i < big; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    size_t before = rss_bytes();
    unsigned char *q = realloc(p, small);
    size_t after = rss_bytes();
    cr_assert_eq(q, p, "a shrinking realloc moved the block");
    for (size_t i = 0; i < small; i += 4096)
        cr_assert_eq(q[i], (unsigned char)(i >> 12), "byte %zu changed", i);
    if (!SANITIZED)
        cr_assert_leq(after + (56u << 20), before,
                      "RSS %zu MiB -> %zu MiB after shrinking 64 MiB to 1 MiB", before >> 20,
                      after >> 20);
    unsigned char *r = realloc(q, small / 2 + 1);
    cr_assert_eq(r, q);
    free(r);
}

/* ---- fork with mspaces ---- */

static mspace shared_ms;
static atomic_int stop;

static void *mspace_hammer(void *unused) {
    (void)unused;
    while (!atomic_load(&stop)) {
        void *p = mspace_malloc(shared_ms, 200);
        void *q = mspace_malloc(shared_ms, 70000);
        mspace_free(shared_ms, p);
        mspace_free(shared_ms, q);
    }
    return NULL;
}

Test(lifecycle, fork_inside_mspace_calls, .timeout = 120) {
#if SANITIZED
    cr_skip_test("forks of a busy multi-threaded heap: not under a sanitizer");
#endif
    shared_ms = create_mspace(0, 1);
    cr_assert_not_null(shared_ms);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, mspace_hammer, NULL), 0);
    for (int i = 0; i < 100; i++) {
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            alarm(10); /* a lock left held in the child: SIGALRM, not a hang */
            void *p = mspace_malloc(shared_ms, 100);
            void *q = malloc(100000);
            mspace_free(shared_ms, p);
            free(q);
            _exit(p != NULL && q != NULL ? 0 : 1);
        }
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "fork %d: child status %d (signal %d)", i, status,
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    destroy_mspace(shared_ms);
}

/* A thread that holds a locked mspace's lock nearly all the time (a
 * realloc copying inside it) must not starve fork: its prepare handler marks
 * the lock and takes it at the holder's next unlock. Counted, not timed: the
 * calls the hammer completes between the test's prepare handler (which runs
 * before mpalloc's, registered earlier) and the fork itself, read in the
 * child (its copy of the counter is the count when fork took every lock)
 * and passed back through a shared page. (Read in the parent handler, the
 * count also held the calls after mpalloc's parent handler released the
 * locks: a hammer asleep on the mspace's lock, woken there, may take the
 * forking thread's core on a busy machine before the count is read.) */
enum { HOT_FORKS = 41 };
static _Atomic unsigned long hot_calls, calls_at_prepare;
static unsigned long *calls_in_fork; /* HOT_FORKS of them, shared with the children */
static int hot_fork;

static void *hot_hammer(void *unused) {
    (void)unused;
    void *p = mspace_malloc(shared_ms, 64 << 10);
    for (size_t n = 0; !atomic_load(&stop); n++) {
        p = mspace_realloc(shared_ms, p, ((n & 3) + 1) * (64 << 10));
        cr_assert_not_null(p);
        atomic_fetch_add(&hot_calls, 1);
    }
    mspace_free(shared_ms, p);
    return NULL;
}

static void count_prepare(void) { atomic_store(&calls_at_prepare, atomic_load(&hot_calls)); }

static void count_parent(void) { hot_fork++; }

static void count_child(void) {
    if (hot_fork < HOT_FORKS)
        calls_in_fork[hot_fork] = atomic_load(&hot_calls) - atomic_load(&calls_at_prepare);
}

static int cmp_ulong(const void *a, const void *b) {
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

Test(lifecycle, fork_is_not_starved_by_a_hot_lock, .timeout = 120) {
#if SANITIZED
    cr_skip_test("forks of a busy multi-threaded heap: not under a sanitizer");
#endif
    shared_ms = create_mspace(0, 1);
    cr_assert_not_null(shared_ms);
    calls_in_fork = mmap(NULL, HOT_FORKS * sizeof *calls_in_fork, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(calls_in_fork, MAP_FAILED);
    cr_assert_eq(pthread_atfork(count_prepare, count_parent, count_child), 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, hot_hammer, NULL), 0);
    while (atomic_load(&hot_calls) < 100)
        sleep_ms(1);
    for (int i = 0; i < HOT_FORKS; i++) {
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0)
            _exit(0);
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        sleep_ms(1);
    }
    atomic_store(&stop, 1);
    pthread_join(th, NULL);
    destroy_mspace(shared_ms);
    cr_assert_eq(hot_fork, HOT_FORKS);
    qsort(calls_in_fork, HOT_FORKS, sizeof calls_in_fork[0], cmp_ulong);
    /* With the hand-over: 1 call per fork (the one under way when fork
     * marks the lock). Without it most forks saw 0 but a few waited for
     * 10^4..10^6 calls. The largest count is forgiven (a fork descheduled
     * on a busy machine lets the hammer run on: 20..50 us a call). */
    cr_assert_leq(calls_in_fork[HOT_FORKS - 2], 1000,
                  "forks waited while the mspace's hammer completed up to %lu calls (second "
                  "largest %lu, median %lu)",
                  calls_in_fork[HOT_FORKS - 1], calls_in_fork[HOT_FORKS - 2],
                  calls_in_fork[HOT_FORKS / 2]);
}

/* ---- the purger never keeps a process alive ---- */

Test(lifecycle, pthread_exit_of_the_last_thread_ends_the_process, .timeout = 30) {
#ifdef __SANITIZE_THREAD__
    cr_skip_test("TSan's own background thread keeps such a process alive");
#endif
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        alarm(10);
        start_a_thread();      /* the purger starts */
        touch_and_free_128m(); /* memory cached: the purger runs */
        pthread_exit(NULL);    /* the process ends when its threads are gone */
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "a process whose last thread called pthread_exit ended with status %d (signal %d)",
              status, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
