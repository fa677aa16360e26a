/* The malloc family beyond malloc and free, on any set of fast lists: a
 * thread's own (the malloc API) or an mspace's (under its lock). Callers
 * have checked the arguments; these pick small classes or large blocks from
 * the lists' core and its backend. */
#include <errno.h>
#include <string.h>

#include "core.h"

/* Reports "mpalloc: <call> <what> 0x..." and aborts, without allocating. */
static void report_call(const char *call, const char *what, const void *p)
    __attribute__((noreturn, cold));

static void report_call(const char *call, const char *what, const void *p) {
    char line[128];
    size_t at = 0;
    for (const char *s = call; *s && at < 48; s++)
        line[at++] = *s;
    line[at++] = ' ';
    for (const char *s = what; *s && at + 1 < sizeof line; s++)
        line[at++] = *s;
    line[at] = '\0';
    mpa_report(line, p, 0);
}

void *mpa_heap_calloc(mpa_local_t *l, size_t n, size_t size) {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes) || bytes > MPA_MAX_REQUEST) {
        errno = ENOMEM;
        return NULL;
    }
    if (bytes > MPA_MAX_SMALL) /* large blocks come zeroed unless reused */
        return mpa_lists_large(l, bytes, 0, true);
    void *p = mpa_alloc_in(l, bytes);
    if (p != NULL)
        memset(p, 0, bytes); /* small objects are reused: always clear */
    return p;
}

/* pre: align is a power of two. */
void *mpa_heap_aligned(mpa_local_t *l, size_t align, size_t size) {
    MPA_ASSERT(1, align != 0 && (align & (align - 1)) == 0);
    if (align <= MPA_MIN_ALLOC)
        return mpa_alloc_in(l, size);
    if (!mpa_core_init()) { /* the class tables below need a started heap */
        errno = ENOMEM;
        return NULL;
    }
    unsigned cls = mpa_class_for_aligned(size + MPA_TRAILER, align);
    if (cls != 0) {
        void *p = mpa_alloc_in(l, mpa_class_size(cls) - MPA_TRAILER);
        if (MPA_CHECKED && p != NULL)
            mpa_check_resize(p, cls, size); /* the class was picked for its alignment */
        return p;
    }
    return mpa_lists_large(l, size, align, false); /* block >= align */
}

/* The usable size of p, or a report naming `call` (the API function the
 * program called) when p is no live object. */
static size_t usable_size(const void *p, const char *call) {
    if (!mpa_pm_covers(p))
        report_call(call, "of a pointer mpalloc did not allocate:", p);
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (!mpa_pm_is_small(e) && !mpa_large_is_live(p, e)) {
        if (e->owner == MPA_PM_UNKNOWN)
            report_call(call, "of a pointer mpalloc did not allocate:", p);
        report_call(call, "of a pointer that is not allocated (freed, or inside an object):", p);
    }
    if (MPA_CHECKED) {
        mpa_check_live(p, e, "realloc or usable size of a freed or interior pointer:");
        return mpa_check_requested(p, e); /* the canary lies past it */
    }
    if (mpa_pm_is_small(e))
        return mpa_class_size((unsigned)e->small.cls);
    return mpa_large_usable(e);
}

size_t mpa_heap_usable_size(const void *p) { return usable_size(p, "malloc_usable_size"); }

/* Stays in place when the new size keeps the class (small) or fits the
 * block (large), a huge block's mapping grows or moves without a copy;
 * otherwise moves to l's heap. pre: p != NULL. Hardened
 * builds: `old` is the requested size, and the new one is recorded. */
void *mpa_heap_realloc(mpa_local_t *l, void *p, size_t size) {
    MPA_ASSERT(1, p != NULL);
    size_t old = usable_size(p, "realloc");
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (mpa_pm_is_small(e)) {
        if (size <= MPA_MAX_SMALL - MPA_TRAILER &&
            mpa_size_to_class(size + MPA_TRAILER) == e->small.cls) {
            if (MPA_CHECKED)
                mpa_check_resize(p, (unsigned)e->small.cls, size);
            return p;
        }
    } else {
        void *moved = mpa_large_resize(p, e, size);
        if (moved != NULL)
            return moved;
    }
    void *q = mpa_alloc_in(l, size);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    mpa_dealloc_in(l, p);
    return q;
}
