/* Bounds-checked copies (hardened builds, as snmalloc's guarded memcpy): the
 * library exports memcpy, mempcpy, memmove, memset, strcpy, stpcpy, strncpy,
 * strcat, strncat and glibc's fortified forms (__memcpy_chk, ...), which
 * override the C library's in a program that preloads it. Each looks up the
 * destination (and source) in the pagemap: an address in no heap object
 * (stack, static data, other mappings) costs that one lookup; one inside a
 * heap object has its object's start and requested size checked
 * (checked.c: mpa_check_range), and a copy that would pass the end, or touch
 * a freed object, is reported in one line naming the call, the object and
 * its size, then aborts. The copy itself is the C library's own (found at
 * start through the PAL, so never looked up on the path). Copies the
 * compiler inlines, and those the C library makes inside itself (its own
 * calls to its hidden memcpy), are not seen. */
#include "core.h"

#if MPA_CHECKED && !defined(MPA_NO_OVERRIDE)

typedef void *(*copy_fn)(void *, const void *, size_t);
typedef void *(*set_fn)(void *, int, size_t);
typedef char *(*str_fn)(char *, const char *);
typedef char *(*strn_fn)(char *, const char *, size_t);
typedef size_t (*len_fn)(const char *);
typedef void *(*copy_chk_fn)(void *, const void *, size_t, size_t);
typedef void *(*set_chk_fn)(void *, int, size_t, size_t);
typedef char *(*str_chk_fn)(char *, const char *, size_t);
typedef char *(*strn_chk_fn)(char *, const char *, size_t, size_t);

/* The C library's definitions, NULL until the constructor found them. */
static struct {
    copy_fn memcpy, mempcpy, memmove;
    set_fn memset;
    str_fn strcpy, stpcpy, strcat;
    strn_fn strncpy, strncat;
    len_fn strlen;
    copy_chk_fn memcpy_chk, mempcpy_chk, memmove_chk;
    set_chk_fn memset_chk;
    str_chk_fn strcpy_chk, stpcpy_chk, strcat_chk;
    strn_chk_fn strncpy_chk, strncat_chk;
} libc;

/* ---- before the constructor: plain byte loops (volatile, so that the
 * compiler does not turn them into calls of the functions defined here) ---- */

static void *byte_move(void *d, const void *s, size_t n) {
    volatile unsigned char *to = d;
    const volatile unsigned char *from = s;
    if (to <= from)
        for (size_t i = 0; i < n; i++)
            to[i] = from[i];
    else
        for (size_t i = n; i-- > 0;)
            to[i] = from[i];
    return d;
}

static size_t byte_len(const char *s) {
    const volatile char *c = s;
    size_t n = 0;
    while (c[n] != '\0')
        n++;
    return n;
}

static size_t str_len(const char *s) { return libc.strlen ? libc.strlen(s) : byte_len(s); }

static void *move(void *d, const void *s, size_t n) {
    return libc.memmove ? libc.memmove(d, s, n) : byte_move(d, s, n);
}

/* Length of s up to max bytes (strnlen, from the C library's strlen would
 * read past max: a plain loop, called only by the strn* forms). */
static size_t str_nlen(const char *s, size_t max) {
    const volatile char *c = s;
    size_t n = 0;
    while (n < max && c[n] != '\0')
        n++;
    return n;
}

/* ---- the checks ---- */

/* The len bytes at a, written (write) or read by call, must stay inside
 * the heap object holding a, if any. */
MPA_INLINE void check(const char *call, const void *a, size_t len, bool write) {
    if (MPA_UNLIKELY(mpa_copy_may_check(a)) && len != 0) {
#if MPA_DEBUG_HEAP
        /* A report names the program's call (the function inlining this);
         * the allocator's own copies keep the call they are part of. */
        const char *name = mpa_report_call;
        void *ra = mpa_report_ra, *fp = mpa_report_fp;
        MPA_CALL(call);
        mpa_check_range(call, a, len, write);
        mpa_report_call = name, mpa_report_ra = ra, mpa_report_fp = fp;
#else
        mpa_check_range(call, a, len, write);
#endif
    }
}

