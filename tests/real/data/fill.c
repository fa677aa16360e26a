/* fill SIZE...: for each SIZE in turn, mallocs SIZE-byte blocks until malloc
 * returns NULL, then frees them all; prints the MiB each fill reached, then
 * ENOMEM when every fill ended with errno ENOMEM (else no-ENOMEM). Blocks
 * are chained through their first word and touched at both ends: nothing
 * else is allocated. For tests/real/ulimit.sh (limits of commit). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
static size_t fill(size_t size, int *enomem) {
    void *head = NULL;
    size_t total = 0;
    for (;;) {
        errno = 0;
        char *p = malloc(size);
        if (p == NULL)
            break;
        p[size - 1] = 1;
        *(void **)p = head;
        head = p;
        total += size;
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
        printf("%s%zu", i > 1 ? " " : "", fill(strtoull(argv[i], NULL, 0), &e));
        ok &= e;
    }
    printf(" %s\n", ok ? "ENOMEM" : "no-ENOMEM");
    return 0;
}
