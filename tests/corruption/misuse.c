/* Heap misuse programs for the corruption suite: `misuse CASE` commits one
 * misuse (double free, interior free, foreign free, use after free, ...)
 * through the plain malloc API, so LD_PRELOAD picks the allocator under test.
 * A detected misuse aborts inside the allocator; if the program gets past
 * it, it prints "undetected" on stdout and exits 3 (tests/corruption/run.sh).
 * The clean_* cases are correct programs: they too end with exit 3, and no
 * build may report anything there. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
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
static void *opaque(void *p) {
    __asm__ volatile("" : "+r"(p));
    return p;
}

static void *thread_free(void *p) {
    free(opaque(p));
    return NULL;
}

/* Frees p on a new thread (a remote free when p belongs to another thread). */
static void free_on_thread(void *p) {
    pthread_t t;
    if (pthread_create(&t, NULL, thread_free, p) != 0 || pthread_join(t, NULL) != 0)
        exit(2);
}

/* Allocates and frees many objects of one size: makes this thread drain its
 * incoming frees and reuse freed objects, where the checks on reuse run. */
static void churn(size_t size) {
    static void *held[REFILL];
    for (int i = 0; i < REFILL; i++)
        held[i] = malloc(size);
    for (int i = 0; i < REFILL; i++)
        free(held[i]);
}

static void double_free_small(void) {
    void *p = malloc(SMALL);
    free(p);
    free(opaque(p));
}

static void double_free_medium(void) {
    void *p = malloc(MEDIUM);
    free(p);
    free(opaque(p));
}

static void double_free_large(void) {
    void *p = malloc(LARGE);
    free(p);
    free(opaque(p));
}

/* Allocated here, freed twice by two other threads (remote frees). */
static void double_free_remote(void) {
    void *p = malloc(SMALL);
    free_on_thread(p);
    free_on_thread(p);
    churn(SMALL);
}

/* Another thread frees four objects of ours (one message: the first
 * carries the others' addresses), then writes over the message's third word
 * (checked builds: the first carried address) the address of a live object
 * of ours: taking the message in must not free that object. */
static void *message_objs[5];
static void *message_free_and_overwrite(void *arg) {
    (void)arg;
    for (int i = 0; i < 4; i++)
        free(message_objs[i]);
    ((void *volatile *)message_objs[0])[2] = message_objs[4];
    return NULL;
}

static void remote_message_overwrite(void) {
    for (int i = 0; i < 5; i++)
        message_objs[i] = malloc(96);
    pthread_t t;
    if (pthread_create(&t, NULL, message_free_and_overwrite, NULL) != 0 ||
        pthread_join(t, NULL) != 0)
        exit(2);
    churn(96);
}

/* Allocated and freed here, then freed again by another thread. */
static void double_free_cross(void) {
    void *p = malloc(SMALL);
    free(p);
    free_on_thread(p);
    churn(SMALL);
}

static void interior_small(void) {
    char *p = malloc(SMALL);
    free(opaque(p + 16));
}

static void interior_large(void) {
    char *p = malloc(LARGE);
    free(opaque(p + 4096));
}

static void foreign_stack(void) {
    char buf[64];
    free(opaque(buf));
}

static void foreign_static(void) { free(opaque(static_block + 16)); }

static void foreign_mmap(void) {
    char *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        exit(2);
    free(opaque(p + 4096));
}

/* Frees WAKE objects of SMALL bytes (waking their slab), lets `damage`
 * write into one of them, then allocates until the freed ones come back. */
static void reuse_after(void (*damage)(void **objs)) {
    static void *objs[WAKE];
    for (int i = 0; i < WAKE; i++)
        objs[i] = malloc(SMALL);
    for (int i = 0; i < WAKE; i++)
        free(objs[i]);
    damage(objs);
    for (int i = 0; i < REFILL; i++)
        opaque(malloc(SMALL)); /* leaked on purpose: every object comes back */
}