MPA_INLINE void check_copy(const char *call, void *d, const void *s, size_t n) {
    check(call, d, n, true);
    check(call, s, n, false);
}

/* A fortified call whose destination buffer (dlen bytes, as the compiler
 * knew it) is smaller than the copy: glibc's __chk_fail message. */
__attribute__((noreturn, cold)) static void chk_fail(void) {
    mpa_pal_error("*** buffer overflow detected ***: terminated");
}

/* ---- the exported functions ---- */

MPA_EXPORT void *memcpy(void *d, const void *s, size_t n) {
    check_copy("memcpy", d, s, n);
    return libc.memcpy ? libc.memcpy(d, s, n) : byte_move(d, s, n);
}

MPA_EXPORT void *mempcpy(void *d, const void *s, size_t n) {
    check_copy("mempcpy", d, s, n);
    return libc.mempcpy ? libc.mempcpy(d, s, n) : (char *)byte_move(d, s, n) + n;
}

MPA_EXPORT void *memmove(void *d, const void *s, size_t n) {
    check_copy("memmove", d, s, n);
    return move(d, s, n);
}

MPA_EXPORT void *memset(void *d, int c, size_t n) {
    check("memset", d, n, true);
    if (libc.memset)
        return libc.memset(d, c, n);
    for (volatile unsigned char *to = d; n-- > 0;)
        *to++ = (unsigned char)c;
    return d;
}

MPA_EXPORT char *strcpy(char *d, const char *s) {
    size_t n = str_len(s) + 1;
    check_copy("strcpy", d, s, n);
    return libc.strcpy ? libc.strcpy(d, s) : byte_move(d, s, n);
}

MPA_EXPORT char *stpcpy(char *d, const char *s) {
    size_t n = str_len(s) + 1;
    check_copy("stpcpy", d, s, n);
    return libc.stpcpy ? libc.stpcpy(d, s) : (char *)byte_move(d, s, n) + n - 1;
}

/* strncpy writes exactly n bytes (NUL padding) and reads at most n. */
MPA_EXPORT char *strncpy(char *d, const char *s, size_t n) {
    check("strncpy", d, n, true);
    size_t k = str_nlen(s, n);
    check("strncpy", s, k < n ? k + 1 : n, false);
    if (libc.strncpy)
        return libc.strncpy(d, s, n);
    byte_move(d, s, k);
    for (volatile char *to = d + k; k < n; k++)
        *to++ = '\0';
    return d;
}

MPA_EXPORT char *strcat(char *d, const char *s) {
    size_t dn = str_len(d), n = str_len(s) + 1;
    check("strcat", d, dn + n, true);
    check("strcat", s, n, false);
    if (libc.strcat)
        return libc.strcat(d, s);
    byte_move(d + dn, s, n);
    return d;
}

/* strncat appends at most n bytes of s and a NUL. */
MPA_EXPORT char *strncat(char *d, const char *s, size_t n) {
    size_t dn = str_len(d), k = str_nlen(s, n);
    check("strncat", d, dn + k + 1, true);
    check("strncat", s, k < n ? k + 1 : n, false);
    if (libc.strncat)
        return libc.strncat(d, s, n);
    byte_move(d + dn, s, k);
    d[dn + k] = '\0';
    return d;
}

/* glibc's fortified forms: dlen is the destination's size as the compiler
 * knew it ((size_t)-1 when it did not). */

MPA_EXPORT void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen) {
    check_copy("__memcpy_chk", d, s, n);
    if (libc.memcpy_chk)
        return libc.memcpy_chk(d, s, n, dlen);
    if (n > dlen)
        chk_fail();
    return byte_move(d, s, n);
}

MPA_EXPORT void *__mempcpy_chk(void *d, const void *s, size_t n, size_t dlen) {
    check_copy("__mempcpy_chk", d, s, n);
    if (libc.mempcpy_chk)
        return libc.mempcpy_chk(d, s, n, dlen);
    if (n > dlen)
        chk_fail();
    return (char *)byte_move(d, s, n) + n;
}

