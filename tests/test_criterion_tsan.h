/* A minimal stand-in for the Criterion API, used by test_api.h in TSan
 * builds only: Criterion 2.4 aborts at start-up under ThreadSanitizer
 * ("Could not initialize inheritable arena", Snaipe/Criterion#274).
 * Same test syntax and the same "[====] Synthesis:" line; each test runs in
 * a forked child (exit 0 pass, 77 skip, other exit or a signal: failure). */
#ifndef MPA_TEST_CRITERION_TSAN_H
#define MPA_TEST_CRITERION_TSAN_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct mct_test {
    const char *suite, *name;
    void (*fn)(void);
    struct mct_test *next;
} mct_test_t;

static mct_test_t *mct_tests;

/* Registers a test (from a constructor) in suite::name order. */
static inline void mct_register(mct_test_t *t) {
    mct_test_t **at = &mct_tests;
    while (*at && (strcmp((*at)->suite, t->suite) < 0 ||
                   (!strcmp((*at)->suite, t->suite) && strcmp((*at)->name, t->name) < 0)))
        at = &(*at)->next;
    t->next = *at;
    *at = t;
}

/* Test options (.timeout = ...) are accepted and ignored. */
#define Test(suite, name, ...)                                                              \
    static void suite##_##name##_impl(void);                                                \
    static mct_test_t suite##_##name##_test = {#suite, #name, suite##_##name##_impl, NULL}; \
    __attribute__((constructor)) static void suite##_##name##_register(void) {              \
        mct_register(&suite##_##name##_test);                                               \
    }                                                                                       \
    static void suite##_##name##_impl(void)

/* Prints the failure (and the optional printf-style message), ends the test. */
static inline void mct_end(int code, const char *file, int line, const char *what, const char *fmt,
                           ...) {
    va_list ap;
    fprintf(stderr, "[----] %s:%d: %s\n[----]   ", file, line, what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fflush(NULL);
    _exit(code);
}

/* Prints one printf-style line of the test's own (Criterion's cr_log_*). */
static inline void mct_log(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "[----] ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
}

#define cr_assert(cond, ...)                                                            \
    do {                                                                                \
        if (!(cond))                                                                    \
            mct_end(1, __FILE__, __LINE__, "Assertion Failed: " #cond, "" __VA_ARGS__); \
    } while (0)
#define cr_assert_eq(a, b, ...)    cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...)   cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...)    cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...)   cr_assert((a) <= (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...)    cr_assert((a) > (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...)   cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...)     cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_skip_test(...)          mct_end(77, __FILE__, __LINE__, "skipped", "" __VA_ARGS__)
#define cr_log_info(...)           mct_log(__VA_ARGS__)
#define cr_log_warn(...)           mct_log(__VA_ARGS__)

/* Runs one test in a child; returns 0 pass, 1 fail, 2 crash, 3 skip. */
static inline int mct_run(const mct_test_t *t) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(300);
        t->fn();
        fflush(NULL);
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 2;
    if (WIFSIGNALED(status))
        return 2;
    return WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 77 ? 3 : 1;
}

int main(void) {
    static const char *const verdict[] = {"[PASS]", "[FAIL]", "[FAIL]", "[SKIP]"};
    int n[4] = {0, 0, 0, 0};
    for (const mct_test_t *t = mct_tests; t; t = t->next) {
        printf("[RUN ] %s::%s\n", t->suite, t->name);
        int r = mct_run(t);
        printf("%s %s::%s%s\n", verdict[r], t->suite, t->name, r == 2 ? ": CRASH!" : "");
        n[r]++;
    }
    printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: %d \n",
           n[0] + n[1] + n[2], n[0], n[1] + n[2], n[2]);
    return n[1] + n[2] ? 1 : 0;
}

#endif /* MPA_TEST_CRITERION_TSAN_H */