static void write_whole(void **objs) { memset(opaque(objs[WAKE / 2]), 0x41, SMALL); }

static void write_link(void **objs) { memset(opaque(objs[WAKE / 2]), 0x41, 8); }

static void write_tail(void **objs) { ((char *)opaque(objs[WAKE / 2]))[SMALL - 1] = 0x41; }

static void use_after_free(void) { reuse_after(write_whole); }
static void link_overwrite(void) { reuse_after(write_link); }
static void use_after_free_tail(void) { reuse_after(write_tail); }

static void realloc_freed(void) {
    void *p = malloc(SMALL);
    free(p);
    opaque(realloc(opaque(p), 100));
}

static void realloc_interior(void) {
    char *p = malloc(SMALL);
    opaque(realloc(opaque(p + 16), 100));
}

static void usable_size_freed(void) {
    void *p = malloc(SMALL);
    free(p);
    printf("usable %zu\n", malloc_usable_size(opaque(p)));
}

static void usable_size_interior(void) {
    char *p = malloc(SMALL);
    printf("usable %zu\n", malloc_usable_size(opaque(p + 16)));
}

/* ---- every case for a small, a medium and a large size: each family of
 * sizes keeps its metadata its own way, so each is checked ---- */

enum { S = 40, M = 40000, L = 1 << 20, AFTER = 8 };

/* Weak: present only when the allocator under test defines them. */
extern void *_Znwm(size_t) __attribute__((weak));
extern void *_Znam(size_t) __attribute__((weak));
extern void _ZdlPvm(void *, size_t) __attribute__((weak));
extern void _ZdaPvm(void *, size_t) __attribute__((weak));
extern void *_ZnwmSt11align_val_t(size_t, size_t) __attribute__((weak));
extern void _ZdlPvmSt11align_val_t(void *, size_t, size_t) __attribute__((weak));
extern void free_sized(void *, size_t) __attribute__((weak));

/* A few more allocations of n bytes, kept: where checks on allocation run. */
static void allocate_more(size_t n) {
    for (int i = 0; i < AFTER; i++)
        opaque(malloc(n));
}

static void overflow(size_t n, size_t by) {
    char *p = malloc(n);
    memset(opaque(p) + n, 'x', by);
    free(p);
}

static void underflow(size_t n) {
    char *p = malloc(n);
    ((char *)opaque(p))[-1] = 'x';
    free(p);
}

/* A write after free in the middle of the object, then allocations. */
static void uaf_middle(size_t n) {
    char *p = malloc(n);
    free(p);
    ((char *)opaque(p))[n / 2] = 'x';
    allocate_more(n);
}

/* A write over a freed object's last requested byte, then allocations. */
static void uaf_tail(size_t n) {
    char *p = malloc(n);
    free(p);
    ((char *)opaque(p))[n - 1] = 'x';
    allocate_more(n);
}

/* A write over a freed object's first bytes, then allocations. */
static void uaf_head(size_t n) {
    char *p = malloc(n);
    free(p);
    memset(opaque(p), 'A', 16);
    allocate_more(n);
}

/* free(p), several more allocations, free(p) again. */
static void double_free_delayed(size_t n) {
    char *p = malloc(n);
    free(p);
    allocate_more(n);
    free(opaque(p));
}

/* Two neighbours a < b (the smallest distance among 16 objects): b is
 * freed, a overflows 16 bytes into it, then more allocations. */
static void overflow_into_freed_neighbour(size_t n) {
    char *objs[16], *a = NULL, *b = NULL;
    for (int i = 0; i < 16; i++)
        objs[i] = malloc(n);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            if (objs[j] > objs[i] && (b == NULL || objs[j] - objs[i] < b - a))
                a = objs[i], b = objs[j];
    free(b);
    memset(opaque(a), 'B', (size_t)(b - a) + 16);
    allocate_more(n);
}

