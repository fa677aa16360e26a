/* Idle threads give their memory back, and get their lists back safely.
 * - idle: 200 threads each allocate ~100 KiB in 8 classes (16 B .. 2 KiB),
 *   free it all but one 64-byte block and wait on a condition variable;
 *   1.5 s later the process's RSS, less that of a process whose threads only
 *   wait, is at most 32 KiB per thread (mpalloc: the purger drains an idle
 *   thread's core, issue 18), mpa_stats_json counts the kept blocks as live
 *   (not ~100 KiB per thread) and the threads' caches as such; then the
 *   threads wake, check their block and allocate again.
 * - wake and sleep: threads alternate bursts of malloc/free (checked
 *   patterns, objects handed between threads) with short sleeps, for 2 s,
 *   so that the purger takes their lists back and drains their cores while
 *   they sleep, over and over: any object handed out twice shows as a
 *   broken pattern.
 * - a signal handler sleeps: threads run malloc/free pairs (fast paths)
 *   while signals interrupt them anywhere and their handlers (installed
 *   with signal() and with sigaction, SA_SIGINFO on an alternate stack)
 *   sleep in the kernel for 250 ms: the thread then reads as asleep in a
 *   system call, yet the fast path it was in holds its lists. The purger
 *   drained such cores (fast build: SIGSEGV or a hang within seconds;
 *   checked: "double free" or a broken pattern); a handler's thread is
 *   never drained. Also: sigaction and signal report the program's own
 *   handler, not the allocator's wrapper.
 * Each scenario runs in a child process with a watchdog (alarm, unblocked). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_api.h"

enum { THREADS = 200, CLASSES = 8, PER_CLASS = 12800, KEPT = 64 };

static size_t rss_kib(void) {
    size_t vm = 0, rss = 0;
    return mpa_test_statm(&vm, &rss) == 0 ? rss / 1024 : 0;
}

static void sleep_ms(unsigned ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Reads a number after "key": in a JSON text, or -1. */
static long long json_number(const char *json, const char *key) {
    const char *at = json ? strstr(json, key) : NULL;
    return at ? atoll(at + strlen(key)) : -1;
}

/* ---- idle threads ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cv = PTHREAD_COND_INITIALIZER, go_cv = PTHREAD_COND_INITIALIZER;
static int ready, go, churn, bad;

/* Allocates PER_CLASS bytes in each class, all live, frees all but one
 * 64-byte block in a shuffled order; returns the block (pattern filled). */
static void *churn_once(uint64_t seed) {
    enum { MAX = 12800 / 16 * 2 };
    static __thread void *objs[MAX];
    size_t n = 0, keep = 0;
    for (int c = 0; c < CLASSES; c++) {
        size_t size = (size_t)16 << c;
        for (size_t i = 0; i < PER_CLASS / size; i++, n++) {
            objs[n] = malloc(size);
            if (objs[n] == NULL)
                return NULL;
            memset(objs[n], (int)(n & 0xff), size);
            if (size == KEPT && i == PER_CLASS / size / 2)
                keep = n;
        }
    }
    void *kept = objs[keep];
    mpa_test_fill(kept, KEPT, seed);
    objs[keep] = objs[--n];
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(mpa_test_rand(&seed) % i);
        void *t = objs[i - 1];
        objs[i - 1] = objs[j];
        objs[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        free(objs[i]);
    return kept;
}

static void *idle_thread(void *arg) {
    uint64_t seed = (uintptr_t)arg + 1;
    void *kept = churn ? churn_once(seed) : NULL;
    pthread_mutex_lock(&lock);
    if (churn && kept == NULL)
        bad++;
    ready++;
    pthread_cond_signal(&ready_cv);
    while (!go)
        pthread_cond_wait(&go_cv, &lock); /* blocked: no allocator call */
    pthread_mutex_unlock(&lock);
    if (kept != NULL) { /* awake again: the block, and the lists */
        if (mpa_test_check(kept, KEPT, seed) != KEPT)
            __atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
        free(kept);
        free(churn_once(seed + 7));
    }
    return NULL;
}

/* Runs THREADS threads (churning or not), idles 1.5 s, writes the RSS and
 * mpalloc's live and thread-cached bytes to fd, wakes them, joins. */
static void idle_child(int with_churn, int fd) {
    alarm(60);
    churn = with_churn;
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, idle_thread, (void *)i) != 0)
            _exit(2);
    pthread_mutex_lock(&lock);
    while (ready < THREADS)
        pthread_cond_wait(&ready_cv, &lock);
    pthread_mutex_unlock(&lock);
    sleep_ms(1500);
    size_t rss = rss_kib();
    mpa_test_stats_fn stats = mpa_test_stats();
    const char *json = stats ? stats() : NULL;
    long long live = json_number(json, "\"live_bytes\":");
    long long cached = json_number(json, "\"thread_cached_bytes\":");
    long long held = json_number(json, "\"quarantined_bytes\":");
    char line[160];
    int len = snprintf(line, sizeof line, "%zu %lld %lld %lld\n", rss, live, cached, held);
    if (write(fd, line, (size_t)len) != len)
        _exit(3);
    pthread_mutex_lock(&lock);
    go = 1;
    pthread_cond_broadcast(&go_cv);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    _exit(bad ? 4 : 0);
}

