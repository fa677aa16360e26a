/* The malloc family beyond malloc and free, on any set of fast lists: a
 * thread's own (the malloc API) or an mspace's (under its lock). Callers
 * have checked the arguments; these pick small classes or large blocks from
 * the lists' core and its backend. */
#include <errno.h>
#include <string.h>

#include "core.h"

/* Readies l (a thread's lists start empty); mspace lists always are. */
static bool ready(mpa_local_t *l) {
    if (l->state == MPA_THREAD_ACTIVE || mpa_thread_init(l))
        return true;
    errno = ENOMEM;
    return false;
}

void *mpa_calloc_in(mpa_local_t *l, size_t n, size_t size) {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes) || bytes > MPA_MAX_REQUEST) {
        errno = ENOMEM;
        return NULL;
    }
    if (bytes > MPA_MAX_SMALL) /* large blocks come zeroed unless reused */
        return ready(l) ? mpa_large_alloc(l->core, bytes, 0, true) : NULL;
    void *p = mpa_alloc_in(l, bytes);
    if (p != NULL)
        memset(p, 0, bytes); /* small objects are reused: always clear */
    return p;
}

/* pre: align is a power of two. */
void *mpa_aligned_in(mpa_local_t *l, size_t align, size_t size) {
    if (align <= MPA_MIN_ALLOC)
        return mpa_alloc_in(l, size);
    if (!ready(l)) /* the class tables below need a started heap */
        return NULL;
    unsigned cls = mpa_class_for_aligned(size + MPA_TRAILER, align);
    if (cls != 0) {
        void *p = mpa_alloc_in(l, mpa_class_size(cls) - MPA_TRAILER);
        if (MPA_CHECKED && p != NULL)
            mpa_check_resize(p, cls, size); /* the class was picked for its alignment */
        return p;
    }
    return mpa_large_alloc(l->core, size, align, false); /* block >= align */
}

size_t mpa_usable_size(const void *p) {
    if (!mpa_pm_covers(p))
        mpa_report("usable size asked of a pointer mpalloc did not allocate:", p, 0);
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (MPA_CHECKED) {
        mpa_check_live(p, e, "realloc or usable size of a freed or interior pointer:");
        return mpa_check_requested(p, e); /* the canary lies past it */
    }
    if (mpa_pm_is_small(e))
        return mpa_class_size((unsigned)e->cls);
    if (mpa_large_is_live(p, e))
        return mpa_large_usable(e);
    mpa_report("usable size asked of a pointer that is not allocated:", p, 0);
}

/* Stays in place when the new size keeps the class (small) or fits the
 * block (large); otherwise moves to l's heap. pre: p != NULL. Hardened
 * builds: `old` is the requested size, and the new one is recorded. */
void *mpa_realloc_in(mpa_local_t *l, void *p, size_t size) {
    size_t old = mpa_usable_size(p);
    mpa_pm_entry_t *e = mpa_pm_entry(p);
    if (mpa_pm_is_small(e)) {
        if (size <= MPA_MAX_SMALL - MPA_TRAILER && mpa_size_to_class(size + MPA_TRAILER) == e->cls) {
            if (MPA_CHECKED)
                mpa_check_resize(p, (unsigned)e->cls, size);
            return p;
        }
    } else if (mpa_large_resize(p, e, size)) {
        return p;
    }
    void *q = mpa_alloc_in(l, size);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    mpa_dealloc_in(l, p);
    return q;
}
