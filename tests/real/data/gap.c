/* gap: allocates 100,000-byte blocks until one ends inside a 16 KiB chunk,
 * maps a page of its own right after the block's last page (where the
 * chunk's rest is unmapped), and writes it with memset before and after
 * freeing the block: no report, exit 0. (Under glibc or when no block leaves
 * such a gap, it says so and exits 0.) For tests/real/ulimit.sh. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
    for (int i = 0; i < 64; i++) {
        char *p = malloc(100000);
        if (p == NULL)
            return 1;
        memset(p, 1, 100000);
        uintptr_t end = ((uintptr_t)p + 100000 + 4095) & ~(uintptr_t)4095;
        if ((end & 16383) == 0)
            continue;
        char *q = mmap((void *)end, 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (q == MAP_FAILED || q != (char *)end)
            continue;
        memset(q, 2, 4096);
        free(p);
        memset(q, 3, 4096);
        printf("a page mapped at %p, after a block at %p: written\n", (void *)q, (void *)p);
        return 0;
    }
    printf("no block left a gap\n");
    return 0;
}
