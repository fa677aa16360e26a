/* mpa_stats_json: live bytes, committed bytes and per-class counts as one
 * JSON object, formatted into a caller's or a static buffer without
 * allocating. Counts are kept per slab event, never on the fast paths: a
 * core's `out` is the objects out of its slabs (allocated, cached in a fast
 * list, or on their way back), settled whenever a slab wakes, empties or is
 * taken, so it runs ahead of the truth by at most one wake threshold (<= 32
 * objects) per slab. The calling thread's own fast lists are subtracted. */
#include <stdarg.h>
#include <stdio.h>

#include "core.h"
#include "mpalloc.h"

typedef struct json_out {
    char *buf;
    size_t len, at;
} json_out_t;

static void emit(json_out_t *o, const char *fmt, ...) {
    size_t room = o->at < o->len ? o->len - o->at : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(room ? o->buf + o->at : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->at += (size_t)n;
}

static void class_totals(int64_t live[], int64_t slabs[]) {
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
            live[cls] += atomic_load_explicit(&c->out[cls], memory_order_relaxed);
            slabs[cls] += atomic_load_explicit(&c->slabs[cls], memory_order_relaxed);
        }
    }
}

static void subtract_own_fast_lists(int64_t live[]) {
    mpa_local_t *l = &mpa_local;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++)
        for (void *p = l->fast[cls]; p != NULL; p = mpa_fl_next(p))
            live[cls]--;
}

MPA_EXPORT size_t mpa_stats_json_r(char *buf, size_t len) {
    int64_t live[MPA_NUM_CLASSES + 1] = {0}, slabs[MPA_NUM_CLASSES + 1] = {0};
    class_totals(live, slabs);
    subtract_own_fast_lists(live);
    int64_t small = 0;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++)
        small += live[cls] * (int64_t)mpa_class_size(cls);
    json_out_t o = {buf, buf ? len : 0, 0};
    emit(&o, "{\"stats\":%d,\"live_bytes\":%lld,\"large_live_bytes\":%lld,", MPA_STATS,
         (long long)(small + mpa_large_live_bytes()), (long long)mpa_large_live_bytes());
    emit(&o, "\"committed_bytes\":%zu,\"cached_bytes\":%zu,\"classes\":[",
         mpa_backend_committed(), mpa_backend_dirty());
    const char *sep = "";
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        if (live[cls] == 0 && slabs[cls] == 0)
            continue;
        emit(&o, "%s{\"size\":%zu,\"live\":%lld,\"slabs\":%lld}", sep, mpa_class_size(cls),
             (long long)live[cls], (long long)slabs[cls]);
        sep = ",";
    }
    emit(&o, "]}");
    return o.at;
}

MPA_EXPORT const char *mpa_stats_json(void) {
    static char buf[16384];
    mpa_stats_json_r(buf, sizeof buf);
    return buf;
}