static void sized_delete(size_t n) {
    if (!_Znwm || !_ZdlPvm)
        return;
    void *p = _Znwm(n);
    _ZdlPvm(opaque(p), n + 8);
}

static void overflow1_small(void) { overflow(S, 1); }
static void overflow1_medium(void) { overflow(M, 1); }
static void overflow1_large(void) { overflow(L, 1); }
static void overflow32_small(void) { overflow(S, 32); }
static void overflow32_medium(void) { overflow(M, 32); }
static void overflow32_large(void) { overflow(L, 32); }
static void underflow_small(void) { underflow(S); }
static void underflow_medium(void) { underflow(M); }
static void underflow_large(void) { underflow(L); }
static void uaf_middle_small(void) { uaf_middle(S); }
static void uaf_middle_medium(void) { uaf_middle(M); }
static void uaf_middle_large(void) { uaf_middle(L); }
static void uaf_tail_small(void) { uaf_tail(S); }
static void uaf_tail_medium(void) { uaf_tail(M); }
static void uaf_tail_large(void) { uaf_tail(L); }
static void uaf_head_small(void) { uaf_head(S); }
static void uaf_head_medium(void) { uaf_head(M); }
static void uaf_head_large(void) { uaf_head(L); }
static void double_free_delayed_small(void) { double_free_delayed(S); }
static void double_free_delayed_medium(void) { double_free_delayed(M); }
static void double_free_delayed_large(void) { double_free_delayed(L); }
static void overflow_into_freed_small(void) { overflow_into_freed_neighbour(S); }
static void overflow_into_freed_medium(void) { overflow_into_freed_neighbour(M); }
static void sized_delete_small(void) { sized_delete(S); }
static void sized_delete_medium(void) { sized_delete(M); }
static void sized_delete_large(void) { sized_delete(L); }

static void sized_delete_array(void) {
    if (!_Znam || !_ZdaPvm)
        return;
    void *p = _Znam(100);
    _ZdaPvm(opaque(p), 96);
}

static void sized_delete_aligned(void) {
    if (!_ZnwmSt11align_val_t || !_ZdlPvmSt11align_val_t)
        return;
    void *p = _ZnwmSt11align_val_t(100, 64);
    _ZdlPvmSt11align_val_t(opaque(p), 200, 64);
}

static void free_sized_wrong(void) {
    if (!free_sized)
        return;
    void *p = malloc(S);
    free_sized(opaque(p), S + 16);
}

static void malloc0_write(void) {
    char *p = malloc(0);
    memset(opaque(p), 'x', 8);
    free(p);
}

/* A freed large block written after the next large allocation. */
static void reuse_large_write(void) {
    char *p = malloc(L);
    free(p);
    char *q = malloc(L);
    memset(opaque(p), 'x', 16);
    opaque(malloc(L));
    free(q);
}

/* A freed large block freed again after the next large allocation. */
static void reuse_large_free(void) {
    char *p = malloc(L);
    free(p);
    opaque(malloc(L));
    free(opaque(p));
}

/* ---- cases found by an outside review: large means >= 2 MiB here (XL, not a
 * page multiple), the end of a freed object, more calls that allocate ---- */

enum { XL = 3000000 };

extern void _ZdlPv(void *) __attribute__((weak));

/* A write over a freed object's last bytes, then allocations. */
static void uaf_end(size_t n) {
    char *p = malloc(n);
    free(p);
    memset(opaque(p) + n - 8, 'E', 8);
    allocate_more(n);
}

static void double_free_now(size_t n) {
    void *p = malloc(n);
    free(p);
    free(opaque(p));
}

static void interior(size_t n) {
    char *p = malloc(n);
    free(opaque(p + 16));
}

static void realloc_freed_n(size_t n) {
    void *p = malloc(n);
    free(p);
    opaque(realloc(opaque(p), 2 * n));
}

