/* Hot local reuse at every small size: a free of one of this thread's
 * objects makes it the next object malloc hands out for its class, and a
 * malloc/free loop then never takes a slow path, including classes whose
 * fast-list hold is a single object (16 KiB and up: the hold is capped at
 * MPA_FAST_HOLD_MAX bytes). */
#include <criterion/criterion.h>

#include "core.h"
#include "mpalloc.h"

Test(hotreuse, freed_object_is_next_at_every_class) {
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        size_t size = mpa_classes[cls].size;
        void *p = mpa_malloc(size);
        cr_assert_not_null(p);
        mpa_free(p);
        void *q = mpa_malloc(size);
        cr_assert_eq(q, p, "size %zu (hold %u): the object freed last did not come back first",
                     size, (unsigned)mpa_classes[cls].hold);
        mpa_free(q);
    }
}

Test(hotreuse, pair_loop_stays_on_the_fast_path) {
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        size_t size = mpa_classes[cls].size;
        for (int i = 0; i < 4; i++) /* settle: refills, first overflow */
            mpa_free(mpa_malloc(size));
        uint32_t before = mpa_local.ticks;
        for (int i = 0; i < 1000; i++) {
            void *p = mpa_malloc(size);
            cr_assert_not_null(p);
            mpa_free(p);
        }
        cr_assert_eq(mpa_local.ticks, before, "size %zu (hold %u): %u slow paths in 1000 pairs",
                     size, (unsigned)mpa_classes[cls].hold, mpa_local.ticks - before);
    }
}
