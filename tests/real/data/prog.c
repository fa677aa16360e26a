/* A small C program for tests/real/gcc.sh: compiled by gcc under glibc and
 * under libmpalloc, its disassembly and its output must match. It does a
 * bit of everything (hash table, sort, strings, recursion) and prints sums. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    struct entry *next;
    char key[24];
    unsigned long value;
};

static unsigned long hash(const char *s) {
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static int cmp_ul(const void *a, const void *b) {
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

static unsigned long ackermann_ish(unsigned m, unsigned long n) {
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann_ish(m - 1, 1);
    return ackermann_ish(m - 1, ackermann_ish(m, n - 1) % 1000);
}

int main(void) {
    enum { BUCKETS = 4096, N = 100000 };
    static struct entry *table[BUCKETS];
    static unsigned long values[N];
    unsigned long x = 88172645463325252ul, sum = 0;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        struct entry *e = malloc(sizeof *e);
        snprintf(e->key, sizeof e->key, "k%lu", x % 50000);
        e->value = values[i] = x % 1000003;
        unsigned long b = hash(e->key) % BUCKETS;
        e->next = table[b], table[b] = e;
    }
    qsort(values, N, sizeof values[0], cmp_ul);
    for (int b = 0; b < BUCKETS; b++)
        for (struct entry *e = table[b], *next; e; e = next) {
            next = e->next;
            sum += e->value * (unsigned long)(strlen(e->key) + (unsigned long)b);
            free(e);
        }
    printf("sum %lu median %lu max %lu ack %lu\n", sum, values[N / 2], values[N - 1],
           ackermann_ish(2, 300));
    return 0;
}