/* realloc of a pointer into static memory. */
static void realloc_foreign(void) { opaque(realloc(opaque(static_block + 16), 100)); }

static void memalign_overflow(size_t n) {
    void *q;
    if (posix_memalign(&q, 64, n) != 0)
        exit(2);
    char *p = q;
    memset(opaque(p) + n, 'x', 2);
    free(p);
}

static void calloc_overflow(size_t n) {
    char *p = calloc(1, n);
    memset(opaque(p) + n, 'x', 2);
    free(p);
}

/* What `delete q` does to a `new S[k]` of a type with a destructor: the
 * array's count is stored before the elements, so operator delete gets a
 * pointer 8 bytes into the block operator new[] returned. */
static void new_array_delete(size_t n) {
    if (!_Znam || !_ZdlPv)
        return;
    char *p = _Znam(n + 8);
    *(size_t *)p = n / 8;
    _ZdlPv(opaque(p + 8));
}

/* A freed medium object written in its middle after the next allocation of
 * its size (which may reuse it), then more allocations. */
static void reuse_medium_write(void) {
    char *p = malloc(M);
    free(p);
    char *q = malloc(M);
    memset(opaque(p) + M / 2, 'x', 16);
    allocate_more(M);
    free(q);
}

/* Freed by another thread (a message in this thread's queue), its first
 * bytes overwritten, then allocations (which take the queue in). */
static void uaf_head_remote(void) {
    char *p = malloc(S);
    free_on_thread(p);
    memset(opaque(p), 'R', 16);
    churn(S);
}

static void overflow1_xl(void) { overflow(XL, 1); }
static void overflow32_xl(void) { overflow(XL, 32); }
static void underflow_xl(void) { underflow(XL); }
static void uaf_middle_xl(void) { uaf_middle(XL); }
static void uaf_head_xl(void) { uaf_head(XL); }
static void uaf_end_small(void) { uaf_end(S); }
static void uaf_end_medium(void) { uaf_end(M); }
static void uaf_end_xl(void) { uaf_end(XL); }
static void double_free_xl(void) { double_free_now(XL); }
static void double_free_delayed_xl(void) { double_free_delayed(XL); }
static void interior_medium(void) { interior(M); }
static void interior_xl(void) { interior(XL); }
static void realloc_freed_medium(void) { realloc_freed_n(M); }
static void realloc_freed_xl(void) { realloc_freed_n(XL); }
static void memalign_overflow_small(void) { memalign_overflow(S); }
static void memalign_overflow_medium(void) { memalign_overflow(M); }
static void memalign_overflow_xl(void) { memalign_overflow(XL); }
static void calloc_overflow_small(void) { calloc_overflow(S); }
static void calloc_overflow_medium(void) { calloc_overflow(M); }
static void calloc_overflow_xl(void) { calloc_overflow(XL); }
static void new_array_delete_small(void) { new_array_delete(S); }
static void new_array_delete_medium(void) { new_array_delete(M); }
static void new_array_delete_xl(void) { new_array_delete(XL); }
static void overflow_into_freed_xl(void) { overflow_into_freed_neighbour(XL); }
static void sized_delete_xl(void) { sized_delete(XL); }

/* ---- copies past the end of a heap object (the hardened builds check
 * memcpy, memmove, memset, strcpy, strncpy, strcat and glibc's __*_chk
 * forms). Each call goes through a volatile pointer, so that the compiler
 * cannot inline the copy: the exported function is what is tested. ---- */

extern void *__memcpy_chk(void *, const void *, size_t, size_t) __attribute__((weak));

static void *(*volatile memcpy_p)(void *, const void *, size_t) = memcpy;
static void *(*volatile memmove_p)(void *, const void *, size_t) = memmove;
static void *(*volatile memset_p)(void *, int, size_t) = memset;
static char *(*volatile strcpy_p)(char *, const char *) = strcpy;
static char *(*volatile strncpy_p)(char *, const char *, size_t) = strncpy;
static char *(*volatile strcat_p)(char *, const char *) = strcat;

