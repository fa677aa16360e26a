/* Heap-error reporting: one line on stderr naming the error and the address,
 * formatted on the stack (the heap may be corrupt, so nothing allocates),
 * then abort through the PAL. */
#include "common.h"

static size_t put_str(char *out, size_t at, size_t cap, const char *s) {
    while (*s && at + 1 < cap)
        out[at++] = *s++;
    return at;
}

static size_t put_uint(char *out, size_t at, size_t cap, uint64_t v, unsigned base) {
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n && at + 1 < cap)
        out[at++] = digits[--n];
    return at;
}

void mpa_report(const char *what, const void *p, size_t class_size) {
    char line[192];
    size_t at = put_str(line, 0, sizeof line, "mpalloc: ");
    at = put_str(line, at, sizeof line, what);
    at = put_str(line, at, sizeof line, " 0x");
    at = put_uint(line, at, sizeof line, (uintptr_t)p, 16);
    if (class_size) {
        at = put_str(line, at, sizeof line, " (");
        at = put_uint(line, at, sizeof line, class_size, 10);
        at = put_str(line, at, sizeof line, "-byte class)");
    }
    line[at] = '\0';
    mpa_pal_error(line);
}
