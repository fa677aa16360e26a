/* fill SIZE...: for each SIZE in turn, mallocs SIZE-byte blocks until malloc
 * returns NULL, then frees them all; prints the MiB each fill reached, then
 * ENOMEM when every fill ended with errno ENOMEM (else no-ENOMEM). SIZE
 * "mixed" draws each block's size log-uniform from 16 B to 2 MiB (a fixed
 * sequence). Blocks are chained through their first word and touched at
 * both ends: nothing else is allocated. For tests/real/ulimit.sh (limits of
 * commit and of address space). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next size of the mixed sequence: 2^k + r (r < 2^k), k = 4..20. */
static size_t next_mixed(unsigned long long *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    unsigned bits = 4 + (unsigned)(*x % 17);
    return ((size_t)1 << bits) + (size_t)(*x >> 20) % ((size_t)1 << bits);
}

static size_t fill(const char *arg, int *enomem) {
    unsigned long long x = 88172645463325252ull;
    int mixed = strcmp(arg, "mixed") == 0;
    size_t size = mixed ? 0 : strtoull(arg, NULL, 0);
    void *head = NULL;
    size_t total = 0;
    for (;;) {
        size_t s = mixed ? next_mixed(&x) : size;
        errno = 0;
        char *p = malloc(s);
        if (p == NULL)
            break;
        p[s - 1] = 1;
        *(void **)p = head;
        head = p;
        total += s;
    }
    *enomem = errno == ENOMEM;
    while (head != NULL) {
        void *next = *(void **)head;
        free(head);
        head = next;
    }
    return total >> 20;
}

int main(int argc, char **argv) {
    int ok = 1, e;
    for (int i = 1; i < argc; i++) {
        printf("%s%zu", i > 1 ? " " : "", fill(argv[i], &e));
        ok &= e;
    }
    printf(" %s\n", ok ? "ENOMEM" : "no-ENOMEM");
    return 0;
}