/* A source of n readable bytes that is no heap object. */
static const char *source(size_t n) {
    static char *src;
    static size_t have;
    if (n > have) {
        src = mmap(NULL, n + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (src == MAP_FAILED)
            exit(2);
        memset(src, 's', n + 4096);
        have = n + 4096;
    }
    return src;
}

/* memcpy of n + by bytes into an object of n (then freed, where the debug
 * build's canaries are checked). */
static void copy_past(size_t n, size_t by) {
    char *p = malloc(n);
    memcpy_p(opaque(p), source(n + by), n + by);
    free(p);
}

static void copy_memcpy_small(void) { copy_past(S, 1); }
static void copy_memcpy_medium(void) { copy_past(M, 1); }
static void copy_memcpy_large(void) { copy_past(L, 16); }
static void copy_memcpy_xl(void) { copy_past(XL, 1); }

/* Starting inside the object: 11 bytes at offset 30 of a 40-byte object. */
static void copy_offset_small(void) {
    char *p = malloc(S);
    memcpy_p((char *)opaque(p) + 30, source(11), 11);
    free(p);
}

static void copy_memmove_small(void) {
    char *p = malloc(S);
    memset(p, 'm', S);
    memmove_p((char *)opaque(p) + 8, p, S);
    free(p);
}

static void copy_memset_small(void) {
    char *p = malloc(S);
    memset_p(opaque(p), 0, S + 1);
    free(p);
}

static void copy_memset_xl(void) {
    char *p = malloc(XL);
    memset_p(opaque(p), 0, XL + 8);
    free(p);
}

/* A string of S characters (S + 1 bytes with its NUL) into S bytes. */
static void copy_strcpy_small(void) {
    char *p = malloc(S), *s = malloc(S + 1);
    memset(s, 'c', S);
    s[S] = '\0';
    strcpy_p(opaque(p), s);
    free(p);
}

static void copy_strncpy_medium(void) {
    char *p = malloc(M);
    strncpy_p(opaque(p), "pad", M + 1);
    free(p);
}

static void copy_strcat_small(void) {
    char *p = malloc(S), s[S];
    memset(s, 'k', S - 4);
    s[S - 4] = '\0';
    memcpy(p, "abcd", 5); /* 4 + 36 characters + NUL: 41 bytes */
    strcat_p(opaque(p), s);
    free(p);
}

/* A read past the end: 48 bytes from an object of 40 into the stack. */
static void copy_read_small(void) {
    char *p = malloc(S), out[64];
    memset(p, 'r', S);
    memcpy_p(out, opaque(p), S + 8);
    printf("%c\n", out[0]);
    free(p);
}

/* glibc's fortified form, with a destination size the compiler did not
 * know ((size_t)-1): only the heap check can stop it. */
static void copy_memcpy_chk_small(void) {
    if (!__memcpy_chk)
        return;
    char *p = malloc(S);
    __memcpy_chk(opaque(p), source(S + 1), S + 1, (size_t)-1);
    free(p);
}

static void *copy_thread(void *p) {
    memcpy_p(opaque(p), source(S + 1), S + 1);
    return NULL;
}

/* Allocated here, overflowed by a copy on another thread. */
static void copy_remote_small(void) {
    pthread_t t;
    char *p = malloc(S);
    if (pthread_create(&t, NULL, copy_thread, p) != 0 || pthread_join(t, NULL) != 0)
        exit(2);
    free(p);
}

static void *copy_thread_xl(void *p) {
    memset_p(opaque(p), 'x', XL + 1);
    return NULL;
}

static void copy_remote_xl(void) {
    pthread_t t;
    char *p = malloc(XL);
    if (pthread_create(&t, NULL, copy_thread_xl, p) != 0 || pthread_join(t, NULL) != 0)
        exit(2);
    free(p);
}

/* Another thread's object, copied into exactly. */
static void *copy_thread_exact(void *p) {
    memcpy_p(p, source(S), S);
    return NULL;
}

/* Copies that stay inside their objects, or touch no heap object: none
 * may fire. */
static void clean_copies(void) {
    static char stat[256];
    char stack[256];
    static const size_t sizes[] = {1, 15, 16, 40, 48, 100, 4096, M, L, XL};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        char *p = malloc(n), *q = malloc(n);
        memset_p(p, 'a', n);                   /* exactly to the end */
        memcpy_p(q, p, n);                     /* both exactly */
        memmove_p(p + n / 2, p, n - n / 2);    /* inside, overlapping */
        memcpy_p(p + n, source(1), 0);         /* nothing, at the end */
        memcpy_p(stack, p, n < 256 ? n : 256); /* heap to stack */
        memcpy_p(stat, stack, 256);            /* no heap object at all */
        memset_p(stack, 0, 256);
        p[n - 1] = '\0';
        strcpy_p(q, p);       /* n bytes with the NUL */
        strncpy_p(q, "x", n); /* pads exactly n */
        if (n > 4) {
            strcpy_p(q, "ab");
            strcat_p(q, p + 2); /* 2 + (n - 3) characters and the NUL: n bytes */
        }
        if (__memcpy_chk)
            __memcpy_chk(q, p, n, n);
        free(p);
        free(q);
    }
    char *p = malloc(S);
    pthread_t t;
    if (pthread_create(&t, NULL, copy_thread_exact, p) != 0 || pthread_join(t, NULL) != 0)
        exit(2);
    free(p);
}

