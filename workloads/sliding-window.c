/* wl-sliding-window: a live set that is a sliding window of interleaved
 * lifetimes. Each step allocates one object (log-uniform 16 B .. 1 MiB, every
 * byte written) with a lifetime drawn from a mix: half die within 64 steps
 * (temporaries), half live between W/2 and 3W/2 steps (the window), so the
 * long-lived objects die in nearly, but not exactly, the order they were
 * made, interleaved with the short-lived ones made beside them. Objects whose
 * time has come are checked and freed before each allocation (a min-heap on
 * the step they die). The live set stays near W/2 objects while it slides;
 * what matters is how much RSS the allocator needs for it: peak RSS against
 * mpbench-live-peak-bytes (timeline.csv shows it over time). Prints
 * mpbench-rss-over-live, the process's peak RSS (getrusage) over its peak
 * live bytes, in thousandths. */
#include <sys/resource.h>

#include "wl_common.h"

#define SW_WINDOW   1024    /* W: long lifetimes are W/2 .. 3W/2 steps */
#define SW_SHORT    64      /* short lifetimes are 1 .. 64 steps */
#define SW_STEPS    20000.0 /* allocations per thread at scale 1 */
#define SW_MIN_SIZE 16
#define SW_MAX_SIZE (1 << 20) /* sizes up to SW_MAX_SIZE - 1 */

static const wl_info_t sw_info = {
    "sliding-window",
    "A sliding window of interleaved lifetimes: each step allocates one object\n"
    "(log-uniform 16 B .. 1 MiB, every byte written); half live 1..64 steps, half\n"
    "W/2..3W/2 steps (W = 1024), so long-lived objects die nearly in order,\n"
    "interleaved with short-lived ones. Objects are checked and freed when their\n"
    "time comes. Measures how close peak RSS stays to the live set\n"
    "(mpbench-live-peak-bytes; mpbench-rss-over-live = peak RSS / peak live\n"
    "bytes, in thousandths; RSS over time in timeline.csv).",
    "20000 allocations per thread (at least 4 W), W = 1024; live set ~50 MB.",
    "N independent copies in N threads (live-peak-bytes is the sum of the\n"
    "                   threads' peaks)",
    "sliding window of interleaved lifetimes (16 B .. 1 MiB): peak RSS vs live set",
};

/* A live object and the step it dies at. */
typedef struct sw_obj {
    uint64_t death;
    unsigned char *p;
    size_t size;
} sw_obj_t;

/* A binary min-heap of live objects on their death step. */
typedef struct sw_heap {
    sw_obj_t *a;
    size_t n, cap;
} sw_heap_t;

static void sw_push(sw_heap_t *h, sw_obj_t o) {
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 4096;
        h->a = realloc(h->a, h->cap * sizeof *h->a);
        if (!h->a)
            wl_oom(h->cap * sizeof *h->a);
    }
    size_t i = h->n++;
    while (i > 0 && h->a[(i - 1) / 2].death > o.death) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = o;
}

static sw_obj_t sw_pop(sw_heap_t *h) {
    sw_obj_t top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->a[c + 1].death < h->a[c].death)
            c++;
        if (h->a[c].death >= last.death)
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n > 0)
        h->a[i] = last;
    return top;
}

/* The byte every byte of an object holds: from its address and size. */
static unsigned char sw_byte(const sw_obj_t *o) {
    return (unsigned char)(((uintptr_t)o->p >> 4) ^ o->size ^ 0x5A);
}

static void sw_free(wl_worker_t *w, sw_obj_t *o) {
    unsigned char b = sw_byte(o);
    if (o->p[0] != b || o->p[o->size / 2] != b || o->p[o->size - 1] != b)
        wl_corrupted(o->p, o->size, 0);
    free(o->p);
    w->ops++;
    w->live -= o->size;
}

static uint64_t sw_lifetime(wl_rng_t *r) {
    if (wl_rng_below(r, 2) == 0)
        return 1 + wl_rng_below(r, SW_SHORT);
    return SW_WINDOW / 2 + wl_rng_below(r, SW_WINDOW);
}

static void *sw_worker(void *arg) {
    wl_worker_t *w = arg;
    sw_heap_t h = {0};
    uint64_t steps = wl_scaled(SW_STEPS, w->o->scale, 4 * SW_WINDOW);
    for (uint64_t t = 0; t < steps; t++) {
        while (h.n > 0 && h.a[0].death <= t) {
            sw_obj_t o = sw_pop(&h);
            sw_free(w, &o);
        }
        sw_obj_t o = {t + sw_lifetime(&w->rng), NULL,
                      wl_rng_logsize(&w->rng, SW_MIN_SIZE, SW_MAX_SIZE - 1)};
        o.p = malloc(o.size);
        if (!o.p)
            wl_oom(o.size);
        memset(o.p, sw_byte(&o), o.size);
        w->ops++;
        wl_live_add(w, o.size);
        sw_push(&h, o);
    }
    while (h.n > 0) {
        sw_obj_t o = sw_pop(&h);
        sw_free(w, &o);
    }
    free(h.a);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &sw_info);
    double t0 = wl_now();
    uint64_t ops, peak;
    wl_run_workers(&o, sw_worker, &ops, &peak);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    wl_report(&o, t0, ops);
    wl_report_kv("live-peak-bytes", peak);
    wl_report_kv("rss-over-live", peak ? (uint64_t)ru.ru_maxrss * 1024 * 1000 / peak : 0);
    return 0;
}
