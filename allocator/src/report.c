/* Heap-error reporting: one line on stderr naming the error, the address,
 * the object's size class and requested size where known, and the API call
 * that found it; formatted on the stack (the heap may be corrupt, so
 * nothing allocates), then abort through the PAL. */
#include "common.h"

/* The forking thread's claim on every lock (common.h; the base layer's only
 * source file defines it). */
__thread char mpa_lock_token __attribute__((tls_model("initial-exec")));
const char *_Atomic mpa_fork_holder;

#if MPA_CHECKED
__thread const char *mpa_report_call __attribute__((tls_model("initial-exec")));
#endif

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

/* " (48-byte class, 40 requested)", or the parts that are known. */
static size_t put_sizes(char *line, size_t at, size_t cap, size_t class_size, size_t requested) {
    if (!class_size && requested == MPA_SIZE_UNKNOWN)
        return at;
    at = put_str(line, at, cap, " (");
    if (class_size) {
        at = put_uint(line, at, cap, class_size, 10);
        at = put_str(line, at, cap, "-byte class");
        if (requested != MPA_SIZE_UNKNOWN)
            at = put_str(line, at, cap, ", ");
    }
    if (requested != MPA_SIZE_UNKNOWN) {
        at = put_uint(line, at, cap, requested, 10);
        at = put_str(line, at, cap, " requested");
    }
    return put_str(line, at, cap, ")");
}

void mpa_report_sized(const char *what, const void *p, size_t class_size, size_t requested) {
    char line[256];
    size_t at = put_str(line, 0, sizeof line, "mpalloc: ");
    at = put_str(line, at, sizeof line, what);
    at = put_str(line, at, sizeof line, " 0x");
    at = put_uint(line, at, sizeof line, (uintptr_t)p, 16);
    at = put_sizes(line, at, sizeof line, class_size, requested);
#if MPA_CHECKED
    if (mpa_report_call) {
        at = put_str(line, at, sizeof line, " in ");
        at = put_str(line, at, sizeof line, mpa_report_call);
        at = put_str(line, at, sizeof line, "()");
    }
#endif
    line[at] = '\0';
    mpa_pal_error(line);
}

#if MPA_CHECKED
void mpa_report_range(const char *call, size_t len, size_t offset, const char *what,
                      const void *obj, size_t class_size, size_t requested) {
    char line[160];
    size_t at = put_str(line, 0, sizeof line, call);
    at = put_str(line, at, sizeof line, " of ");
    at = put_uint(line, at, sizeof line, len, 10);
    at = put_str(line, at, sizeof line, " bytes at offset ");
    at = put_uint(line, at, sizeof line, offset, 10);
    at = put_str(line, at, sizeof line, " ");
    at = put_str(line, at, sizeof line, what);
    line[at] = '\0';
    mpa_report_call = call;
    mpa_report_sized(line, obj, class_size, requested);
}
#endif

void mpa_report(const char *what, const void *p, size_t class_size) {
    mpa_report_sized(what, p, class_size, MPA_SIZE_UNKNOWN);
}

void mpa_report_fault(const char *what, const void *address, const void *object, size_t requested) {
    char line[256];
    size_t at = put_str(line, 0, sizeof line, "mpalloc: ");
    at = put_str(line, at, sizeof line, what);
    at = put_str(line, at, sizeof line, " 0x");
    at = put_uint(line, at, sizeof line, (uintptr_t)address, 16);
    at = put_str(line, at, sizeof line, " of the object at 0x");
    at = put_uint(line, at, sizeof line, (uintptr_t)object, 16);
    at = put_sizes(line, at, sizeof line, 0, requested);
    at = put_str(line, at, sizeof line, " in a memory access (SIGSEGV)");
    line[at] = '\0';
    mpa_pal_error(line);
}
