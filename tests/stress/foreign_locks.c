/* malloc and free called by the C library and the loader while they hold
 * their own locks must never wait for those locks (allocator/src/README.md,
 * "Locks the allocator may meet"). Each scenario runs in a child process
 * under a watchdog: a child that has not finished after its limit is killed
 * with SIGKILL (no signal mask can stop it) and the test fails with "hung",
 * where the old allocator froze the program for good.
 * - threads joined in rounds, with default, small (PTHREAD_STACK_MIN) and
 *   huge stacks: glibc frees the TLS blocks of old threads while it trims
 *   its stack cache holding its stack-cache lock (the deadlock of issue 18:
 *   that free emptied a slab and started the purger thread, whose
 *   pthread_create waited for the same lock);
 * - threads created and joined while other threads dlopen and dlclose
 *   copies of a library with thread-local data (tests/stress/lib), whose
 *   constructor allocates and starts a thread under the loader's lock;
 * - fork while threads exit, with fork handlers that allocate;
 * - exit while threads allocate, from atexit handlers that allocate;
 * - a single-threaded process has no thread of the allocator's
 *   (unshare(CLONE_NEWUSER) and setns need one thread), a multi-threaded
 *   one gets the idle purger when it creates its first thread. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_api.h"

#ifdef MPA_TEST_PREFIXED
#define MPA_TEST_SANITIZED 1
#else
#define MPA_TEST_SANITIZED 0
#endif

/* ---- the watchdog ---- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A scenario: a name and the function the child process runs. */
typedef struct scenario {
    const char *name;
    void (*body)(void);
} scenario_t;

static const scenario_t *scenario_find(const char *name);

/* The child: this binary again (a fresh process, as a real program is,
 * with none of the test runner's state) with MPA_FL_SCENARIO=name, which
 * the constructor below runs before the runner's main. */
__attribute__((constructor)) static void scenario_main(void) {
    const char *name = getenv("MPA_FL_SCENARIO");
    if (name == NULL)
        return;
    const scenario_t *s = scenario_find(name);
    if (s == NULL)
        _exit(5);
    unsetenv("MPA_FL_SCENARIO");
    s->body();
    exit(0);
}

/* Runs scenario `name` in a child process (its own process group, so that
 * its fork children go with it) and requires it to exit 0 within limit_s
 * seconds; a child still running then is killed (SIGKILL) and the test
 * fails with "hung". */
static void test_lib_path(const char *lib, char *out, size_t len);

/* The same, with BUILD/tests/lib/<preload>.so appended to LD_PRELOAD (its
 * constructor then runs before the allocator's) when preload is not NULL. */
static void watched_with(const char *name, double limit_s, const char *preload) {
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        setenv("MPA_FL_SCENARIO", name, 1);
        if (preload != NULL) {
            char lib[PATH_MAX], list[2 * PATH_MAX + 2];
            test_lib_path(preload, lib, sizeof lib);
            const char *old = getenv("LD_PRELOAD");
            snprintf(list, sizeof list, "%s%s%s", old ? old : "", old ? ":" : "", lib);
            setenv("LD_PRELOAD", list, 1);
        }
        execl("/proc/self/exe", "foreign_locks", (char *)NULL);
        _exit(6);
    }
    setpgid(pid, pid); /* either side may win the race; both set the same */
    int status = 0;
    double t0 = now_s();
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_s() - t0 < limit_s) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (r == 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        cr_assert(false, "%s: hung (no end after %.0f s, killed)", name, limit_s);
    }
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "%s: the child ended with status %d (signal %d)", name,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void watched(const char *name, double limit_s) { watched_with(name, limit_s, NULL); }

/* Exits the child with a message when cond is false (inside watched). */
#define CHILD_CHECK(cond, ...)                                                       \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "child check failed at line %d: %s: ", __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            _exit(3);                                                                \
        }                                                                            \
    } while (0)

/* ---- threads joined in rounds ---- */

static void *idle_thread(void *arg) {
    (void)arg;
    return NULL;
}

/* Allocates a few objects of assorted sizes (small and medium), checks and
 * frees them; some stay for the joiner to free (a remote free). */
static void *alloc_thread(void *arg) {
    uintptr_t id = (uintptr_t)arg;
    void *p[8];
    for (unsigned i = 0; i < 8; i++) {
        size_t n = ((size_t)16 << (i % 8)) + id % 64;
        if (!(p[i] = malloc(n)))
            return (void *)1;
        mpa_test_fill(p[i], n < 64 ? n : 64, id * 8 + i);
    }
    for (unsigned i = 1; i < 8; i++)
        free(p[i]);
    return p[0];
}

