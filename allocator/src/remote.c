/* Remote free by message passing. A free of another core's object goes into
 * this thread's remote cache, in a bucket chosen by the owner; once the cache
 * holds MPA_REMOTE_BATCH bytes, every bucket is posted to its owner's queue
 * with one atomic exchange. The queue is an intrusive multi-producer,
 * single-consumer list (Vyukov's design, with a stub); owners drain it on
 * their slow path, at most MPA_DRAIN_MAX bytes at a time.
 *
 * A message is a carrier: a freed object whose word 0 is the queue link and
 * whose next words, up to the end of its first cache line, hold the
 * addresses of more freed objects of the same owner, ended by NULL unless
 * they fill it (7 addresses in a carrier of 64 bytes or more, 1 in a 16-byte
 * one). A remote free thus writes into the first line of one object in up
 * to eight; the others stay untouched until their owner takes them in (their
 * cache lines stay with the owner, which writes its free-list links into
 * them anyway). Checked builds keep their held mark in word 1 of every
 * remote-freed object (a second free of it is seen at once, and its owner
 * checks the mark when it takes it in), so there the addresses start at
 * word 2 (MPA_CARRY_FIRST) and stop before the object's last word (its
 * slack code): 6 in a carrier of 72 bytes or more, 1 in a 32-byte one, none
 * in a 16-byte one (it carries only itself). The owner checks each carried
 * object's held mark as it takes it in, so an address written over a
 * waiting message frees nothing of the owner's that is not freed. */
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
    /* messages go only to their owner's queue (or are its stub) */
    MPA_ASSERT(1, first == (void *)&c->q_stub || mpa_pm_entry(first)->owner == (uintptr_t)c);
    MPA_ASSERT(1, last == (void *)&c->q_stub || mpa_pm_entry(last)->owner == (uintptr_t)c);
    atomic_store_explicit(link_of(last), NULL, memory_order_relaxed);
    void *prev = atomic_exchange_explicit(&c->q_back, last, memory_order_acq_rel);
    atomic_store_explicit(link_of(prev), first, memory_order_release);
}

/* The link of obj, a message in c's queue (or its stub). Checked builds
 * verify it: NULL, the stub or an object of c, as messages go only to their
 * owner's queue; a write over a freed object waiting there is reported
 * instead of followed. */
static void *queue_next(mpa_core_t *c, void *obj) {
    void *next = atomic_load_explicit(link_of(obj), memory_order_acquire);
    if (MPA_CHECKED && next != NULL && next != (void *)&c->q_stub &&
        (!mpa_pm_covers(next) || mpa_pm_entry(next)->owner != (uintptr_t)c))
        mpa_report(
            "corrupted free-list link (use after free?) in the remote-freed object at", obj,
            obj == (void *)&c->q_stub ? 0 : mpa_class_size((unsigned)mpa_pm_entry(obj)->small.cls));
    return next;
}

