/* The library tests/stress/longrun.c loads and unloads 100 times: its
 * constructor allocates 64 objects (8 of 64 KiB, 56 of 1-3 KiB), its
 * destructor frees them, and it has thread-local storage (a dynamic TLS
 * block, which the C library allocates with malloc on first use). */
#include <stdlib.h>
#include <string.h>

static void *held[64];
static __thread char tls_buf[4096];

__attribute__((constructor)) static void plugin_up(void) {
    for (int i = 0; i < 64; i++) {
        size_t n = i % 8 == 0 ? 65536 : 1000 + (size_t)i * 37;
        held[i] = malloc(n);
        if (held[i] != NULL)
            memset(held[i], i, n);
    }
}

__attribute__((destructor)) static void plugin_down(void) {
    for (int i = 0; i < 64; i++)
        free(held[i]);
}

/* Touches the thread-local block; returns a positive number. */
int plugin_use(int x) {
    tls_buf[x] = (char)x;
    return tls_buf[x] + (held[1] != NULL);
}