/* Runs idle_child in a process; returns its figures. */
static void run_idle(int with_churn, size_t *rss, long long *live, long long *cached,
                     long long *held) {
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        idle_child(with_churn, fds[1]);
    }
    close(fds[1]);
    char buf[128] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "idle process (churn %d) ended with status %d (signal %d; SIGALRM: hung)", with_churn,
              status, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    cr_assert(n > 0 && sscanf(buf, "%zu %lld %lld %lld", rss, live, cached, held) == 4,
              "no figures");
}

Test(idle_threads, idle_threads_give_memory_back, .timeout = 120) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    cr_skip_test("RSS under a sanitizer");
#endif
#ifdef MPA_TEST_PREFIXED
    cr_skip_test("a build without the overrides starts no purger");
#endif
    size_t rss_wait, rss_idle;
    long long live_wait, live, cached_wait, cached, held_wait, held;
    run_idle(0, &rss_wait, &live_wait, &cached_wait, &held_wait);
    run_idle(1, &rss_idle, &live, &cached, &held);
    /* The debug build holds freed objects in one quarantine for the whole
     * process (bounded, not per thread): not counted against the threads. */
    long long quarantine_kib = held > 0 ? held / 1024 : 0;
    long long per = ((long long)rss_idle - (long long)rss_wait - quarantine_kib) / THREADS;
    fprintf(stderr,
            "idle threads: RSS %zu KiB churned, %zu KiB waiting, %lld KiB quarantined: "
            "%lld KiB per thread; live %lld B, thread-cached %lld B\n",
            rss_idle, rss_wait, quarantine_kib, per, live, cached);
    if (!mpa_test_is_mpalloc())
        return; /* glibc: the figures above, for comparison */
    const char *(*build)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "mpa_build_info");
    if (build != NULL && strstr(build(), "MPA_CHECKED=2") != NULL)
        cr_skip_test("the debug build: its quarantine keeps 1024 freed objects, and their "
                     "slabs' pages, whoever freed them (figures above)");
    cr_assert_leq(per, 32,
                  "%lld KiB per idle thread (RSS %zu KiB vs %zu KiB, %lld KiB quarantined)", per,
                  rss_idle, rss_wait, quarantine_kib);
    /* 200 x 64 B kept, and the threads' own (glibc's TSD blocks): well
     * under the ~20 MB they allocated and freed. */
    cr_assert(live >= 0 && live < live_wait + 2 * THREADS * 1024,
              "live_bytes %lld with %d x %d B kept (waiting threads only: %lld)", live, THREADS,
              KEPT, live_wait);
    cr_assert(cached >= 0 && cached < 64 * 1024, "thread_cached_bytes %lld of idle threads",
              cached);
}

/* ---- threads that sleep and wake ---- */

enum { WAKERS = 8, SLOTS = 256 };
static _Atomic(void *) shared[SLOTS];
static atomic_int stop, broken;

/* An object's size and seed live in its first 16 bytes, the pattern after. */
static void *make(uint64_t *rng) {
    size_t size = 16 + (size_t)(mpa_test_rand(rng) % 3000);
    unsigned char *p = malloc(size);
    if (p == NULL)
        return NULL;
    uint64_t seed = mpa_test_rand(rng);
    memcpy(p, &size, 8);
    memcpy(p + 8, &seed, 8);
    mpa_test_fill(p + 16, size - 16, seed);
    return p;
}

static void check_free(unsigned char *p) {
    if (p == NULL)
        return;
    size_t size;
    uint64_t seed;
    memcpy(&size, p, 8);
    memcpy(&seed, p + 8, 8);
    if (size < 16 || size > 3016 || mpa_test_check(p + 16, size - 16, seed) != size - 16)
        atomic_fetch_add(&broken, 1);
    free(p);
}

static void *waker(void *arg) {
    uint64_t rng = (uintptr_t)arg * 7919 + 1;
    void *mine[64];
    while (!atomic_load(&stop)) {
        for (int i = 0; i < 64; i++)
            mine[i] = make(&rng);
        for (int i = 0; i < 64; i++) {
            size_t s = (size_t)(mpa_test_rand(&rng) % SLOTS);
            check_free(atomic_exchange(&shared[s], mine[i])); /* often another thread's */
        }
        for (int i = 0; i < 200; i++)
            check_free(make(&rng));                          /* local pairs: the fast lists */
        sleep_ms(1 + (unsigned)(mpa_test_rand(&rng) % 300)); /* parked: lent to the purger */
    }
    return NULL;
}

