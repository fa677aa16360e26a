/* Out of memory: a forked child caps its address space (RLIMIT_AS) at
 * 256 MiB above what it uses, allocates 1 MiB and then 4 KiB objects until
 * malloc returns NULL (errno ENOMEM), checks that calloc, realloc,
 * posix_memalign and aligned_alloc fail cleanly too, frees everything, and
 * must then allocate again: the heap keeps working after running dry. */
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_api.h"

enum { HEADROOM_MB = 256, BIG = 1 << 20, SMALL = 4096 };

/* Objects are chained through their first word: the list needs no memory. */
typedef struct oom_node {
    struct oom_node *next;
} oom_node_t;

/* Address space in use, from /proc/self/statm (no allocation). */
static size_t oom_vm_bytes(void) {
    size_t vm = 0, rss = 0;
    return mpa_test_statm(&vm, &rss) == 0 ? vm : 0;
}

/* Allocates objects of `size` until malloc fails; returns how many. */
static size_t oom_fill(oom_node_t **list, size_t size, int *bad_errno) {
    size_t count = 0;
    for (;;) {
        errno = 0;
        oom_node_t *n = malloc(size);
        if (n == NULL) {
            *bad_errno = errno != ENOMEM;
            return count;
        }
        n->next = *list;
        *list = n;
        count++;
    }
}

static void oom_free_all(oom_node_t **list) {
    while (*list != NULL) {
        oom_node_t *n = *list;
        *list = n->next;
        free(n);
    }
}

/* With the heap dry, every other entry point must fail with ENOMEM too;
 * returns 0 when they do (errno checked where the API sets it). */
static int oom_others_fail(void) {
    void *p = NULL, *keep = malloc(16);
    errno = 0;
    if (calloc(HEADROOM_MB, 1 << 20) != NULL || errno != ENOMEM)
        return 20;
    if (posix_memalign(&p, 4096, (size_t)HEADROOM_MB << 20) != ENOMEM || p != NULL)
        return 21;
    errno = 0;
    if (aligned_alloc(1 << 16, (size_t)HEADROOM_MB << 20) != NULL || errno != ENOMEM)
        return 22;
    if (keep != NULL) { /* a 16-byte object may still fit in a slab */
        memset(keep, 0x5a, 16);
        errno = 0;
        if (realloc(keep, (size_t)HEADROOM_MB << 20) != NULL || errno != ENOMEM)
            return 23;
        if (((unsigned char *)keep)[15] != 0x5a)
            return 24;
        free(keep);
    }
    return 0;
}

/* The child: returns 0 when every check passed, else the failed check. */
static int oom_child(void) {
    struct rlimit rl;
    size_t limit = oom_vm_bytes() + ((size_t)HEADROOM_MB << 20);
    rl.rlim_cur = rl.rlim_max = limit;
    if (limit < ((size_t)HEADROOM_MB << 20) || setrlimit(RLIMIT_AS, &rl) != 0)
        return 10;
    oom_node_t *list = NULL;
    int bad_errno = 0;
    size_t big = oom_fill(&list, BIG, &bad_errno);
    /* The allocator's reservations made before the cap count as "in use"
     * and may be filled too: the cap is only bounded above loosely. */
    if (bad_errno || big < HEADROOM_MB / 4 || big > 64 * HEADROOM_MB) {
        fprintf(stderr, "oom: %zu MiB blocks before NULL (errno %s)\n", big,
                bad_errno ? "wrong" : "ENOMEM");
        return 11;
    }
    oom_fill(&list, SMALL, &bad_errno);
    if (bad_errno)
        return 12;
    int rc = oom_others_fail();
    if (rc != 0)
        return rc;
    oom_free_all(&list);
    size_t again = oom_fill(&list, BIG, &bad_errno);
    if (bad_errno || again + 8 < big) /* nearly all of it comes back */
        return 13;
    oom_free_all(&list);
    for (int i = 0; i < 1000; i++) /* and small objects work as before */
        free(malloc((size_t)i * 37 % 2000 + 1));
    return 0;
}

Test(oom, enomem_then_recovery, .timeout = 60) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return; /* the sanitizer runtimes map memory of their own: no fixed cap fits */
#endif
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork failed");
    if (pid == 0) {
        alarm(50);
        _exit(oom_child());
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(!WIFSIGNALED(status), "child killed by signal %d", WTERMSIG(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "child failed check %d", WEXITSTATUS(status));
}
