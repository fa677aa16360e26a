/* Remote free by message passing. A free of another core's object goes into
 * this thread's remote cache, in a bucket chosen by the owner; once the cache
 * holds MPA_REMOTE_BATCH bytes, every bucket is posted to its owner's queue
 * with one atomic exchange. The queue is an intrusive multi-producer,
 * single-consumer list (Vyukov's design, with a stub); owners drain it on
 * their slow path, at most MPA_DRAIN_MAX bytes at a time. */
#include "core.h"

typedef _Atomic(void *) mpa_link_t;

MPA_INLINE mpa_link_t *link_of(void *obj) { return (mpa_link_t *)obj; }

void mpa_remote_init(mpa_core_t *c) {
    atomic_store_explicit(link_of(&c->q_stub), NULL, memory_order_relaxed);
    c->q_front = &c->q_stub;
    atomic_store_explicit(&c->q_back, &c->q_stub, memory_order_release);
}

/* Appends the list first..last (linked through first words) to c's queue. */
static void queue_push(mpa_core_t *c, void *first, void *last) {
    atomic_store_explicit(link_of(last), NULL, memory_order_relaxed);
    void *prev = atomic_exchange_explicit(&c->q_back, last, memory_order_acq_rel);
    atomic_store_explicit(link_of(prev), first, memory_order_release);
}

/* Takes the oldest message, or NULL when none is complete yet. */
static void *queue_pop(mpa_core_t *c) {
    void *stub = &c->q_stub;
    void *front = c->q_front;
    void *next = atomic_load_explicit(link_of(front), memory_order_acquire);
    if (front == stub) {
        if (next == NULL)
            return NULL;
        c->q_front = front = next;
        next = atomic_load_explicit(link_of(front), memory_order_acquire);
    }
    if (next == NULL) {
        if (front != atomic_load_explicit(&c->q_back, memory_order_acquire))
            return NULL; /* a producer is between its exchange and its link */
        queue_push(c, stub, stub);
        next = atomic_load_explicit(link_of(front), memory_order_acquire);
        if (next == NULL)
            return NULL;
    }
    c->q_front = next;
    return front;
}

static size_t bucket_of(uintptr_t owner) {
    if (MPA_REMOTE_SLOTS_BITS == 0)
        return 0;
    return (size_t)((owner * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - MPA_REMOTE_SLOTS_BITS));
}

static void bucket_post(mpa_remote_bucket_t *b) {
    queue_push((mpa_core_t *)b->owner, b->head, b->tail);
    b->head = b->tail = NULL;
    mpa_purger_start(); /* the owner may be pooled: someone must take them in */
}

void mpa_remote_post_all(mpa_core_t *c) {
    for (size_t i = 0; i < c->remote_used; i++) {
        mpa_remote_bucket_t *b = &c->remote[c->remote_list[i]];
        if (b->head != NULL)
            bucket_post(b);
    }
    c->remote_used = 0;
    c->remote_bytes = 0;
}

void mpa_remote_post_one(mpa_core_t *owner, void *p) {
    queue_push(owner, p, p);
    mpa_purger_start();
}

void mpa_remote_free(mpa_local_t *l, void *p, uintptr_t owner, size_t size) {
    mpa_core_t *c = l->core;
    size_t slot = bucket_of(owner);
    mpa_remote_bucket_t *b = &c->remote[slot];
    if (b->owner != owner) {
        if (b->head != NULL)
            bucket_post(b); /* another owner in this bucket: send its batch now */
        b->owner = owner;
    }
    atomic_store_explicit(link_of(p), b->head, memory_order_relaxed);
    if (b->head == NULL) {
        b->tail = p;
        c->remote_list[c->remote_used++] = (uint16_t)slot;
    }
    b->head = p;
    c->remote_bytes += size;
    if (c->remote_bytes >= MPA_REMOTE_BATCH)
        mpa_remote_post_all(c);
}

size_t mpa_remote_drain(mpa_local_t *l) {
    mpa_core_t *c = l->core;
    size_t budget = MPA_DRAIN_MAX;
    void *p;
    while (budget > 0 && (p = queue_pop(c)) != NULL) {
        mpa_pm_entry_t *e = mpa_pm_entry(p);
        size_t size = mpa_class_size((unsigned)e->cls);
        if (MPA_LIKELY(e->owner == l->me))
            mpa_dealloc_local(p, e->meta);
        else if (MPA_CHECKED)
            mpa_report("message for another heap (free after destroy_mspace?):", p, size);
        budget = budget > size ? budget - size : 0;
    }
    return MPA_DRAIN_MAX - budget;
}