MPA_EXPORT void *__memmove_chk(void *d, const void *s, size_t n, size_t dlen) {
    check_copy("__memmove_chk", d, s, n);
    if (libc.memmove_chk)
        return libc.memmove_chk(d, s, n, dlen);
    if (n > dlen)
        chk_fail();
    return byte_move(d, s, n);
}

MPA_EXPORT void *__memset_chk(void *d, int c, size_t n, size_t dlen) {
    check("__memset_chk", d, n, true);
    if (libc.memset_chk)
        return libc.memset_chk(d, c, n, dlen);
    if (n > dlen)
        chk_fail();
    return memset(d, c, n);
}

MPA_EXPORT char *__strcpy_chk(char *d, const char *s, size_t dlen) {
    size_t n = str_len(s) + 1;
    check_copy("__strcpy_chk", d, s, n);
    if (libc.strcpy_chk)
        return libc.strcpy_chk(d, s, dlen);
    if (n > dlen)
        chk_fail();
    return byte_move(d, s, n);
}

MPA_EXPORT char *__stpcpy_chk(char *d, const char *s, size_t dlen) {
    size_t n = str_len(s) + 1;
    check_copy("__stpcpy_chk", d, s, n);
    if (libc.stpcpy_chk)
        return libc.stpcpy_chk(d, s, dlen);
    if (n > dlen)
        chk_fail();
    return (char *)byte_move(d, s, n) + n - 1;
}

MPA_EXPORT char *__strncpy_chk(char *d, const char *s, size_t n, size_t dlen) {
    check("__strncpy_chk", d, n, true);
    size_t k = str_nlen(s, n);
    check("__strncpy_chk", s, k < n ? k + 1 : n, false);
    if (libc.strncpy_chk)
        return libc.strncpy_chk(d, s, n, dlen);
    if (n > dlen)
        chk_fail();
    return strncpy(d, s, n);
}

MPA_EXPORT char *__strcat_chk(char *d, const char *s, size_t dlen) {
    size_t dn = str_len(d), n = str_len(s) + 1;
    check("__strcat_chk", d, dn + n, true);
    check("__strcat_chk", s, n, false);
    if (libc.strcat_chk)
        return libc.strcat_chk(d, s, dlen);
    if (dn + n > dlen)
        chk_fail();
    return strcat(d, s);
}

MPA_EXPORT char *__strncat_chk(char *d, const char *s, size_t n, size_t dlen) {
    size_t dn = str_len(d), k = str_nlen(s, n);
    check("__strncat_chk", d, dn + k + 1, true);
    check("__strncat_chk", s, k < n ? k + 1 : n, false);
    if (libc.strncat_chk)
        return libc.strncat_chk(d, s, n, dlen);
    if (dn + k + 1 > dlen)
        chk_fail();
    return strncat(d, s, n);
}

/* Finds the C library's definitions before main (and before the program's
 * own constructors, priority 101): no lookup is ever made on a copy. A copy
 * made earlier (another library's constructor) uses the byte loops. */
#define FIND(field, name) (libc.field = mpa_pal_libc_function(name))

__attribute__((constructor(101))) static void copies_ctor(void) {
    FIND(memcpy, "memcpy"), FIND(mempcpy, "mempcpy"), FIND(memmove, "memmove");
    FIND(memset, "memset"), FIND(strcpy, "strcpy"), FIND(stpcpy, "stpcpy");
    FIND(strcat, "strcat"), FIND(strncpy, "strncpy"), FIND(strncat, "strncat");
    FIND(strlen, "strlen"), FIND(memcpy_chk, "__memcpy_chk");
    FIND(mempcpy_chk, "__mempcpy_chk"), FIND(memmove_chk, "__memmove_chk");
    FIND(memset_chk, "__memset_chk"), FIND(strcpy_chk, "__strcpy_chk");
    FIND(stpcpy_chk, "__stpcpy_chk"), FIND(strcat_chk, "__strcat_chk");
    FIND(strncpy_chk, "__strncpy_chk"), FIND(strncat_chk, "__strncat_chk");
}

#endif