/* ---- correct programs: no build may report anything ---- */

static void clean_sizes(void) {
    static const size_t sizes[] = {0, 1, 8, 15, 16, 24, 40, 48, 100, 4096, 4097, M, 65536, L};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        char *p = malloc(n);
        memset(p, 'c', n);
        size_t u = malloc_usable_size(p);
        memset(p, 'u', u); /* up to the usable size is the program's */
        p = realloc(p, n + 7);
        memset(p, 'r', n + 7);
        p = realloc(p, n / 2 + 1);
        memset(p, 'h', n / 2 + 1);
        free(p);
        void *q = calloc(1, n);
        if (n && ((char *)q)[n - 1] != 0)
            exit(4);
        if (free_sized)
            free_sized(q, n);
        else
            free(q);
    }
}

static void clean_aligned(void) {
    static const size_t aligns[] = {16, 64, 4096, 1 << 16, 1 << 21};
    for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        size_t a = aligns[i];
        char *p = memalign(a, 100);
        if ((uintptr_t)p % a)
            exit(4);
        memset(p, 'a', malloc_usable_size(p));
        free(p);
        if (_ZnwmSt11align_val_t && _ZdlPvmSt11align_val_t) {
            void *q = _ZnwmSt11align_val_t(300, a);
            memset(q, 'n', 300);
            _ZdlPvmSt11align_val_t(q, 300, a);
        }
    }
}

static void clean_cxx(void) {
    if (!_Znwm || !_ZdlPvm || !_Znam || !_ZdaPvm)
        return;
    for (size_t n = 1; n < 100000; n = n * 3 + 1) {
        void *p = _Znwm(n), *q = _Znam(n);
        memset(p, 1, n);
        memset(q, 2, n);
        _ZdlPvm(p, n);
        _ZdaPvm(q, n);
    }
}

static void *clean_thread(void *arg) {
    void **slots = arg;
    for (int i = 0; i < 20000; i++) {
        int k = (i * 7919) % 64;
        free(slots[k]);
        size_t n = (size_t)(i % 5 == 0 ? 5000 + i % 3000 : 8 + i % 200);
        slots[k] = malloc(n);
        memset(slots[k], 't', n);
    }
    return NULL;
}

