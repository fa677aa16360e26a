/* huge-resize: large blocks grown, shrunk, aligned and freed in a mix, every
 * byte or a sample of them checked, for tests/real/ulimit.sh (run under
 * limits, where every large block is mapped alone, some to the page). One
 * block grows by 3,001 bytes at a time from 66,000 to 600,000 bytes and
 * shrinks back by 5,003; then 4,000 blocks of 65,000..265,000 bytes (every
 * 7th from posix_memalign, alignments 4 KiB..512 KiB) are allocated, a
 * third freed and a fifth resized meanwhile. Prints "ok" and exits 0, else
 * names what went wrong (exit 1). A block the platform moved to a page
 * inside the unmapped rest of another block's last chunk shared that
 * chunk's pagemap entry: free reported "a pointer inside a large object". */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 4000

/* Writes a pattern of seed into every 97th byte of p[0..n) and its last. */
static void stamp(unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i += 97)
        p[i] = (unsigned char)(i * 31 + seed);
    p[n - 1] = (unsigned char)(seed ^ 0x5a);
}

/* True when p[0..n) holds stamp's pattern (its last byte when whole). */
static int stamped(const unsigned char *p, size_t n, size_t whole, unsigned seed) {
    for (size_t i = 0; i < n && i < whole - 1; i += 97)
        if (p[i] != (unsigned char)(i * 31 + seed))
            return 0;
    return n < whole || p[whole - 1] == (unsigned char)(seed ^ 0x5a);
}

static int grow_shrink(void) {
    size_t n = 66000;
    unsigned char *p = malloc(n);
    if (p == NULL)
        return puts("malloc(66000) failed"), 1;
    memset(p, 7, n);
    for (; n < 600000; n += 3001) {
        unsigned char *q = realloc(p, n + 3001);
        if (q == NULL)
            return printf("realloc to %zu failed\n", n + 3001), 1;
        p = q;
        memset(p + n, 7, 3001);
    }
    for (; n > 70000; n -= 5003) {
        unsigned char *q = realloc(p, n - 5003);
        if (q == NULL)
            return puts("shrinking realloc failed"), 1;
        p = q;
    }
    for (size_t i = 0; i < n; i++)
        if (p[i] != 7)
            return printf("byte %zu of a grown and shrunk block changed\n", i), 1;
    free(p);
    return 0;
}

static int mix(void) {
    static unsigned char *v[BLOCKS];
    static size_t sz[BLOCKS];
    srand(42);
    for (int i = 0; i < BLOCKS; i++) {
        sz[i] = 65000 + (size_t)(rand() % 200000);
        if (i % 7 == 0 && posix_memalign((void **)&v[i], (size_t)1 << (12 + rand() % 8), sz[i]))
            v[i] = NULL;
        else if (i % 7 != 0)
            v[i] = malloc(sz[i]);
        if (v[i] == NULL)
            continue; /* out of memory under the limit: allowed */
        if (malloc_usable_size(v[i]) < sz[i])
            return printf("block %d: usable size below the request\n", i), 1;
        stamp(v[i], sz[i], (unsigned)i);
        int j = rand() % (i + 1);
        if (i % 3 == 0 && v[j] != NULL && j != i) {
            if (!stamped(v[j], sz[j], sz[j], (unsigned)j))
                return printf("block %d changed before its free\n", j), 1;
            free(v[j]);
            v[j] = NULL;
        }
        j = rand() % (i + 1);
        size_t m = 65000 + (size_t)(rand() % 300000);
        if (i % 5 == 0 && v[j] != NULL) {
            unsigned char *q = realloc(v[j], m);
            if (q != NULL) {
                if (!stamped(q, m < sz[j] ? m : sz[j], sz[j], (unsigned)j))
                    return printf("block %d changed by realloc\n", j), 1;
                v[j] = q, sz[j] = m;
                stamp(q, m, (unsigned)j);
            }
        }
    }
    for (int i = 0; i < BLOCKS; i++) {
        if (v[i] != NULL && !stamped(v[i], sz[i], sz[i], (unsigned)i))
            return printf("block %d changed\n", i), 1;
        free(v[i]);
    }
    return 0;
}

int main(void) {
    if (grow_shrink() || mix())
        return 1;
    puts("ok");
    return 0;
}