/* Takes the oldest message, or NULL when none is complete yet. */
static void *queue_pop(mpa_core_t *c) {
    void *stub = &c->q_stub;
    void *front = c->q_front;
    void *next = queue_next(c, front);
    if (front == stub) {
        if (next == NULL)
            return NULL;
        c->q_front = front = next;
        next = queue_next(c, front);
    }
    if (next == NULL) {
        if (front != atomic_load_explicit(&c->q_back, memory_order_acquire))
            return NULL; /* a producer is between its exchange and its link */
        queue_push(c, stub, stub);
        next = queue_next(c, front);
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

/* Ends the address list of the carrier being filled (NULL after the last
 * one, unless it is full) and puts it on the bucket's list of closed
 * carriers. */
/* True when the carrier m and the n addresses it carries are small objects
 * of owner (level 2: bounded by a carrier's line). */
static bool carrier_intact(void **m, size_t n, uintptr_t owner) {
    for (size_t i = 0; i <= n; i++) {
        const void *p = i == 0 ? (void *)m : m[MPA_CARRY_FIRST + i - 1];
        if (!mpa_pm_covers(p) || mpa_pm_entry(p)->owner != owner)
            return false;
    }
    return true;
}

static void carrier_close(mpa_remote_bucket_t *b) {
    void **m = b->cur;
    MPA_ASSERT(1, m != NULL && b->n <= b->cap && b->owner != 0);
    MPA_ASSERT(2, carrier_intact(m, b->n, b->owner));
    if (b->n < b->cap)
        m[MPA_CARRY_FIRST + b->n] = NULL;
    atomic_store_explicit(link_of(m), b->head, memory_order_relaxed);
    if (b->head == NULL)
        b->tail = m;
    b->head = m;
    b->cur = NULL;
    b->n = b->cap = 0; /* the next free starts a carrier */
}

static void bucket_post(mpa_remote_bucket_t *b) {
    carrier_close(b);
    MPA_ASSERT(1, b->head != NULL && b->tail != NULL);
    queue_push((mpa_core_t *)b->owner, b->head, b->tail);
    b->head = b->tail = NULL;
    mpa_purger_wake(); /* the owner may be pooled: someone must take them in */
}

void mpa_remote_post_all(mpa_core_t *c) {
    MPA_ASSERT(1, c->remote_used <= MPA_REMOTE_SLOTS);
    for (size_t i = 0; i < c->remote_used; i++) {
        mpa_remote_bucket_t *b = &c->remote[c->remote_list[i]];
        MPA_ASSERT(1, b->cur != NULL); /* on the list exactly while it holds a carrier */
        if (b->cur != NULL)
            bucket_post(b);
    }
    c->remote_used = 0;
    c->remote_bytes = 0;
}

void mpa_remote_post_one(mpa_core_t *owner, void *p) {
    if (!MPA_CHECKED ||
        mpa_remote_carrier_cap(mpa_class_size((unsigned)mpa_pm_entry(p)->small.cls)))
        ((void **)p)[MPA_CARRY_FIRST] = NULL; /* carries no address */
    queue_push(owner, p, p);
    mpa_purger_wake();
}

/* p (size bytes) starts a new carrier in b: the bucket's first object, or
 * the carrier before it is full, or it belonged to another owner. A bucket
 * is on remote_list exactly while it holds a carrier (an owner change posts
 * the old batch and refills the bucket at once), so the list never holds a
 * bucket twice. */
static void carrier_start(mpa_core_t *c, mpa_remote_bucket_t *b, void *p, uintptr_t owner,
                          size_t size) {
    if (b->cur == NULL) {
        MPA_ASSERT(1, c->remote_used < MPA_REMOTE_SLOTS);
        c->remote_list[c->remote_used++] = (uint16_t)(b - c->remote);
        b->owner = owner;
    } else if (b->owner != owner) {
        bucket_post(b); /* another owner in this bucket: send its batch now */
        b->owner = owner;
    } else {
        carrier_close(b);
    }
    b->cur = p;
    b->n = 0;
    b->cap = mpa_remote_carrier_cap(size);
}

void mpa_remote_free(mpa_local_t *l, void *p, uintptr_t owner, size_t size) {
    mpa_core_t *c = l->core;
    MPA_ASSERT(1, owner != (uintptr_t)c && mpa_pm_entry(p)->owner == owner);
    mpa_remote_bucket_t *b = &c->remote[bucket_of(owner)];
    if (MPA_LIKELY(b->owner == owner && b->n < b->cap))
        b->cur[MPA_CARRY_FIRST + b->n++] = p;
    else
        carrier_start(c, b, p, owner, size);
    c->remote_bytes += size;
    if (c->remote_bytes >= MPA_REMOTE_BATCH)
        mpa_remote_post_all(c);
}

void **mpa_remote_pop(mpa_core_t *c) { return queue_pop(c); }