/* Lines of a /proc file (mappings of this process), or -1. */
static long count_lines(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long n = 0;
    for (int c; (c = getc(f)) != EOF;)
        n += c == '\n';
    fclose(f);
    return n;
}

/* Many live objects just past a page (the debug build's guarded layout):
 * the heap must leave the program three quarters of the mappings a process may
 * have (vm.max_map_count), and every malloc must succeed. A debug heap that
 * guarded every block took them all: the program's own mmap, and then the
 * heap's, failed (the remote_free stress test aborted on a NULL malloc). */
static void clean_many_mappings(void) {
    enum { N = 9000 };
    static char *held[N];
    long limit, before, after;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f == NULL || fscanf(f, "%ld", &limit) != 1 || (before = count_lines("/proc/self/maps")) < 0)
        exit(2);
    fclose(f);
    for (int i = 0; i < N; i++) {
        size_t n = 4097 + (size_t)(i * 7919) % 3000;
        if ((held[i] = malloc(n)) == NULL)
            exit(5);
        held[i][0] = held[i][n - 1] = 'm';
    }
    after = count_lines("/proc/self/maps");
    if (after - before > limit / 4) {
        fprintf(stderr, "heap took %ld of %ld mappings\n", after - before, limit);
        exit(6);
    }
    for (int i = 0; i < N; i++)
        free(held[i]);
}

static char *own_page;
static volatile int own_faults;

/* The program's fault handler: opens its own page, and returns. */
static void own_fault(int sig, siginfo_t *info, void *context) {
    (void)sig, (void)context;
    if ((char *)info->si_addr < own_page || (char *)info->si_addr >= own_page + 4096 ||
        mprotect(own_page, 4096, PROT_READ | PROT_WRITE) != 0)
        abort();
    own_faults++;
}

/* A program with its own SIGSEGV handler (a garbage collector's write
 * barrier), installed before its first malloc: a fault on its own page must
 * still reach it under the debug build's guard-page handler. */
static void clean_own_fault_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = own_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    own_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (own_page == MAP_FAILED || sigaction(SIGSEGV, &sa, NULL) != 0)
        exit(2);
    for (size_t n = 100; n < 200000; n *= 3)
        free(opaque(malloc(n)));
    ((volatile char *)own_page)[10] = 1;
    if (own_faults != 1)
        exit(4);
}