/* rounds of n threads with the given stack size (0: the default), each
 * doing nothing or allocating; all joined before the next round. */
static void join_rounds(unsigned rounds, unsigned n, size_t stack, bool allocate) {
    pthread_attr_t attr;
    CHILD_CHECK(pthread_attr_init(&attr) == 0, "attr");
    if (stack != 0)
        CHILD_CHECK(pthread_attr_setstacksize(&attr, stack) == 0, "stack size %zu", stack);
    pthread_t *t = malloc(n * sizeof *t);
    CHILD_CHECK(t != NULL, "malloc");
    for (unsigned r = 0; r < rounds; r++) {
        unsigned made = 0;
        for (unsigned i = 0; i < n; i++, made++) {
            uintptr_t id = (uintptr_t)r * n + i;
            if (pthread_create(&t[i], &attr, allocate ? alloc_thread : idle_thread, (void *)id) !=
                0)
                break; /* a thread limit: join what was made */
        }
        CHILD_CHECK(made >= n / 2, "only %u of %u threads could be created", made, n);
        for (unsigned i = 0; i < made; i++) {
            void *ret = NULL;
            pthread_join(t[i], &ret);
            CHILD_CHECK(ret != (void *)1, "a thread's malloc failed");
            if (allocate && ret != NULL) {
                uintptr_t id = (uintptr_t)r * n + i;
                size_t n0 = 16 + id % 64;
                CHILD_CHECK(mpa_test_check(ret, n0 < 64 ? n0 : 64, id * 8) == (n0 < 64 ? n0 : 64),
                            "object of thread %u corrupted", i);
                free(ret);
            }
        }
    }
    free(t);
    pthread_attr_destroy(&attr);
}

/* The program of issue 18: 64 threads, default stacks, doing nothing. */
static void issue_program(void) { join_rounds(6, 64, 0, false); }
static void default_stacks(void) {
    join_rounds(6, 256, 0, false);
    join_rounds(6, 256, 0, true);
}
static size_t small_stack(void) {
    long min = sysconf(_SC_THREAD_STACK_MIN);
    return min > 0 && (size_t)min > (size_t)16384 ? (size_t)min : (size_t)16384;
}
static void small_stacks(void) {
    join_rounds(6, 256, small_stack(), false);
    join_rounds(6, 256, small_stack(), true);
}
/* 64 MiB stacks (reserved, barely touched): above glibc's 40 MiB stack
 * cache, so every join trims it. */
static void huge_stacks(void) {
    join_rounds(6, 48, (size_t)64 << 20, false);
    join_rounds(6, 48, (size_t)64 << 20, true);
}

Test(foreign_locks, issue_program_64_threads_6_rounds, .timeout = 60) {
    watched("issue_program", 30);
}
Test(foreign_locks, join_rounds_default_stacks, .timeout = 90) { watched("default_stacks", 60); }
Test(foreign_locks, join_rounds_small_stacks, .timeout = 90) { watched("small_stacks", 60); }
Test(foreign_locks, join_rounds_huge_stacks, .timeout = 90) { watched("huge_stacks", 60); }

/* ---- threads come and go while others dlopen and dlclose TLS modules ---- */

enum { LOADERS = 3, COPIES = 4, LOADS = 12 };
static char module_copy[LOADERS * COPIES][PATH_MAX];
static atomic_int loaders_done;

/* A library beside the test binaries: BUILD/tests/lib/<lib>.so. */
static void test_lib_path(const char *lib, char *out, size_t len) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHILD_CHECK(n > 0, "readlink /proc/self/exe");
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        CHILD_CHECK(slash != NULL, "no folder in %s", exe);
        *slash = '\0';
    }
    int w = snprintf(out, len, "%s/lib/%s.so", exe, lib);
    CHILD_CHECK(w > 0 && (size_t)w < len, "path too long");
}

/* Copies the module to `to` (each copy is a distinct module for the loader). */
static void copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    CHILD_CHECK(in >= 0 && out >= 0, "copy %s -> %s", from, to);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        CHILD_CHECK(write(out, buf, (size_t)n) == n, "write %s", to);
    close(in);
    close(out);
}

typedef unsigned (*touch_fn)(unsigned);

static void *toucher(void *arg) {
    touch_fn touch = (touch_fn)(uintptr_t)arg;
    unsigned seed = (unsigned)(uintptr_t)&arg % 1000;
    return touch(seed) == 8 + seed ? NULL : (void *)1; /* first touch: the initial image */
}

/* Loads its copies in turn: dlopen (the constructor allocates and starts a
 * thread), threads that touch the module's TLS (glibc allocates their
 * blocks), join, dlclose. */
