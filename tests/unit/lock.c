/* The allocator's lock (common.h): mutual exclusion with more threads than
 * cores, waiters that sleep (rather than spin) while a holder keeps the
 * lock, every sleeper woken in turn, and fork's priority: fork's acquire
 * gets a lock another thread takes over and over, and gets a held lock
 * before the threads sleeping on it. Behaviour only; every test has a
 * watchdog (Criterion's timeout). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static double thread_cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static mpa_lock_t lk = MPA_LOCK_INIT;
static long counter; /* guarded by lk, deliberately not atomic */

#define EXCL_THREADS 12
#define EXCL_ROUNDS  100000

static void *exclusion_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < EXCL_ROUNDS; i++) {
        mpa_lock(&lk);
        long c = counter;
        if ((i & 255) == 0)
            sched_yield(); /* be descheduled while holding it, now and then */
        counter = c + 1;
        mpa_unlock(&lk);
    }
    return NULL;
}

Test(lock, mutual_exclusion_oversubscribed, .timeout = 60) {
    pthread_t t[EXCL_THREADS];
    counter = 0;
    for (int i = 0; i < EXCL_THREADS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, exclusion_worker, NULL), 0);
    for (int i = 0; i < EXCL_THREADS; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(counter, (long)EXCL_THREADS * EXCL_ROUNDS, "lost updates: %ld", counter);
    cr_assert_eq(atomic_load(&lk.held), 0, "lock word left at %d", atomic_load(&lk.held));
}

#define SLEEPERS 4
static double waited_cpu[SLEEPERS];
static atomic_int acquired;

static void *sleeper(void *arg) {
    int i = (int)(intptr_t)arg;
    double c0 = thread_cpu_s();
    mpa_lock(&lk);
    waited_cpu[i] = thread_cpu_s() - c0;
    atomic_fetch_add(&acquired, 1);
    mpa_unlock(&lk);
    return NULL;
}

/* A holder keeps the lock 300 ms: the waiters must sleep (little CPU time
 * each, where spinning and yielding would burn the time they wait), and
 * every one must get the lock after it is released. */
Test(lock, waiters_sleep_and_all_wake, .timeout = 30) {
    pthread_t t[SLEEPERS];
    atomic_store(&acquired, 0);
    mpa_lock(&lk);
    for (int i = 0; i < SLEEPERS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, sleeper, (void *)(intptr_t)i), 0);
    usleep(300 * 1000);
    cr_assert_eq(atomic_load(&acquired), 0, "a waiter got a held lock");
    cr_assert(atomic_load(&lk.held) & MPA_LOCK_SLEEPERS, "no waiter went to sleep: word %d",
              atomic_load(&lk.held));
    mpa_unlock(&lk);
    for (int i = 0; i < SLEEPERS; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(atomic_load(&acquired), SLEEPERS);
    for (int i = 0; i < SLEEPERS; i++)
        cr_assert_lt(waited_cpu[i], 0.05, "waiter %d used %.3f s of CPU waiting 0.3 s", i,
                     waited_cpu[i]);
    cr_assert_eq(atomic_load(&lk.held), 0, "lock word left at %d", atomic_load(&lk.held));
}

static atomic_int stop;

static void *hammer(void *arg) {
    (void)arg;
    while (!atomic_load(&stop)) {
        mpa_lock(&lk);
        mpa_unlock(&lk);
    }
    return NULL;
}

/* Fork's acquire gets a lock that two threads take over and over. */
Test(lock, fork_acquire_not_starved, .timeout = 30) {
    pthread_t t[2];
    atomic_store(&stop, 0);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, NULL), 0);
    for (int round = 0; round < 50; round++) {
        mpa_lock_fork(&lk, MPA_FORK_PREPARE);
        cr_assert(atomic_load(&lk.held) & MPA_LOCK_HELD);
        mpa_lock_fork(&lk, MPA_FORK_PARENT);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(atomic_load(&lk.held), 0, "lock word left at %d", atomic_load(&lk.held));
}

static atomic_int fork_holds, sleeper_in_fork_hold;

static void *late_sleeper(void *arg) {
    (void)arg;
    mpa_lock(&lk);
    if (atomic_load(&fork_holds))
        atomic_store(&sleeper_in_fork_hold, 1);
    mpa_unlock(&lk);
    return NULL;
}

static void *forker(void *arg) {
    (void)arg;
    mpa_lock_for_fork(&lk);
    atomic_store(&fork_holds, 1);
    usleep(50 * 1000);
    atomic_store(&fork_holds, 0);
    mpa_unlock(&lk);
    return NULL;
}

/* A held lock with a sleeper on it: fork marks it, and the holder's unlock
 * hands it to fork, not to the sleeper, which gets it after fork. */
Test(lock, held_lock_goes_to_fork_before_sleepers, .timeout = 30) {
    pthread_t s, f;
    atomic_store(&fork_holds, 0);
    atomic_store(&sleeper_in_fork_hold, 0);
    mpa_lock(&lk);
    cr_assert_eq(pthread_create(&s, NULL, late_sleeper, NULL), 0);
    usleep(100 * 1000); /* the sleeper is asleep on the word */
    cr_assert_eq(pthread_create(&f, NULL, forker, NULL), 0);
    while (!(atomic_load(&lk.held) & MPA_LOCK_FORK))
        usleep(1000);
    mpa_unlock(&lk);
    pthread_join(f, NULL);
    pthread_join(s, NULL);
    cr_assert_eq(atomic_load(&sleeper_in_fork_hold), 0, "a sleeper got the lock fork held");
    cr_assert_eq(atomic_load(&lk.held), 0, "lock word left at %d", atomic_load(&lk.held));
}
