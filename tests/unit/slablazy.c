/* Fresh slabs are linked as they are taken (fast build): the first take of
 * a new slab hands out the objects of its first units (a page for small
 * objects) and leaves the rest untouched, as if trimmed, so a class used
 * for one object keeps one page of its slab resident; taking on links the
 * rest, every object exactly once, and the slab empties and goes back when
 * all have come home. Each test runs in its own process (criterion). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "mpalloc.h"

/* The first object of a class comes from a fresh slab of which only the
 * objects inside its first page were linked (the other units marked
 * trimmed, never touched); the slab stays available, and the next take
 * links the rest. (Residency itself is not looked at: criterion forks each
 * test from a process whose freed blocks may be handed out again.) */
Test(slablazy, first_take_links_one_page) {
    if (MPA_CHECKED)
        cr_skip_test("hardened builds link a fresh slab whole, in a random order");
    mpa_free(mpa_malloc(1)); /* this thread's core */
    unsigned cls = 0;
    for (unsigned c = mpa_size_to_class(1000); c <= MPA_NUM_CLASSES && cls == 0; c++) {
        const mpa_class_info_t *ci = &mpa_classes[c]; /* one this process never used */
        if (ci->size <= MPA_PAGE_SIZE / 2 && ((size_t)1 << ci->slab_bits) > MPA_PAGE_SIZE &&
            ((size_t)1 << ci->slab_bits) / 16 <= MPA_PAGE_SIZE &&
            atomic_load(&mpa_local.core->slabs[c]) == 0 && mpa_local.core->fast[c] == NULL)
            cls = c;
    }
    cr_assert_neq(cls, 0, "no unused class of more than a page per slab, with page units");
    const mpa_class_info_t *ci = &mpa_classes[cls];
    size_t size = ci->size, first = MPA_PAGE_SIZE / ci->size; /* objects inside page 0 */
    size_t pages = ((size_t)1 << ci->slab_bits) / MPA_PAGE_SIZE;
    char *p = mpa_malloc(size);
    cr_assert_not_null(p);
    const mpa_slab_t *s = mpa_pm_entry(p)->small.slab;
    cr_assert_eq(p, s->base, "the first object of a fresh slab is its lowest");
    cr_assert_eq(s->trimmed, ((1u << pages) - 1) & ~1u, "units left unlinked: %#x",
                 (unsigned)s->trimmed);
    cr_assert_eq(s->state, MPA_SLAB_AVAILABLE);
    cr_assert_eq(s->needed, first, "%u objects out, want %zu", s->needed, first);
    size_t listed = 0;
    for (void *q = mpa_local.core->fast[cls]; q != NULL; q = *(void **)q) {
        cr_assert((char *)q < s->base + MPA_PAGE_SIZE, "%p linked outside page 0", q);
        listed++;
    }
    cr_assert_eq(listed, first - 1, "%zu objects in the fast list, want %zu", listed, first - 1);
    void *more[256];
    cr_assert_leq(ci->count, 256);
    for (size_t i = 1; i < ci->count; i++) /* takes the rest: linked now */
        more[i] = mpa_malloc(size);
    cr_assert_eq(s->trimmed, 0);
    cr_assert_eq(s->state, MPA_SLAB_SLEEPING);
    for (size_t i = 1; i < ci->count; i++) {
        cr_assert_eq(mpa_pm_entry(more[i])->small.slab, s, "object %zu from another slab", i);
        mpa_free(more[i]);
    }
    mpa_free(p);
}

/* Three slabs' worth of objects: each inside its slab on an object
 * boundary, none handed out twice (each keeps the bytes written to it). */
Test(slablazy, whole_slab_handed_out_once) {
    size_t size = 1000;
    unsigned cls = mpa_size_to_class(size);
    size_t count = mpa_classes[cls].count, slab = (size_t)1 << mpa_classes[cls].slab_bits;
    char **objs = calloc(count * 3, sizeof *objs);
    cr_assert_not_null(objs);
    for (size_t i = 0; i < count * 3; i++) {
        objs[i] = mpa_malloc(size);
        cr_assert_not_null(objs[i]);
        memset(objs[i], (int)(i & 0xff), size);
    }
    for (size_t i = 0; i < count * 3; i++) {
        const mpa_slab_t *s = mpa_pm_entry(objs[i])->small.slab;
        cr_assert(objs[i] >= s->base && objs[i] + size <= s->base + slab);
        cr_assert_eq((size_t)(objs[i] - s->base) % mpa_classes[cls].size, 0);
        cr_assert_eq((unsigned char)objs[i][size - 1], (unsigned char)(i & 0xff),
                     "object %zu overwritten: handed out twice", i);
    }
    for (size_t i = 0; i < count * 3; i++)
        mpa_free(objs[i]);
    free(objs);
}