static void *loader(void *arg) {
    unsigned id = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < LOADS; k++) {
        const char *path = module_copy[id * COPIES + k % COPIES];
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        CHILD_CHECK(h != NULL, "dlopen %s: %s", path, dlerror());
        touch_fn touch = (touch_fn)(uintptr_t)dlsym(h, "tls_module_touch");
        CHILD_CHECK(touch != NULL, "dlsym");
        pthread_t t[4];
        for (unsigned i = 0; i < 4; i++)
            CHILD_CHECK(pthread_create(&t[i], NULL, toucher, (void *)(uintptr_t)touch) == 0,
                        "pthread_create");
        for (unsigned i = 0; i < 4; i++) {
            void *ret;
            pthread_join(t[i], &ret);
            CHILD_CHECK(ret == NULL, "the module's TLS did not start from its image");
        }
        touch(k); /* this thread's block too: freed at dlclose's next TLS update or exit */
        CHILD_CHECK(dlclose(h) == 0, "dlclose: %s", dlerror());
    }
    atomic_fetch_add(&loaders_done, 1);
    return NULL;
}

static void dlopen_while_threads_come_and_go(void) {
    char module[PATH_MAX], dir[] = "/tmp/mpa-tls-XXXXXX";
    test_lib_path("tls_module", module, sizeof module);
    CHILD_CHECK(access(module, R_OK) == 0, "no %s (make tests builds it)", module);
    CHILD_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    for (unsigned i = 0; i < LOADERS * COPIES; i++) {
        snprintf(module_copy[i], sizeof module_copy[i], "%s/tls_module_%u.so", dir, i);
        copy_file(module, module_copy[i]);
    }
    pthread_t l[LOADERS];
    for (unsigned i = 0; i < LOADERS; i++)
        CHILD_CHECK(pthread_create(&l[i], NULL, loader, (void *)(uintptr_t)i) == 0, "loader");
    unsigned rounds = 0;
    while (atomic_load(&loaders_done) < LOADERS || rounds < 4) {
        join_rounds(1, 64, 0, rounds & 1);
        rounds++;
    }
    for (unsigned i = 0; i < LOADERS; i++)
        pthread_join(l[i], NULL);
    for (unsigned i = 0; i < LOADERS * COPIES; i++)
        unlink(module_copy[i]);
    rmdir(dir);
}

Test(foreign_locks, dlopen_dlclose_tls_while_threads_come_and_go, .timeout = 120) {
    watched("dlopen_while_threads_come_and_go", 90);
}

/* ---- fork while threads exit ---- */

static atomic_int spawn_stop;

/* Keeps creating short threads (half of them allocate) and joining them. */
static void *spawner(void *arg) {
    (void)arg;
    while (!atomic_load(&spawn_stop))
        join_rounds(1, 8, 0, true);
    return NULL;
}

static void *_Atomic handler_block;

/* Fork handlers that allocate: prepare runs before the allocator's (LIFO),
 * parent and child after it. */
static void prepare_alloc(void) { atomic_store(&handler_block, malloc(300)); }
static void parent_free(void) { free(atomic_exchange(&handler_block, NULL)); }
static void child_alloc(void) {
    free(atomic_exchange(&handler_block, NULL));
    free(malloc(5000));
}

static void fork_while_threads_exit(void) {
    CHILD_CHECK(pthread_atfork(prepare_alloc, parent_free, child_alloc) == 0, "pthread_atfork");
    pthread_t s[2];
    for (unsigned i = 0; i < 2; i++)
        CHILD_CHECK(pthread_create(&s[i], NULL, spawner, NULL) == 0, "spawner");
    for (unsigned f = 0; f < 40; f++) {
        pid_t pid = fork();
        CHILD_CHECK(pid >= 0, "fork");
        if (pid == 0) {
            /* The child: allocates, creates and joins threads, exits
             * through exit() (atexit handlers, stdio). */
            join_rounds(2, 8, 0, true);
            void *p = malloc(100000);
            if (p == NULL)
                _exit(4);
            memset(p, 1, 100000);
            free(p);
            exit(0);
        }
        int status;
        CHILD_CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fork child %u status %d", f,
                    status);
    }
    atomic_store(&spawn_stop, 1);
    for (unsigned i = 0; i < 2; i++)
        pthread_join(s[i], NULL);
}

