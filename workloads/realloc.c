/* wl-realloc: realloc growth. Each thread keeps 16 buffers growing side by
 * side by small appends, like string builders (realloc to the exact new
 * length at every append) and vectors (capacity grown 1.5x when full), up to
 * a target size log-uniform in 64 B .. 1 MiB; a full buffer is checked and
 * freed and a new one started. Stresses in-place growth, moves and copies. */
#include "wl_common.h"

#define RB_ACTIVE  16
#define RB_APPENDS 1500000.0 /* appends per thread at scale 1 */
#define RB_MAX_INC 256       /* appends are 1..RB_MAX_INC bytes */

static const wl_info_t realloc_info = {
    "realloc",
    "realloc growth: 16 buffers per thread grow side by side by appends of\n"
    "1..256 B; half are string builders (realloc to the exact length at each\n"
    "append), half vectors (capacity x1.5 when full). Targets are log-uniform\n"
    "64 B .. 1 MiB; a finished buffer is checked byte by byte and freed.",
    "16 buffers per thread, 1500000 appends per thread.",
    "N independent copies in N threads",
    "realloc growth of string builders and doubling buffers",
};

/* One growing buffer. */
typedef struct rb_buf {
    unsigned char *p;
    size_t len, cap, target;
    uint64_t key;
    int vector; /* 1: grow capacity x1.5; 0: realloc to the exact length */
} rb_buf_t;

static inline unsigned char rb_byte(uint64_t key, size_t i) {
    return (unsigned char)((key >> ((i & 7) * 8)) ^ (i >> 3));
}

static void rb_check(const rb_buf_t *b, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (b->p[i] != rb_byte(b->key, i))
            wl_corrupted(b->p, b->len, (long)(i / 8));
}

static void rb_start(wl_worker_t *w, rb_buf_t *b, int vector) {
    b->key = wl_rng_next(&w->rng);
    b->target = wl_rng_logsize(&w->rng, 64, (size_t)1 << 20);
    b->len = 0;
    b->cap = 16;
    b->vector = vector;
    b->p = malloc(b->cap);
    if (!b->p)
        wl_oom(b->cap);
    w->ops++;
}

/* Grows the buffer's capacity to at least `need`, checking the moved content. */
static void rb_grow(wl_worker_t *w, rb_buf_t *b, size_t need) {
    size_t cap = b->vector ? b->cap + b->cap / 2 : need;
    cap = cap < need ? need : cap;
    unsigned char *q = realloc(b->p, cap);
    if (!q)
        wl_oom(cap);
    b->p = q;
    b->cap = cap;
    w->ops++;
    if (b->len) {
        rb_check(b, 0, 1);
        rb_check(b, b->len / 2, b->len / 2 + 1);
        rb_check(b, b->len - 1, b->len);
    }
}

static void rb_append(wl_worker_t *w, rb_buf_t *b) {
    size_t inc = wl_rng_range(&w->rng, 1, RB_MAX_INC);
    if (b->len + inc > b->cap)
        rb_grow(w, b, b->len + inc);
    for (size_t i = b->len; i < b->len + inc; i++)
        b->p[i] = rb_byte(b->key, i);
    b->len += inc;
}

static void rb_finish(wl_worker_t *w, rb_buf_t *b) {
    rb_check(b, 0, b->len);
    wl_escape(b->p);
    free(b->p);
    w->ops++;
}

static void *rb_worker(void *arg) {
    wl_worker_t *w = arg;
    rb_buf_t b[RB_ACTIVE];
    uint64_t appends = wl_scaled(RB_APPENDS, w->o->scale, 1);
    for (int i = 0; i < RB_ACTIVE; i++)
        rb_start(w, &b[i], i & 1);
    for (uint64_t n = 0; n < appends; n++) {
        rb_buf_t *x = &b[wl_rng_below(&w->rng, RB_ACTIVE)];
        rb_append(w, x);
        if (x->len >= x->target) {
            rb_finish(w, x);
            rb_start(w, x, x->vector);
        }
    }
    for (int i = 0; i < RB_ACTIVE; i++)
        rb_finish(w, &b[i]);
    return NULL;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &realloc_info);
    double t0 = wl_now();
    uint64_t ops;
    wl_run_workers(&o, rb_worker, &ops, NULL);
    wl_report(&o, t0, ops);
    return 0;
}