static void wake_and_sleep_child(void) {
    alarm(60);
    pthread_t t[WAKERS];
    for (uintptr_t i = 0; i < WAKERS; i++)
        if (pthread_create(&t[i], NULL, waker, (void *)i) != 0)
            _exit(2);
    sleep_ms(2500);
    atomic_store(&stop, 1);
    for (int i = 0; i < WAKERS; i++)
        pthread_join(t[i], NULL);
    for (int s = 0; s < SLOTS; s++)
        check_free(atomic_exchange(&shared[s], NULL));
    _exit(atomic_load(&broken) ? 5 : 0);
}

Test(idle_threads, lists_taken_back_while_asleep, .timeout = 120) {
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        wake_and_sleep_child();
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "sleeping and waking threads: status %d (5: an object broken; signal %d, "
              "SIGALRM: hung)",
              WIFEXITED(status) ? WEXITSTATUS(status) : -1,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* ---- signal handlers that sleep ---- */

enum { SIG_WORKERS = 1, SIG_SIGNALS = 16, SIG_SLOTS = 8, SIG_SLEEP_MS = 250 };
static atomic_int sig_stop, sig_broken, sig_taken;

static void sleep_in_handler(void) {
    struct timespec ts = {0, SIG_SLEEP_MS * 1000000L};
    nanosleep(&ts, NULL); /* async-signal-safe; the thread reads as parked */
    atomic_fetch_add(&sig_taken, 1);
}
static void handler1(int sig) {
    (void)sig;
    sleep_in_handler();
}
static void handler3(int sig, siginfo_t *info, void *uc) {
    (void)sig;
    (void)info;
    (void)uc;
    sleep_in_handler();
}

/* Pairs of malloc/free in 8 slots, each object's bytes checked before its
 * free: an object handed out twice, or a list the purger rebuilt under the
 * fast path, shows as a broken pattern (or a crash). */
static void *pair_loop(void *arg) {
    static char alt[64 * 1024]; /* one such thread (not TLS: 64 KiB of it per thread) */
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt}, was;
    sigaltstack(&ss, &was); /* (was put back at the end: ASan unmaps its own at thread exit) */
    unsigned char *slot[SIG_SLOTS] = {0};
    for (unsigned long it = (uintptr_t)arg; !atomic_load_explicit(&sig_stop, memory_order_relaxed);
         it++) {
        unsigned i = it % SIG_SLOTS;
        size_t size = 32;
        if (slot[i] != NULL) {
            if (slot[i][0] != (unsigned char)(i + 1) || slot[i][15] != (unsigned char)(i + 1))
                atomic_fetch_add(&sig_broken, 1);
            free(slot[i]);
        }
        slot[i] = malloc(size);
        memset(slot[i], (int)(i + 1), 16);
    }
    for (unsigned i = 0; i < SIG_SLOTS; i++)
        free(slot[i]);
    sigaltstack(&was, NULL);
    return NULL;
}

static void handler_sleeps_child(void) {
    alarm(60);
    if (signal(SIGUSR1, handler1) == SIG_ERR || signal(SIGUSR1, handler1) != handler1)
        _exit(6); /* the program's handler reads back, not a wrapper */
    struct sigaction sa = {.sa_sigaction = handler3, .sa_flags = SA_SIGINFO | SA_ONSTACK}, old;
    if (sigaction(SIGUSR2, &sa, NULL) != 0 || sigaction(SIGUSR2, NULL, &old) != 0 ||
        old.sa_sigaction != handler3 || !(old.sa_flags & SA_SIGINFO))
        _exit(6);
    pthread_t t[SIG_WORKERS];
    for (uintptr_t i = 0; i < SIG_WORKERS; i++)
        if (pthread_create(&t[i], NULL, pair_loop, (void *)i) != 0)
            _exit(2);
    uint64_t rng = 12345;
    for (int n = 0; n < SIG_SIGNALS; n++) { /* the worker spends most of its time in handlers */
        sleep_ms(SIG_SLEEP_MS + 10 + (unsigned)(mpa_test_rand(&rng) % 20));
        pthread_kill(t[n % SIG_WORKERS], n % 4 < 2 ? SIGUSR1 : SIGUSR2);
    }
    sleep_ms(SIG_SLEEP_MS + 50);
    atomic_store(&sig_stop, 1);
    for (int i = 0; i < SIG_WORKERS; i++)
        pthread_join(t[i], NULL);
    _exit(atomic_load(&sig_broken) ? 5 : atomic_load(&sig_taken) == 0 ? 7 : 0);
}

Test(idle_threads, handler_sleeps_inside_fast_path, .timeout = 120) {
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        handler_sleeps_child();
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "fast paths interrupted by sleeping handlers: status %d (5: an object broken; 6: "
              "sigaction/signal reported another handler; 7: no signal handled; signal %d, "
              "SIGALRM: hung)",
              WIFEXITED(status) ? WEXITSTATUS(status) : -1,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
