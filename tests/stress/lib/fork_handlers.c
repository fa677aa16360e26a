/* Fork handlers that allocate, registered from a constructor that runs
 * before the allocator's (tests/stress/foreign_locks.c appends this library
 * to LD_PRELOAD: preloaded constructors run last-listed first), so that its
 * prepare handler runs after the allocator's (which holds every allocator
 * lock until its parent or child handler) and its parent and child
 * handlers before the allocator's. Sizes: small, medium, large. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *blocks[3];
static const size_t sizes[3] = {48, 40000, 3u << 20};

static void prepare(void) {
    for (int i = 0; i < 3; i++) {
        blocks[i] = malloc(sizes[i]);
        if (blocks[i])
            memset(blocks[i], 7, sizes[i] < 64 ? sizes[i] : 64);
    }
}

/* Frees what prepare allocated and allocates again (both sides of fork). */
static void after(void) {
    for (int i = 0; i < 3; i++) {
        free(blocks[i]);
        blocks[i] = NULL;
        free(malloc(sizes[i] + 100));
    }
}

__attribute__((constructor)) static void register_handlers(void) {
    pthread_atfork(prepare, after, after);
}
