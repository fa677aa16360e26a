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
#include <errno.h>
#include <limits.h>
#include <malloc.h>
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

/* Objects waiting in fast lists (and the checked build's delay slots), by
 * class, over every core: a list holds its class's hold less its room (counters its thread keeps; read here
 * without its agreement, so a moment's figure). They are freed memory a
 * thread keeps for its next mallocs, not live objects. */
static void fast_list_objects(int64_t cached[]) {
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
            int64_t n =
                (int64_t)mpa_classes[cls].hold - __atomic_load_n(&c->room[cls], __ATOMIC_RELAXED);
            if (n > 0)
                cached[cls] += n;
#if MPA_CHECKED
            if (__atomic_load_n(&c->delay[cls], __ATOMIC_RELAXED) != NULL)
                cached[cls]++; /* the checked build's delay slot */
#endif
        }
    }
}

/* Objects in fast lists are not live (cached[], from fast_list_objects), nor
 * are the frees an available slab of the calling thread's own core (which
 * only it may walk) has had since it woke (settled only when it empties or
 * is taken). */
static void subtract_free(int64_t live[], const int64_t cached[]) {
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++)
        live[cls] -= cached[cls];
    mpa_local_t *l = &mpa_local;
    if (l->state != MPA_THREAD_ACTIVE)
        return;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        const mpa_class_info_t *ci = &mpa_classes[cls];
        for (mpa_slab_t *s = l->core->avail[cls]; s != NULL; s = s->next)
            if (s->state == MPA_SLAB_AVAILABLE)
                live[cls] -= (int64_t)(ci->count - ci->wake - s->needed);
    }
}

/* Global-backend lock and decay counters (clock reads: the purger's and
 * those of the cores on the global backend), and the per-core layer summed
 * over every core (thread, pooled and mspace cores). */
static void emit_layers(json_out_t *o) {
    mpa_backend_t *b = &mpa_backend_global;
    uint64_t v[8] = {0}, checks = atomic_load_explicit(&b->decay_checks, memory_order_relaxed);
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        if (c->backend == b)
            checks += atomic_load_explicit(&c->cache.decay_checks, memory_order_relaxed);
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
         (unsigned long long)checks);
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
    int64_t cached[MPA_NUM_CLASSES + 1] = {0};
    class_totals(live, slabs);
    fast_list_objects(cached);
    subtract_free(live, cached);
    int64_t small = 0, thread_cached = 0;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        small += live[cls] * (int64_t)mpa_class_size(cls);
        thread_cached += cached[cls] * (int64_t)mpa_class_size(cls);
    }
    json_out_t o = {buf, buf ? len : 0, 0};
    int64_t held = (int64_t)mpa_quarantined_bytes(mpa_core_list()); /* freed, not yet reusable */
    emit(&o, "{\"stats\":%d,\"live_bytes\":%lld,\"large_live_bytes\":%lld,", MPA_STATS,
         (long long)(small + mpa_large_live_bytes() - held), (long long)mpa_large_live_bytes());
    emit(&o, "\"thread_cached_bytes\":%lld,", (long long)thread_cached);
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

/* ---- glibc's heap reports: mallinfo2, mallinfo, malloc_info, malloc_stats.
 * Their figures, in glibc's terms (malloc.h): the "arena" is the committed
 * memory that is not a huge block mapped alone, "hblk" the huge blocks (as
 * glibc's mmapped chunks), "uordblks" the live bytes outside huge blocks,
 * "fordblks" the rest of the arena (free slab space, thread fast lists,
 * cached blocks), "keepcost" what malloc_trim would give back now (the
 * backend's dirty cache and the cores' chunk caches), "smblks"/"fsmblks"
 * the calling thread's fast lists (glibc's fastbins). ---- */

typedef struct heap_figures {
    mpa_backend_info_t backend;
    size_t live;   /* live bytes, huge blocks included (as mpa_stats_json) */
    size_t cached; /* bytes malloc_trim gives back: dirty cache + chunk caches */
    size_t cached_blocks;
    size_t fast, fast_bytes;                 /* objects in every thread's fast lists */
    int64_t free_slots[MPA_NUM_CLASSES + 1]; /* free objects in slabs, by class */
} heap_figures_t;

