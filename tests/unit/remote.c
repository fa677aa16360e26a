/* Remote free: objects one thread allocates and another frees travel back
 * to their owner in batched messages; the owner's malloc slow path drains
 * them, so the objects are reused and the per-class live count falls back.
 * Checked through the pagemap (owner of each object), address reuse and
 * mpa_stats_json. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "mpalloc.h"

#define OBJ_SIZE 64
#define NOBJ     (4 * MPA_REMOTE_BATCH / OBJ_SIZE) /* several batches' worth */

/* Criterion's own objects of the class come and go beside ours. */
#define SLACK 64

static void *objs[NOBJ];

static void *free_all(void *arg) {
    (void)arg;
    for (size_t i = 0; i < NOBJ; i++)
        mpa_free(objs[i]);
    return NULL; /* thread exit posts what is left in the remote cache */
}

/* A field ("live", "slabs") of the OBJ_SIZE class in mpa_stats_json. */
static long long class_field(const char *json, const char *field) {
    char key[64];
    snprintf(key, sizeof key, "{\"size\":%d,", OBJ_SIZE);
    const char *at = strstr(json, key);
    if (at == NULL)
        return 0;
    snprintf(key, sizeof key, "\"%s\":", field);
    at = strstr(at, key);
    return at ? atoll(at + strlen(key)) : 0;
}

/* Live objects of the class: the stats run ahead of the truth by up to one
 * wake threshold per slab (see stats.c), so each check allows that much. */
static long long class_live(long long *slack) {
    const char *json = mpa_stats_json();
    *slack = SLACK + class_field(json, "slabs") * mpa_classes[mpa_size_to_class(OBJ_SIZE)].wake;
    return class_field(json, "live");
}

static void check_live(long long want) {
    if (!MPA_STATS)
        return; /* counters compiled away */
    long long slack, live = class_live(&slack);
    cr_assert_leq(llabs(live - want), slack, "live %lld, want %lld +- %lld", live, want, slack);
}

static bool was_freed(void *p) {
    for (size_t i = 0; i < NOBJ; i++)
        if (objs[i] == p)
            return true;
    return false;
}

Test(remote, freed_objects_return_to_owner) {
    mpa_free(mpa_malloc(1));
    long long slack, base = class_live(&slack);
    for (size_t i = 0; i < NOBJ; i++) {
        objs[i] = mpa_malloc(OBJ_SIZE);
        cr_assert_not_null(objs[i]);
        cr_assert_eq(mpa_pm_entry(objs[i])->owner, mpa_local.me, "object %zu not ours", i);
    }
    check_live(base + (long long)NOBJ);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, free_all, NULL), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    /* Allocate as many again, and more: the slow paths drain the queue. */
    static void *again[2 * NOBJ];
    size_t reused = 0;
    for (size_t i = 0; i < 2 * NOBJ; i++) {
        again[i] = mpa_malloc(OBJ_SIZE);
        reused += was_freed(again[i]);
    }
    /* A slab that got fewer than `wake` of its objects back sleeps until more
     * come (the rest of it was out: in this thread's fast list, or ours): at
     * most one such slab, the one the fast list was taken from. */
    size_t wake = mpa_classes[mpa_size_to_class(OBJ_SIZE)].wake;
    cr_assert_geq(reused + wake - 1, NOBJ, "%zu of %zu remotely freed objects came back", reused,
                  (size_t)NOBJ);
    /* Undrained, the freed objects would still count: base + 3 * NOBJ. */
    check_live(base + 2 * (long long)NOBJ);
    for (size_t i = 0; i < 2 * NOBJ; i++)
        mpa_free(again[i]);
    check_live(base);
}

/* Carrier messages of every shape: 16-byte objects (carry one address),
 * 32-byte ones (three), larger ones (seven, in their first line), full and
 * NULL-ended lists, classes mixed in one bucket, 16 KiB and 64 KiB objects. Every object freed by another
 * thread must be taken in by its owner, and the per-class live counts must
 * fall back to where they were. */
#define MIX_PER 96
static const size_t mix_sizes[] = {16, 32, 48, 64, 80, 512, 4096, 16384, 65536};
#define MIX_N (sizeof mix_sizes / sizeof mix_sizes[0])
static void *mix[MIX_N * MIX_PER];

static void *free_mix(void *arg) {
    (void)arg;
    for (size_t i = 0; i < MIX_N * MIX_PER; i++)
        mpa_free(mix[i]);
    return NULL;
}

static long long size_live(size_t size) {
    const char *json = mpa_stats_json();
    char key[64];
    snprintf(key, sizeof key, "{\"size\":%zu,", size);
    const char *at = strstr(json, key);
    if (at == NULL)
        return 0;
    at = strstr(at, "\"live\":");
    return at ? atoll(at + strlen("\"live\":")) : 0;
}

Test(remote, carriers_of_every_size_come_home) {
    if (!MPA_STATS)
        return; /* counters compiled away */
    mpa_free(mpa_malloc(1));
    long long base[MIX_N];
    for (size_t k = 0; k < MIX_N; k++)
        base[k] = size_live(mix_sizes[k]);
    for (size_t i = 0; i < MIX_N * MIX_PER; i++) { /* sizes interleaved: one bucket, mixed */
        mix[i] = mpa_malloc(mix_sizes[i % MIX_N]);
        cr_assert_not_null(mix[i]);
        memset(mix[i], 0xa5, mix_sizes[i % MIX_N]);
    }
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, free_mix, NULL), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    size_t taken = 0, n;
    while ((n = mpa_core_drain_messages(&mpa_local)) > 0)
        taken += n;
    size_t want = 0;
    for (size_t k = 0; k < MIX_N; k++)
        want += mix_sizes[k] * MIX_PER;
    cr_assert_eq(taken, want, "took in %zu bytes of messages, %zu were freed", taken, want);
    for (size_t k = 0; k < MIX_N; k++) {
        long long slack = SLACK + (long long)mpa_classes[mpa_size_to_class(mix_sizes[k])].count;
        long long live = size_live(mix_sizes[k]);
        cr_assert_leq(llabs(live - base[k]), slack, "size %zu: live %lld, want %lld +- %lld",
                      mix_sizes[k], live, base[k], slack);
    }
}
