/* mpa_stats_json: live bytes, committed bytes and per-class counts as one
 * JSON object, formatted into a caller's or a static buffer without
 * allocating. Counts are kept per slab event, never on the fast paths: a
 * core's `out` is the objects out of its slabs (allocated, cached in a fast
 * list, or on their way back), settled whenever a slab wakes, empties or is
 * taken, so for other threads it runs ahead of the truth by up to a slab's
 * objects per slab they use; for the calling thread's own core the fast
 * lists and the unsettled frees of available slabs are subtracted, leaving
 * at most one wake threshold (<= 32 objects) per sleeping slab.
 * Also: global-backend lock acquisitions (and how many waited), clock reads
 * for decay, and the per-core layer's counters (chunk cache, slab events). */
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

/* The calling thread's own core, which only it may walk: objects in its
 * fast lists are not live, nor are the frees an available slab has had
 * since it woke (settled only when it empties or is taken). */
static void subtract_own_free(int64_t live[]) {
    mpa_local_t *l = &mpa_local;
    if (l->state != MPA_THREAD_ACTIVE)
        return;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        const mpa_class_info_t *ci = &mpa_classes[cls];
        for (void *p = l->fast[cls]; p != NULL; p = mpa_fl_next(p))
            live[cls]--;
        for (mpa_slab_t *s = l->core->avail[cls]; s != NULL; s = s->next)
            if (s->state == MPA_SLAB_AVAILABLE)
                live[cls] -= (int64_t)(ci->count - ci->wake - s->needed);
    }
}

/* Global-backend lock and decay counters, and the per-core layer summed
 * over every core (thread, pooled and mspace cores). */
static void emit_layers(json_out_t *o) {
    mpa_backend_t *b = &mpa_backend_global;
    uint64_t v[8] = {0};
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        v[0] += atomic_load_explicit(&c->cache.bytes, memory_order_relaxed);
        v[1] += atomic_load_explicit(&c->cache.hits, memory_order_relaxed);
        v[2] += atomic_load_explicit(&c->cache.refills, memory_order_relaxed);
        v[3] += atomic_load_explicit(&c->cache.spills, memory_order_relaxed);
        v[4] += atomic_load_explicit(&c->cache.turns, memory_order_relaxed);
        v[5] += atomic_load_explicit(&c->slabs_created, memory_order_relaxed);
        v[6] += atomic_load_explicit(&c->slabs_released, memory_order_relaxed);
        v[7]++;
    }
    emit(o,
         "\"backend\":{\"lock_acquisitions\":%llu,\"lock_contended\":%llu,"
         "\"decay_checks\":%llu},",
         (unsigned long long)atomic_load_explicit(&b->lock_acquired, memory_order_relaxed),
         (unsigned long long)atomic_load_explicit(&b->lock_contended, memory_order_relaxed),
         (unsigned long long)atomic_load_explicit(&b->decay_checks, memory_order_relaxed));
    emit(o,
         "\"cores\":{\"count\":%llu,\"chunk_cache_bytes\":%llu,\"chunk_cache_hits\":%llu,"
         "\"chunk_cache_refills\":%llu,\"chunk_cache_spills\":%llu,\"decay_turns\":%llu,"
         "\"slabs_created\":%llu,\"slabs_released\":%llu},",
         (unsigned long long)v[7], (unsigned long long)v[0], (unsigned long long)v[1],
         (unsigned long long)v[2], (unsigned long long)v[3], (unsigned long long)v[4],
         (unsigned long long)v[5], (unsigned long long)v[6]);
}

MPA_EXPORT size_t mpa_stats_json_r(char *buf, size_t len) {
    int64_t live[MPA_NUM_CLASSES + 1] = {0}, slabs[MPA_NUM_CLASSES + 1] = {0};
    class_totals(live, slabs);
    subtract_own_free(live);
    int64_t small = 0;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++)
        small += live[cls] * (int64_t)mpa_class_size(cls);
    json_out_t o = {buf, buf ? len : 0, 0};
    int64_t held = (int64_t)mpa_quarantined_bytes(); /* freed, not yet reusable */
    emit(&o, "{\"stats\":%d,\"live_bytes\":%lld,\"large_live_bytes\":%lld,", MPA_STATS,
         (long long)(small + mpa_large_live_bytes() - held), (long long)mpa_large_live_bytes());
    emit(&o, "\"quarantined_bytes\":%lld,", (long long)held);
    emit(&o, "\"committed_bytes\":%zu,\"cached_bytes\":%zu,", mpa_backend_committed(),
         mpa_backend_dirty());
    emit_layers(&o);
    emit(&o, "\"classes\":[");
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
