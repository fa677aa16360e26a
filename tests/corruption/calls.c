/* Misuse that names the call, so that a user knows which call went wrong:
 * realloc, malloc_usable_size and free of pointers mpalloc never allocated or already gave back, small,
 * large and huge (mapped alone). Each case is one program run, made by
 * tests/corruption/calls.sh in a child under the fast and the checked
 * build; it must abort with a line that names the call the program made.
 * Usage: calls CASE (exit 3: not caught), or calls (lists the cases). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <malloc.h>

/* The misuse is the point of each case. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wuse-after-free"
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
#endif

static char static_buf[64];

static void *foreign_mmap(void) {
    void *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Opaque to the compiler, so that it keeps the misuse as written. */
static void *volatile sink;
static void *launder(void *p) {
    sink = p;
    return sink;
}

static void realloc_stack(void) {
    char local[64];
    sink = realloc(launder(local), 100);
}
static void realloc_static(void) { sink = realloc(launder(static_buf), 100); }
static void realloc_mmap(void) { sink = realloc(launder(foreign_mmap()), 100); }
/* A large block, freed: nothing may allocate before the misuse, so the
 * first large free comes before. */
static void *freed_large(void) {
    free(launder(malloc(1 << 20)));
    void *p = malloc(1 << 20);
    free(p);
    return p;
}

static void realloc_freed_large(void) {
    void *p = freed_large();
    sink = realloc(launder(p), 10);
}
static void realloc_freed_huge(void) {
    void *p = malloc((size_t)3 << 30);
    if (p == NULL)
        exit(2);
    free(p);
    sink = realloc(launder(p), 10);
}
static void usable_stack(void) {
    char local[64];
    printf("%zu\n", malloc_usable_size(launder(local)));
}
static void usable_freed_large(void) {
    void *p = freed_large();
    printf("%zu\n", malloc_usable_size(launder(p)));
}
static void free_stack(void) {
    char local[64];
    free(launder(local));
}
static void free_twice_huge(void) {
    void *p = malloc((size_t)3 << 30);
    if (p == NULL)
        exit(2);
    free(p);
    free(launder(p));
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"realloc_stack", realloc_stack},
    {"realloc_static", realloc_static},
    {"realloc_mmap", realloc_mmap},
    {"realloc_freed_large", realloc_freed_large},
    {"realloc_freed_huge", realloc_freed_huge},
    {"usable_stack", usable_stack},
    {"usable_freed_large", usable_freed_large},
    {"free_stack", free_stack},
    {"free_twice_huge", free_twice_huge},
};

int main(int argc, char **argv) {
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            return 3; /* not caught */
        }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        printf("%s\n", cases[i].name);
    return argc == 2 ? 2 : 0;
}