/* Objects made on one thread and freed on another, in churn. */
static void clean_threads(void) {
    static void *slots[2][64];
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, clean_thread, slots[i]) != 0)
            exit(2);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 64; k++)
            free(slots[i][k]);
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
    {"remote_message_overwrite", remote_message_overwrite},
    {"interior_small", interior_small},
    {"interior_large", interior_large},
    {"foreign_stack", foreign_stack},
    {"foreign_static", foreign_static},
    {"foreign_mmap", foreign_mmap},
    {"use_after_free", use_after_free},
    {"link_overwrite", link_overwrite},
    {"use_after_free_tail", use_after_free_tail},
    {"realloc_freed", realloc_freed},
    {"realloc_interior", realloc_interior},
    {"usable_size_freed", usable_size_freed},
    {"usable_size_interior", usable_size_interior},
    {"overflow1_small", overflow1_small},
    {"overflow1_medium", overflow1_medium},
    {"overflow1_large", overflow1_large},
    {"overflow32_small", overflow32_small},
    {"overflow32_medium", overflow32_medium},
    {"overflow32_large", overflow32_large},
    {"underflow_small", underflow_small},
    {"underflow_medium", underflow_medium},
    {"underflow_large", underflow_large},
    {"uaf_middle_small", uaf_middle_small},
    {"uaf_middle_medium", uaf_middle_medium},
    {"uaf_middle_large", uaf_middle_large},
    {"uaf_tail_small", uaf_tail_small},
    {"uaf_tail_medium", uaf_tail_medium},
    {"uaf_tail_large", uaf_tail_large},
    {"uaf_head_small", uaf_head_small},
    {"uaf_head_medium", uaf_head_medium},
    {"uaf_head_large", uaf_head_large},
    {"double_free_delayed_small", double_free_delayed_small},
    {"double_free_delayed_medium", double_free_delayed_medium},
    {"double_free_delayed_large", double_free_delayed_large},
    {"overflow_into_freed_small", overflow_into_freed_small},
    {"overflow_into_freed_medium", overflow_into_freed_medium},
    {"sized_delete_small", sized_delete_small},
    {"sized_delete_medium", sized_delete_medium},
    {"sized_delete_large", sized_delete_large},
    {"sized_delete_array", sized_delete_array},
    {"sized_delete_aligned", sized_delete_aligned},
    {"free_sized_wrong", free_sized_wrong},
    {"malloc0_write", malloc0_write},
    {"reuse_large_write", reuse_large_write},
    {"reuse_large_free", reuse_large_free},
    {"overflow1_xl", overflow1_xl},
    {"overflow32_xl", overflow32_xl},
    {"underflow_xl", underflow_xl},
    {"uaf_middle_xl", uaf_middle_xl},
    {"uaf_head_xl", uaf_head_xl},
    {"uaf_end_small", uaf_end_small},
    {"uaf_end_medium", uaf_end_medium},
    {"uaf_end_xl", uaf_end_xl},
    {"double_free_xl", double_free_xl},
    {"double_free_delayed_xl", double_free_delayed_xl},
    {"interior_medium", interior_medium},
    {"interior_xl", interior_xl},
    {"realloc_freed_medium", realloc_freed_medium},
    {"realloc_freed_xl", realloc_freed_xl},
    {"realloc_foreign", realloc_foreign},
    {"memalign_overflow_small", memalign_overflow_small},
    {"memalign_overflow_medium", memalign_overflow_medium},
    {"memalign_overflow_xl", memalign_overflow_xl},
    {"calloc_overflow_small", calloc_overflow_small},
    {"calloc_overflow_medium", calloc_overflow_medium},
    {"calloc_overflow_xl", calloc_overflow_xl},
    {"new_array_delete_small", new_array_delete_small},
    {"new_array_delete_medium", new_array_delete_medium},
    {"new_array_delete_xl", new_array_delete_xl},
    {"reuse_medium_write", reuse_medium_write},
    {"overflow_into_freed_xl", overflow_into_freed_xl},
    {"sized_delete_xl", sized_delete_xl},
    {"uaf_head_remote", uaf_head_remote},
    {"copy_memcpy_small", copy_memcpy_small},
    {"copy_memcpy_medium", copy_memcpy_medium},
    {"copy_memcpy_large", copy_memcpy_large},
    {"copy_memcpy_xl", copy_memcpy_xl},
    {"copy_offset_small", copy_offset_small},
    {"copy_memmove_small", copy_memmove_small},
    {"copy_memset_small", copy_memset_small},
    {"copy_memset_xl", copy_memset_xl},
    {"copy_strcpy_small", copy_strcpy_small},
    {"copy_strncpy_medium", copy_strncpy_medium},
    {"copy_strcat_small", copy_strcat_small},
    {"copy_read_small", copy_read_small},
    {"copy_memcpy_chk_small", copy_memcpy_chk_small},
    {"copy_remote_small", copy_remote_small},
    {"copy_remote_xl", copy_remote_xl},
    {"clean_copies", clean_copies},
    {"clean_sizes", clean_sizes},
    {"clean_aligned", clean_aligned},
    {"clean_cxx", clean_cxx},
    {"clean_threads", clean_threads},
    {"clean_many_mappings", clean_many_mappings},
    {"clean_own_fault_handler", clean_own_fault_handler},
};

int main(int argc, char **argv) {
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