/* Objects in every thread's fast lists, and their bytes. */
static void all_fast_lists(const int64_t cached[], size_t *count, size_t *bytes) {
    *count = *bytes = 0;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        *count += (size_t)cached[cls];
        *bytes += (size_t)cached[cls] * mpa_class_size(cls);
    }
}

/* Fills f; takes each lock it reads under for a moment, never two at once. */
static void heap_figures(heap_figures_t *f) {
    int64_t live[MPA_NUM_CLASSES + 1] = {0}, slabs[MPA_NUM_CLASSES + 1] = {0};
    int64_t cached[MPA_NUM_CLASSES + 1] = {0};
    class_totals(live, slabs);
    fast_list_objects(cached);
    subtract_free(live, cached);
    int64_t small = 0;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        small += live[cls] * (int64_t)mpa_class_size(cls);
        int64_t slots = slabs[cls] * (int64_t)mpa_classes[cls].count - live[cls];
        f->free_slots[cls] = slots > 0 ? slots : 0;
    }
    int64_t all = small + mpa_large_live_bytes() - (int64_t)mpa_quarantined_bytes(mpa_core_list());
    f->live = all > 0 ? (size_t)all : 0;
    mpa_backend_info_in(&mpa_backend_global, &f->backend);
    f->cached = f->backend.dirty;
    f->cached_blocks = f->backend.dirty_blocks;
    for (mpa_core_t *c = mpa_core_list(); c != NULL; c = c->all_next) {
        if (c->backend != &mpa_backend_global)
            continue; /* an mspace's cache: inside a block counted as used */
        f->cached += atomic_load_explicit(&c->cache.bytes, memory_order_relaxed);
        for (unsigned o = 0; o < MPA_CHUNKCACHE_ORDERS; o++)
            f->cached_blocks += c->cache.n[o];
    }
    all_fast_lists(cached, &f->fast, &f->fast_bytes);
}

/* The arena: committed bytes outside huge blocks. */
static size_t arena_bytes(const heap_figures_t *f) {
    return f->backend.used + f->backend.dirty - f->backend.huge;
}

/* Live bytes outside huge blocks, at most the arena. */
static size_t in_use_bytes(const heap_figures_t *f) {
    size_t v = f->live > f->backend.huge ? f->live - f->backend.huge : 0;
    return v < arena_bytes(f) ? v : arena_bytes(f);
}

MPA_EXPORT struct mallinfo2 mpa_mallinfo2(void) {
    heap_figures_t f = {0};
    heap_figures(&f);
    struct mallinfo2 mi = {0};
    mi.arena = arena_bytes(&f);
    mi.ordblks = f.cached_blocks;
    mi.smblks = f.fast;
    mi.hblks = f.backend.huge_blocks;
    mi.hblkhd = f.backend.huge;
    mi.usmblks = 0; /* glibc: always 0 */
    mi.fsmblks = f.fast_bytes;
    mi.uordblks = in_use_bytes(&f);
    mi.fordblks = mi.arena - mi.uordblks;
    mi.keepcost = f.cached;
    return mi;
}

/* glibc's mallinfo has int fields: figures above INT_MAX read INT_MAX
 * (glibc's wrap around). */
static int clamp_int(size_t v) { return v > (size_t)INT_MAX ? INT_MAX : (int)v; }

MPA_EXPORT struct mallinfo mpa_mallinfo(void) {
    struct mallinfo2 m = mpa_mallinfo2();
    struct mallinfo mi = {0};
    mi.arena = clamp_int(m.arena);
    mi.ordblks = clamp_int(m.ordblks);
    mi.smblks = clamp_int(m.smblks);
    mi.hblks = clamp_int(m.hblks);
    mi.hblkhd = clamp_int(m.hblkhd);
    mi.usmblks = clamp_int(m.usmblks);
    mi.fsmblks = clamp_int(m.fsmblks);
    mi.uordblks = clamp_int(m.uordblks);
    mi.fordblks = clamp_int(m.fordblks);
    mi.keepcost = clamp_int(m.keepcost);
    return mi;
}

