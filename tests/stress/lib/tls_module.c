/* A library with thread-local data, for tests/stress/foreign_locks.c: the
 * test dlopens copies of it (each copy a module of its own, with its own TLS
 * module id) while threads come and go. Touching tls_big from a thread makes
 * glibc allocate the copy's TLS block for that thread in __tls_get_addr
 * (malloc); dlclose and thread exit free those blocks (glibc frees the
 * blocks of exited threads holding its stack-cache lock). The constructor
 * allocates, and starts and joins a thread, under the loader's lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static __thread char tls_big[48 << 10] = {1}; /* dynamic TLS: a medium malloc */
static __thread unsigned tls_count = 7;
static void *kept; /* allocated by the constructor, freed by the destructor */

static void *ctor_thread(void *arg) {
    tls_big[100] = 2;
    void *p = malloc(200);
    free(p);
    return arg;
}

__attribute__((constructor)) static void module_ctor(void) {
    kept = malloc(1000);
    if (kept)
        memset(kept, 3, 1000);
    pthread_t t;
    if (pthread_create(&t, NULL, ctor_thread, NULL) == 0)
        pthread_join(t, NULL);
}

__attribute__((destructor)) static void module_dtor(void) { free(kept); }

/* Touches this thread's TLS of the module; returns a value derived from it
 * (the initial image must be there: tls_big[0] == 1, tls_count starts at 7). */
__attribute__((visibility("default"))) unsigned tls_module_touch(unsigned seed) {
    tls_big[1 + seed % (sizeof tls_big - 1)] = (char)seed; /* never tls_big[0] */
    tls_count += seed;
    return (unsigned)tls_big[0] + tls_count;
}