Test(foreign_locks, fork_while_threads_exit, .timeout = 120) {
#ifdef __SANITIZE_THREAD__
    cr_skip_test("threads in the child of a multi-threaded fork: not under TSan");
#endif
    /* Under ASan the process's malloc is the sanitizer's (the allocator is
     * linked prefixed), and gcc 12's libasan takes no allocator locks at
     * fork: a child forked while a spawner thread refills its cache waits
     * on that lock for ever (gdb: Mutex::Lock in GetFromAllocator). */
    if (MPA_TEST_SANITIZED)
        cr_skip_test("the sanitizer's malloc is not fork-safe with threads; not ours");
    watched("fork_while_threads_exit", 90);
}

/* The same with fork handlers that allocate registered before the
 * allocator's (tests/stress/lib/fork_handlers.c): they run while the
 * forking thread holds every allocator lock. */
Test(foreign_locks, fork_handlers_registered_first_allocate, .timeout = 120) {
    if (MPA_TEST_SANITIZED)
        cr_skip_test("a preloaded library ahead of the sanitizer's runtime");
    watched_with("fork_while_threads_exit", 90, "fork_handlers");
}

/* ---- exit while threads allocate ---- */

static void at_exit_alloc(void) {
    for (unsigned i = 0; i < 100; i++)
        free(malloc(16 + i * 40));
}

static void *busy(void *arg) {
    uint64_t rng = (uintptr_t)arg + 1;
    for (;;) {
        size_t n = 1 + mpa_test_rand(&rng) % 4000;
        void *p = malloc(n);
        if (p)
            memset(p, 2, n < 32 ? n : 32);
        free(p);
    }
    return NULL;
}

static void exit_while_threads_allocate(void) {
    atexit(at_exit_alloc);
    pthread_t t;
    for (uintptr_t i = 0; i < 3; i++)
        CHILD_CHECK(pthread_create(&t, NULL, busy, (void *)i) == 0, "busy");
    join_rounds(2, 16, 0, true);
    exit(0); /* the busy threads still run: exit's handlers allocate beside them */
}

Test(foreign_locks, exit_while_threads_allocate, .timeout = 60) {
    for (int i = 0; i < 10; i++)
        watched("exit_while_threads_allocate", 30);
}

/* ---- the allocator's own thread ---- */

/* Threads of this process named name (/proc/self/task/N/comm). */
static unsigned threads_named(const char *name) {
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        if (fgets(comm, sizeof comm, f) != NULL && strncmp(comm, name, strlen(name)) == 0)
            n++;
        fclose(f);
    }
    closedir(d);
    return n;
}

static void purger_only_when_multi_threaded(void) {
    /* Memory cached, many calls: still no thread of ours. */
    for (unsigned i = 0; i < 64; i++) {
        void *p = malloc((size_t)1 << 20);
        CHILD_CHECK(p != NULL, "malloc");
        memset(p, 1, (size_t)1 << 20);
        free(p);
    }
#ifndef MPA_TEST_PREFIXED /* sanitizer builds: no pthread_create hook, the purger starts at once */
    CHILD_CHECK(threads_named("mpalloc-purge") == 0, "a single-threaded process got a purger");
#endif
    pthread_t t;
    CHILD_CHECK(pthread_create(&t, NULL, alloc_thread, NULL) == 0, "pthread_create");
    void *ret;
    pthread_join(t, &ret);
    free(ret);
    const char *opt = getenv("MPALLOC_PURGER");
    if (mpa_test_is_mpalloc() && !(opt && strcmp(opt, "0") == 0) && !MPA_TEST_SANITIZED) {
        /* The purger names itself once it runs: on a loaded machine that
         * may be after the join (up to 5 s allowed). */
        for (int ms = 0; ms < 5000 && threads_named("mpalloc-purge") == 0; ms += 10)
            usleep(10000);
        CHILD_CHECK(threads_named("mpalloc-purge") == 1, "%u purgers after the first thread",
                    threads_named("mpalloc-purge"));
    }
}

Test(foreign_locks, purger_only_in_multi_threaded_processes, .timeout = 30) {
    watched("purger_only_when_multi_threaded", 20);
}

static const scenario_t scenarios[] = {
    {"issue_program", issue_program},
    {"default_stacks", default_stacks},
    {"small_stacks", small_stacks},
    {"huge_stacks", huge_stacks},
    {"dlopen_while_threads_come_and_go", dlopen_while_threads_come_and_go},
    {"fork_while_threads_exit", fork_while_threads_exit},
    {"exit_while_threads_allocate", exit_while_threads_allocate},
    {"purger_only_when_multi_threaded", purger_only_when_multi_threaded},
};

static const scenario_t *scenario_find(const char *name) {
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (strcmp(scenarios[i].name, name) == 0)
            return &scenarios[i];
    return NULL;
}