/* A line at a time to a stream (malloc_info) or to the error stream
 * (stream NULL: malloc_stats); formatted on the stack, no lock held. */
static int put(void *stream, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int put(void *stream, const char *fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (stream == NULL) {
        mpa_pal_message(line, len);
        return 0;
    }
    return mpa_pal_stream_write(stream, line, len);
}

/* malloc_info's totals and system lines (inside <heap> and at the end). */
static int info_totals(FILE *fp, const heap_figures_t *f, bool all) {
    size_t arena = arena_bytes(f), current = all ? arena + f->backend.huge : arena;
    int rc = put(fp, "<total type=\"fast\" count=\"%zu\" size=\"%zu\"/>\n", f->fast, f->fast_bytes);
    rc |= put(fp, "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n", f->cached_blocks,
              arena - in_use_bytes(f));
    if (all)
        rc |= put(fp, "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n", f->backend.huge_blocks,
                  f->backend.huge);
    rc |= put(fp, "<system type=\"current\" size=\"%zu\"/>\n", current);
    rc |= put(fp, "<system type=\"max\" size=\"%zu\"/>\n", f->backend.peak);
    rc |= put(fp, "<aspace type=\"total\" size=\"%zu\"/>\n", f->backend.reserved);
    rc |= put(fp, "<aspace type=\"mprotect\" size=\"%zu\"/>\n", current);
    return rc;
}

/* glibc's malloc_info(0, fp): one <heap> (mpalloc's global heap) whose
 * <sizes> list the free object slots of each size class, then the totals,
 * in glibc's XML layout. Returns 0, or -1 with errno EINVAL when options is
 * not 0 (as glibc) or EIO when a write failed. */
MPA_EXPORT int mpa_malloc_info(int options, FILE *fp) {
    if (options != 0 || fp == NULL) {
        errno = EINVAL;
        return -1;
    }
    heap_figures_t f = {0};
    heap_figures(&f);
    int rc = put(fp, "<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n");
    size_t from = 1;
    for (unsigned cls = 1; cls <= MPA_NUM_CLASSES; cls++) {
        size_t size = mpa_class_size(cls);
        if (f.free_slots[cls] > 0)
            rc |= put(fp, "<size from=\"%zu\" to=\"%zu\" total=\"%llu\" count=\"%llu\"/>\n", from,
                      size, (unsigned long long)f.free_slots[cls] * size,
                      (unsigned long long)f.free_slots[cls]);
        from = size + 1;
    }
    rc |= put(fp, "</sizes>\n");
    rc |= info_totals(fp, &f, false);
    rc |= put(fp, "</heap>\n");
    rc |= info_totals(fp, &f, true);
    rc |= put(fp, "</malloc>\n");
    if (rc != 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

/* glibc's malloc_stats: its layout, to the error stream, without stdio. */
MPA_EXPORT void mpa_malloc_stats(void) {
    heap_figures_t f = {0};
    heap_figures(&f);
    size_t arena = arena_bytes(&f), in_use = in_use_bytes(&f);
    put(NULL, "Arena 0:\nsystem bytes     = %10zu\nin use bytes     = %10zu\n", arena, in_use);
    put(NULL, "Total (incl. mmap):\nsystem bytes     = %10zu\nin use bytes     = %10zu\n",
        arena + f.backend.huge, in_use + f.backend.huge);
    put(NULL, "max mmap regions = %10zu\nmax mmap bytes   = %10zu\n", f.backend.huge_peak_blocks,
        f.backend.huge_peak);
}

#ifndef MPA_NO_OVERRIDE
#define MPA_STATS_ALIAS(name) __attribute__((alias(#name), visibility("default")))
struct mallinfo2 mallinfo2(void) MPA_STATS_ALIAS(mpa_mallinfo2);
struct mallinfo mallinfo(void) MPA_STATS_ALIAS(mpa_mallinfo);
int malloc_info(int, FILE *) MPA_STATS_ALIAS(mpa_malloc_info);
void malloc_stats(void) MPA_STATS_ALIAS(mpa_malloc_stats);
#endif
