/* Heap misuse programs for the corruption suite: `misuse CASE` commits one
 * misuse (double free, interior free, foreign free, use after free, ...)
 * through the plain malloc API, so LD_PRELOAD picks the allocator under test.
 * A detected misuse aborts inside the allocator; if the program gets past
 * it, it prints "undetected" on stdout and exits 3 (tests/corruption/run.sh). */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Misuse is this file's purpose: gcc must not refuse it. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wuse-after-free"
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
#endif

enum { SMALL = 48, LARGE = 1 << 20, MEDIUM = 40000, WAKE = 200, REFILL = 5000 };

static char static_block[64];

/* Hides p from the compiler, so that misuse is not diagnosed or elided. */
static void *opaque(void *p)
{
    __asm__ volatile("" : "+r"(p));
    return p;
}

static void *thread_free(void *p)
{
    free(opaque(p));
    return NULL;
}

/* Frees p on a new thread (a remote free when p belongs to another thread). */
static void free_on_thread(void *p)
{
    pthread_t t;
    if (pthread_create(&t, NULL, thread_free, p) != 0 || pthread_join(t, NULL) != 0)
        exit(2);
}

/* Allocates and frees many objects of one size: makes this thread drain its
 * incoming frees and reuse freed objects, where the checks on reuse run. */
static void churn(size_t size)
{
    static void *held[REFILL];
    for (int i = 0; i < REFILL; i++)
        held[i] = malloc(size);
    for (int i = 0; i < REFILL; i++)
        free(held[i]);
}

static void double_free_small(void)
{
    void *p = malloc(SMALL);
    free(p);
    free(opaque(p));
}

static void double_free_medium(void)
{
    void *p = malloc(MEDIUM);
    free(p);
    free(opaque(p));
}

static void double_free_large(void)
{
    void *p = malloc(LARGE);
    free(p);
    free(opaque(p));
}

/* Allocated here, freed twice by two other threads (remote frees). */
static void double_free_remote(void)
{
    void *p = malloc(SMALL);
    free_on_thread(p);
    free_on_thread(p);
    churn(SMALL);
}

/* Allocated and freed here, then freed again by another thread. */
static void double_free_cross(void)
{
    void *p = malloc(SMALL);
    free(p);
    free_on_thread(p);
    churn(SMALL);
}

static void interior_small(void)
{
    char *p = malloc(SMALL);
    free(opaque(p + 16));
}

static void interior_large(void)
{
    char *p = malloc(LARGE);
    free(opaque(p + 4096));
}

static void foreign_stack(void)
{
    char buf[64];
    free(opaque(buf));
}

static void foreign_static(void)
{
    free(opaque(static_block + 16));
}

static void foreign_mmap(void)
{
    char *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        exit(2);
    free(opaque(p + 4096));
}

/* Frees WAKE objects of SMALL bytes (waking their slab), lets `damage`
 * write into one of them, then allocates until the freed ones come back. */
static void reuse_after(void (*damage)(void **objs))
{
    static void *objs[WAKE];
    for (int i = 0; i < WAKE; i++)
        objs[i] = malloc(SMALL);
    for (int i = 0; i < WAKE; i++)
        free(objs[i]);
    damage(objs);
    for (int i = 0; i < REFILL; i++)
        opaque(malloc(SMALL)); /* leaked on purpose: every object comes back */
}

static void write_whole(void **objs)
{
    memset(opaque(objs[WAKE / 2]), 0x41, SMALL);
}

static void write_link(void **objs)
{
    memset(opaque(objs[WAKE / 2]), 0x41, 8);
}

static void write_tail(void **objs)
{
    ((char *)opaque(objs[WAKE / 2]))[SMALL - 1] = 0x41;
}

static void use_after_free(void) { reuse_after(write_whole); }
static void link_overwrite(void) { reuse_after(write_link); }
static void use_after_free_tail(void) { reuse_after(write_tail); }

/* A live object overflows 16 bytes into its freed right-hand neighbour. */
static void overflow_into_freed(void)
{
    static char *objs[WAKE];
    for (int i = 0; i < WAKE; i++)
        objs[i] = malloc(SMALL);
    for (int i = 0; i < WAKE; i++)
        for (int j = 0; j < WAKE; j++)
            if (objs[j] == objs[i] + SMALL) {
                char *live = objs[i];
                for (int k = 0; k < WAKE; k++)
                    if (k != i)
                        free(objs[k]);
                memset(opaque(live), 0x42, SMALL + 16);
                for (int k = 0; k < REFILL; k++)
                    opaque(malloc(SMALL));
                return;
            }
    exit(2); /* no two neighbours: cannot set the case up */
}

static void realloc_freed(void)
{
    void *p = malloc(SMALL);
    free(p);
    opaque(realloc(opaque(p), 100));
}

static void realloc_interior(void)
{
    char *p = malloc(SMALL);
    opaque(realloc(opaque(p + 16), 100));
}

static void usable_size_freed(void)
{
    void *p = malloc(SMALL);
    free(p);
    printf("usable %zu\n", malloc_usable_size(opaque(p)));
}

static void usable_size_interior(void)
{
    char *p = malloc(SMALL);
    printf("usable %zu\n", malloc_usable_size(opaque(p + 16)));
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"double_free_small", double_free_small},
    {"double_free_medium", double_free_medium},
    {"double_free_large", double_free_large},
    {"double_free_remote", double_free_remote},
    {"double_free_cross", double_free_cross},
    {"interior_small", interior_small},
    {"interior_large", interior_large},
    {"foreign_stack", foreign_stack},
    {"foreign_static", foreign_static},
    {"foreign_mmap", foreign_mmap},
    {"use_after_free", use_after_free},
    {"link_overwrite", link_overwrite},
    {"use_after_free_tail", use_after_free_tail},
    {"overflow_into_freed", overflow_into_freed},
    {"realloc_freed", realloc_freed},
    {"realloc_interior", realloc_interior},
    {"usable_size_freed", usable_size_freed},
    {"usable_size_interior", usable_size_interior},
};

int main(int argc, char **argv)
{
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            printf("undetected\n");
            return 3;
        }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        printf("%s\n", cases[i].name);
    return argc == 1 ? 0 : 2;
}
