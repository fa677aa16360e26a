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
#if MPA_DEBUG_HEAP
__thread void *mpa_report_ra __attribute__((tls_model("initial-exec")));
__thread void *mpa_report_fp __attribute__((tls_model("initial-exec")));
void (*mpa_report_hook)(void);
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

/* Prints the finished line and aborts; in the debug build, the site lines
 * of the report hook come between. A second report (another thread's, at
 * the same time) waits for the first one's abort; one the hook's own work
 * raises aborts at once. */
__attribute__((noreturn)) static void finish(char *line, size_t at) {
    line[at] = '\0';
#if MPA_DEBUG_HEAP
    static atomic_int reporting;
    static __thread int this_thread;
    if (this_thread)
        mpa_pal_abort();
    this_thread = 1;
    if (atomic_exchange(&reporting, 1))
        for (;;)
            mpa_pal_sleep_ms(1000);
    if (mpa_report_hook != NULL) {
        mpa_pal_message(line, at);
        mpa_pal_message("\n", 1);
        mpa_report_hook();
        mpa_pal_abort();
    }
#endif
    mpa_pal_error(line);
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

/* " in free()": the API call in progress (hardened builds). */
static size_t put_call(char *line, size_t at, size_t cap) {
#if MPA_CHECKED
    if (mpa_report_call) {
        at = put_str(line, at, cap, " in ");
        at = put_str(line, at, cap, mpa_report_call);
        at = put_str(line, at, cap, "()");
    }
#else
    (void)line, (void)cap;
#endif
    return at;
}

void mpa_report_sized(const char *what, const void *p, size_t class_size, size_t requested) {
    char line[256];
    size_t at = put_str(line, 0, sizeof line, "mpalloc: ");
    at = put_str(line, at, sizeof line, what);
    at = put_str(line, at, sizeof line, " 0x");
    at = put_uint(line, at, sizeof line, (uintptr_t)p, 16);
    at = put_sizes(line, at, sizeof line, class_size, requested);
    finish(line, put_call(line, at, sizeof line));
}

void mpa_report_sizes(const char *what, const void *p, size_t class_size, size_t passed,
                      size_t requested) {
    char line[256];
    size_t at = put_str(line, 0, sizeof line, "mpalloc: ");
    at = put_str(line, at, sizeof line, what);
    at = put_str(line, at, sizeof line, " 0x");
    at = put_uint(line, at, sizeof line, (uintptr_t)p, 16);
    at = put_str(line, at, sizeof line, " (");
    if (class_size) {
        at = put_uint(line, at, sizeof line, class_size, 10);
        at = put_str(line, at, sizeof line, "-byte class, ");
    }
    at = put_uint(line, at, sizeof line, passed, 10);
    at = put_str(line, at, sizeof line, " passed, ");
    if (requested != MPA_SIZE_UNKNOWN) {
        at = put_uint(line, at, sizeof line, requested, 10);
        at = put_str(line, at, sizeof line, " requested)");
    } else {
        at = put_str(line, at, sizeof line, "requested size unknown)");
    }
    finish(line, put_call(line, at, sizeof line));
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
    finish(line, at);
}
