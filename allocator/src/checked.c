/* Checked (hardened) mode: the misuse checks of the snmalloc family. Every
 * free is checked for ownership, start of object and double free (a freed
 * small object carries a keyed mark in its second word); every object handed
 * out is checked for writes after free and for an intact free-list link
 * (encoded with a secret key, so an overwritten link decodes to garbage).
 * Each detection prints one line without allocating and aborts. The fast
 * build compiles none of this. */
#include "core.h"

#if MPA_CHECKED

/* Slabs are aligned to their size, so the offset needs no slab record. */
static bool at_object_start(const void *p, unsigned cls) {
    const mpa_class_info_t *ci = &mpa_classes[cls];
    size_t offset = (uintptr_t)p & (((size_t)1 << ci->slab_bits) - 1);
    return offset == mpa_class_index(cls, offset) * ci->size;
}

static bool start_of_object(const void *p, const mpa_pm_entry_t *e) {
    return at_object_start(p, (unsigned)e->cls);
}

static bool marked_freed(const void *p) {
    return ((const uintptr_t *)p)[1] == mpa_freed_mark(p);
}

void mpa_check_alloc(mpa_local_t *l, void *p, unsigned cls) {
    size_t size = mpa_class_size(cls);
    if (!marked_freed(p))
        mpa_report("write to a freed object (use after free or overflow) at", p, size);
    /* A fast list holds the objects of one slab: a link that decodes to
     * anything but an object start in p's slab was overwritten. */
    uintptr_t next = (uintptr_t)l->fast[cls];
    unsigned slab_bits = mpa_classes[cls].slab_bits;
    if (next != 0 && ((next ^ (uintptr_t)p) >> slab_bits != 0 || !at_object_start((void *)next, cls)))
        mpa_report("corrupted free-list link (use after free?) in the object at", p, size);
    ((uintptr_t *)p)[1] = 0;
}

void mpa_check_free(void *p, mpa_pm_entry_t *e) {
    if (!mpa_pm_is_small(e)) {
        if (!mpa_large_is_live(p, e))
            mpa_report_bad_free(p, e);
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
