/* Checked (hardened) mode: the misuse checks of the snmalloc family. Every
 * free is checked for ownership, start of object and double free (a freed
 * small object carries a keyed mark in its second word); every object handed
 * out is checked for writes after free and for an intact free-list link
 * (encoded with a secret key, so an overwritten link decodes to garbage).
 * Each detection prints one line without allocating and aborts. The fast
 * build compiles none of this. */
#include "core.h"

#if MPA_CHECKED

static bool start_of_object(const void *p, const mpa_pm_entry_t *e) {
    const mpa_slab_t *s = e->meta;
    size_t size = mpa_class_size((unsigned)e->cls);
    size_t offset = (size_t)((const char *)p - s->base);
    return offset == mpa_class_index((unsigned)e->cls, offset) * size;
}

static bool marked_freed(const void *p) {
    return ((const uintptr_t *)p)[1] == mpa_freed_mark(p);
}

void mpa_check_alloc(mpa_local_t *l, void *p, unsigned cls) {
    size_t size = mpa_class_size(cls);
    if (!marked_freed(p))
        mpa_report("write to a freed object (use after free or overflow) at", p, size);
    void *next = l->fast[cls];
    if (next != NULL) {
        const mpa_pm_entry_t *n = mpa_pm_entry(next);
        if (!mpa_pm_covers(next) || n->owner != l->me || n->cls != cls ||
            !start_of_object(next, n))
            mpa_report("corrupted free-list link (use after free?) in the object at", p, size);
    }
    ((uintptr_t *)p)[1] = 0;
}

static void check_large_free(void *p, const mpa_pm_entry_t *e) {
    unsigned kind = mpa_pm_kind(e);
    if (kind == MPA_PM_LARGE && e->meta == p && mpa_large_usable(e))
        return;
    if (kind == MPA_PM_LARGE_INTERIOR || kind == MPA_PM_LARGE)
        mpa_report("free of a pointer inside a large object:", p, 0);
    if (kind == MPA_PM_DIRTY || kind == MPA_PM_FREE || kind == MPA_PM_RESERVED)
        mpa_report("double free (or free of a freed block) of the large object at", p, 0);
    mpa_report("free of a pointer mpalloc did not allocate:", p, 0);
}

void mpa_check_free(void *p, mpa_pm_entry_t *e) {
    if (!mpa_pm_is_small(e)) {
        check_large_free(p, e);
        return;
    }
    size_t size = mpa_class_size((unsigned)e->cls);
    if (!start_of_object(p, e))
        mpa_report("free of a pointer inside an object:", p, size);
    if (marked_freed(p))
        mpa_report("double free of", p, size);
    mpa_mark_freed(p);
}

void mpa_check_live(const void *p, const mpa_pm_entry_t *e, const char *what) {
    if (!mpa_pm_is_small(e))
        return; /* large: the caller's own test rejects freed blocks */
    size_t size = mpa_class_size((unsigned)e->cls);
    if (!start_of_object(p, e) || marked_freed(p))
        mpa_report(what, p, size);
}

#else

void mpa_check_alloc(mpa_local_t *l, void *p, unsigned cls) {
    (void)l;
    (void)p;
    (void)cls;
}
void mpa_check_free(void *p, mpa_pm_entry_t *e) {
    (void)p;
    (void)e;
}
void mpa_check_live(const void *p, const mpa_pm_entry_t *e, const char *what) {
    (void)p;
    (void)e;
    (void)what;
}

#endif
