/* huge-threads: 6 threads each keep up to 512 blocks (16 B..2 KiB, 100 B..60 KB,
 * 60 KB..260 KB, 1..4 MB), freeing a random one and allocating another
 * 20,000 times, resizing every 7th step, each block's first and last bytes
 * checked before its free; under a limit many mallocs get NULL (allowed).
 * Prints "ok, N NULLs" and exits 0, or names the block that changed (exit 1).
 * For tests/real/ulimit.sh: every large block is mapped alone there, and a
 * freed one's pagemap head written after its unmap overwrote the head of
 * the block another thread had just mapped in its place ("double free" at
 * that block's free). Every thread exists before any allocates: a thread
 * created once the others had filled the limit found no room for its stack
 * (pthread_create failed, a flaky run of ulimit.sh). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 6
#define SLOTS   512
#define STEPS   20000

/* A size of one of four ranges, drawn from *seed. */
static size_t draw(unsigned *seed) {
    switch (rand_r(seed) % 4) {
    case 0:
        return 16 + (size_t)(rand_r(seed) % 2000);
    case 1:
        return 60000 + (size_t)(rand_r(seed) % 200000);
    case 2:
        return 1000000 + (size_t)(rand_r(seed) % 3000000);
    default:
        return 100 + (size_t)(rand_r(seed) % 60000);
    }
}

/* Marks a block of n bytes as slot i's: first and last byte. */
static void mark(unsigned char *p, size_t n, int i) { p[0] = p[n - 1] = (unsigned char)i; }

static pthread_barrier_t start;

static void *run(void *arg) {
    pthread_barrier_wait(&start);
    unsigned seed = (unsigned)(size_t)arg;
    unsigned char *v[SLOTS] = {0};
    size_t sz[SLOTS] = {0};
    size_t nulls = 0;
    for (int step = 0; step < STEPS; step++) {
        int i = rand_r(&seed) % SLOTS;
        if (v[i] != NULL) {
            if (v[i][0] != (unsigned char)i || v[i][sz[i] - 1] != (unsigned char)i) {
                printf("block of slot %d (%zu bytes) changed\n", i, sz[i]);
                exit(1);
            }
            free(v[i]);
            v[i] = NULL;
        }
        sz[i] = draw(&seed);
        if ((v[i] = malloc(sz[i])) == NULL) {
            nulls++;
            continue;
        }
        memset(v[i], 3, sz[i] < 4096 ? sz[i] : 4096);
        mark(v[i], sz[i], i);
        int j = rand_r(&seed) % SLOTS;
        if (step % 7 == 0 && v[j] != NULL) {
            size_t m = 100 + (size_t)(rand_r(&seed) % 400000);
            unsigned char *q = realloc(v[j], m);
            if (q != NULL) {
                v[j] = q, sz[j] = m;
                mark(q, m, j);
            }
        }
    }
    for (int i = 0; i < SLOTS; i++)
        free(v[i]);
    return (void *)nulls;
}

int main(void) {
    pthread_t t[THREADS];
    size_t nulls = 0;
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, run, (void *)(size_t)(i + 1)) != 0)
            return puts("pthread_create failed"), 1;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        nulls += (size_t)r;
    }
    printf("ok, %zu NULLs\n", nulls);
    return 0;
}
