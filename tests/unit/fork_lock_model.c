/* The fork handover of allocator/src/common.h's lock, checked over every
 * interleaving of a small model (an explicit-state search, as a model
 * checker would do it). Each step of a process is one atomic operation of
 * the code it stands for:
 *   lock      CAS 0 -> 1 (a waiter spins while the word is not 0)
 *   unlock    CAS 1 -> 0; failing that, store 2 when the word read 3
 *             (before the fix: store 2 whatever it read)
 *   fork take 0 or 2 -> 1 (taken), 1 -> 3 (marked); waits while 3
 * Locks: the pool lock (which guards the list of cores), one cache lock per
 * core, the global backend's lock. Processes:
 *   fork      prepare: pool, then the cache lock of every core on the list
 *             (read once: the walk), then the backend; the fork itself; the
 *             parent step. Fixed order: backend, the cores (the list read
 *             again), pool. Before the fix: pool, the cores, backend.
 *   maker     a thread making its core: meta_alloc (backend lock and
 *             unlock), joins the core to the list (under the pool lock; before
 *             the fix without it), then uses it (cache lock, backend inside).
 *   purger    walks the list (read once) and takes each cache lock, with
 *             the backend lock inside.
 * Checked in every reachable state: no lock has two holders, and nobody
 * releases a lock it does not hold; at the fork itself, every lock the child
 * can reach (pool, backend, every core on the list) is free or held by this
 * fork (the child resets those); no state where some process is not done and
 * none can move (a hang); at the end every lock word is 0 (none left at 2 or
 * 3). The model with the code before the fix must fail (the checker finds
 * the hang of the report); with the fix, with one fork or two at once (glibc
 * runs two forks' handlers concurrently), it must pass. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { POOL, BACKEND, CORE0 }; /* lock ids; core i's cache lock is CORE0 + i */
enum { MAX_CORES = 3, MAX_LOCKS = CORE0 + MAX_CORES, MAX_PROCS = 4, MAX_OPS = 24 };

typedef enum {
    OP_LOCK,      /* arg: lock id (or OWN: the maker's new core) */
    OP_UNLOCK,    /* two steps: CAS 1 -> 0, then the store when it failed */
    OP_TAKE,      /* fork's take of lock arg */
    OP_SNAP,      /* h = the number of cores on the list (a walk starts) */
    OP_TAKE_ALL,  /* fork takes cores h-1 .. 0, one step each */
    OP_REL_ALL,   /* fork releases cores h-1 .. 0 (unlock, two steps each) */
    OP_TOUCH_ALL, /* purger: lock, backend lock, unlock, unlock of each core */
    OP_PUSH,      /* the maker's core joins the list */
    OP_FORK,      /* the fork itself: checks what the child inherits */
    OP_END,
} op_kind_t;

typedef struct {
    op_kind_t kind;
    int arg;
} op_t;

#define OWN (-1)

typedef struct {
    uint8_t word[MAX_LOCKS];
    uint8_t holder[MAX_LOCKS]; /* process + 1, or 0 */
    uint8_t cores;             /* on the list */
    uint8_t pc[MAX_PROCS], sub[MAX_PROCS], idx[MAX_PROCS], seen[MAX_PROCS], phase[MAX_PROCS];
} state_t;

typedef struct {
    int procs;
    const op_t *prog[MAX_PROCS];
    int cores0;        /* cores on the list at the start */
    bool old_unlock;   /* unlock stores 2 whatever it read */
    bool lax;          /* a release by a non-holder is not itself a violation */
    const char *error; /* the first violation found */
    size_t states;
} model_t;

/* ---- the visited set: open addressing over whole states, grown ---- */

static state_t *table;
static bool *used;
static size_t table_size, table_count;

static uint64_t state_hash(const state_t *s) {
    uint64_t h = 1469598103934665603u;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < sizeof *s; i++)
        h = (h ^ p[i]) * 1099511628211u;
    return h;
}

static void table_put(state_t *t, bool *u, size_t size, const state_t *s, size_t i) {
    for (i &= size - 1; u[i]; i = (i + 1) & (size - 1))
        ;
    u[i] = true;
    t[i] = *s;
}

/* Doubles the table. */
static void table_grow(void) {
    size_t size = table_size ? table_size * 2 : (size_t)1 << 16;
    state_t *t = calloc(size, sizeof *t);
    bool *u = calloc(size, sizeof *u);
    cr_assert(t != NULL && u != NULL, "out of memory for %zu states", size);
    for (size_t i = 0; i < table_size; i++)
        if (used[i])
            table_put(t, u, size, &table[i], state_hash(&table[i]));
    free(table);
    free(used);
    table = t;
    used = u;
    table_size = size;
}

/* Inserts s; false when it was there already. */
static bool visit(const state_t *s) {
    if (2 * (table_count + 1) > table_size)
        table_grow();
    uint64_t h = state_hash(s);
    for (size_t i = h & (table_size - 1);; i = (i + 1) & (table_size - 1)) {
        if (!used[i])
            break;
        if (memcmp(&table[i], s, sizeof *s) == 0)
            return false;
    }
    table_put(table, used, table_size, s, h);
    table_count++;
    return true;
}

/* ---- one atomic step ---- */

/* The lock an op names: OWN is the maker's core, the first one pushed. */
static int lock_of(const model_t *m, int arg) { return arg == OWN ? CORE0 + m->cores0 : arg; }

static void fail(model_t *m, const char *what) {
    if (m->error == NULL)
        m->error = what;
}

static void acquire(model_t *m, state_t *s, int p, int l) {
    if (s->holder[l] != 0)
        fail(m, "two holders of one lock");
    s->holder[l] = (uint8_t)(p + 1);
}

/* First step of unlock (CAS 1 -> 0); true when done. */
static bool unlock_step(model_t *m, state_t *s, int p, int l) {
    if (s->sub[p] == 0) {
        if (s->holder[l] != p + 1 && !m->lax)
            fail(m, "a lock released by a process that does not hold it");
        s->holder[l] = 0;
        if (s->word[l] == 1) {
            s->word[l] = 0;
            return true;
        }
        s->seen[p] = s->word[l];
        s->sub[p] = 1;
        return false;
    }
    if (m->old_unlock || s->seen[p] == 3)
        s->word[l] = 2;
    s->sub[p] = 0;
    return true;
}

/* Fork's take: returns true when taken; false when it only marked (or
 * cannot move: *moved false). */
static bool take_step(model_t *m, state_t *s, int p, int l, bool *moved) {
    uint8_t w = s->word[l];
    *moved = w != 3;
    if (w == 0 || w == 2) {
        s->word[l] = 1;
        acquire(m, s, p, l);
        return true;
    }
    if (w == 1)
        s->word[l] = 3;
    return false;
}

/* What the child inherits: every lock it can reach is free or this fork's. */
static void check_child(model_t *m, const state_t *s, int p) {
    int n = CORE0 + s->cores;
    for (int l = 0; l < n; l++)
        if (s->holder[l] != p + 1 && s->word[l] != 0)
            fail(m, "the child inherits a lock held or kept for fork by someone else");
}

/* Runs process p one step when it can; false when it cannot move. */
static bool step(model_t *m, state_t *s, int p) {
    const op_t *op = &m->prog[p][s->pc[p]];
    bool moved = true;
    switch (op->kind) {
    case OP_END:
        return false;
    case OP_LOCK: {
        int l = lock_of(m, op->arg);
        if (s->word[l] != 0)
            return false;
        s->word[l] = 1;
        acquire(m, s, p, l);
        s->pc[p]++;
        return true;
    }
    case OP_UNLOCK:
        if (unlock_step(m, s, p, lock_of(m, op->arg)))
            s->pc[p]++;
        return true;
    case OP_TAKE:
        if (take_step(m, s, p, op->arg, &moved))
            s->pc[p]++;
        return moved;
    case OP_SNAP:
        s->idx[p] = s->cores;
        s->pc[p]++;
        return true;
    case OP_TAKE_ALL:
        if (s->idx[p] == 0) {
            s->pc[p]++;
            return true;
        }
        if (take_step(m, s, p, CORE0 + s->idx[p] - 1, &moved))
            s->idx[p]--;
        return moved;
    case OP_REL_ALL:
        if (s->idx[p] == 0) {
            s->pc[p]++;
            return true;
        }
        if (unlock_step(m, s, p, CORE0 + s->idx[p] - 1))
            s->idx[p]--;
        return true;
    case OP_TOUCH_ALL: { /* sub: 0 lock core, 1 lock backend, 2 unlock it, 3.. unlock core */
        if (s->idx[p] == 0) {
            s->pc[p]++;
            return true;
        }
        int core = CORE0 + s->idx[p] - 1;
        uint8_t *phase = &s->phase[p];
        if (*phase == 0) {
            if (s->word[core] != 0)
                return false;
            s->word[core] = 1;
            acquire(m, s, p, core);
            *phase = 1;
        } else if (*phase == 1) {
            if (s->word[BACKEND] != 0)
                return false;
            s->word[BACKEND] = 1;
            acquire(m, s, p, BACKEND);
            *phase = 2;
        } else if (*phase == 2) {
            if (unlock_step(m, s, p, BACKEND))
                *phase = 3;
        } else if (unlock_step(m, s, p, core)) {
            *phase = 0;
            s->idx[p]--;
        }
        return true;
    }
    case OP_PUSH:
        s->cores++;
        s->pc[p]++;
        return true;
    case OP_FORK:
        check_child(m, s, p);
        s->pc[p]++;
        return true;
    }
    return false;
}

static bool all_done(const model_t *m, const state_t *s) {
    for (int p = 0; p < m->procs; p++)
        if (m->prog[p][s->pc[p]].kind != OP_END)
            return false;
    return true;
}

/* Depth-first search of every interleaving from s. */
static void explore(model_t *m, const state_t *s) {
    if (m->error != NULL || !visit(s))
        return;
    m->states++;
    bool any = false;
    for (int p = 0; p < m->procs && m->error == NULL; p++) {
        state_t next = *s;
        if (!step(m, &next, p))
            continue;
        any = true;
        explore(m, &next);
    }
    if (m->error != NULL || any)
        return;
    if (!all_done(m, s)) {
        fail(m, "a hang: processes left, none can move");
        return;
    }
    for (int l = 0; l < MAX_LOCKS; l++)
        if (s->word[l] != 0 || s->holder[l] != 0)
            fail(m, "a lock left taken or kept for fork at the end");
}

/* Runs the search; returns the first violation, or NULL. */
static const char *check(model_t *m) {
    table = NULL;
    used = NULL;
    table_size = table_count = 0;
    state_t s0;
    memset(&s0, 0, sizeof s0);
    s0.cores = (uint8_t)m->cores0;
    explore(m, &s0);
    free(table);
    free(used);
    return m->error;
}

/* ---- the programs ---- */

static const op_t fork_fixed[] = {
    {OP_TAKE, POOL},      {OP_SNAP, 0}, {OP_TAKE_ALL, 0}, {OP_TAKE, BACKEND}, {OP_FORK, 0},
    {OP_UNLOCK, BACKEND}, {OP_SNAP, 0}, {OP_REL_ALL, 0},  {OP_UNLOCK, POOL},  {OP_END, 0},
};
static const op_t fork_old[] = {
    {OP_TAKE, POOL},   {OP_SNAP, 0}, {OP_TAKE_ALL, 0}, {OP_TAKE, BACKEND},   {OP_FORK, 0},
    {OP_UNLOCK, POOL}, {OP_SNAP, 0}, {OP_REL_ALL, 0},  {OP_UNLOCK, BACKEND}, {OP_END, 0},
};
static const op_t maker_fixed[] = {
    {OP_LOCK, BACKEND}, {OP_UNLOCK, BACKEND}, /* mpa_meta_alloc */
    {OP_LOCK, POOL},    {OP_PUSH, 0},         {OP_UNLOCK, POOL}, {OP_LOCK, OWN},
    {OP_LOCK, BACKEND}, {OP_UNLOCK, BACKEND}, {OP_UNLOCK, OWN},  {OP_END, 0},
};
static const op_t maker_old[] = {
    {OP_LOCK, BACKEND}, {OP_UNLOCK, BACKEND}, {OP_PUSH, 0},     {OP_LOCK, OWN},
    {OP_LOCK, BACKEND}, {OP_UNLOCK, BACKEND}, {OP_UNLOCK, OWN}, {OP_END, 0},
};
static const op_t purger[] = {{OP_SNAP, 0}, {OP_TOUCH_ALL, 0}, {OP_END, 0}};
/* A thread taking one existing core's lock twice (the handover itself). */
static const op_t user[] = {
    {OP_LOCK, CORE0}, {OP_UNLOCK, CORE0}, {OP_LOCK, CORE0}, {OP_UNLOCK, CORE0}, {OP_END, 0},
};

Test(fork_lock_model, old_code_hangs) {
    model_t m = {
        .procs = 3, .prog = {fork_old, maker_old, purger}, .cores0 = 1, .old_unlock = true};
    const char *e = check(&m);
    cr_assert_not_null(e, "the model of the old code passed (%zu states): it proves nothing",
                       m.states);
    printf("fork_lock_model: old code: %s (after %zu states)\n", e, m.states);
    /* Past the first wrong release: what the report saw. */
    model_t lax = {.procs = 3,
                   .prog = {fork_old, maker_old, purger},
                   .cores0 = 1,
                   .old_unlock = true,
                   .lax = true};
    e = check(&lax);
    cr_assert_not_null(e);
    printf("fork_lock_model: old code, going on: %s (after %zu states)\n", e, lax.states);
}

/* Each part of the fix is needed: the unlock that stores 2 only over 3
 * does not save a walk that changes under fork; the list grown under the
 * pool lock does not help while the parent lets the pool lock go before
 * its walk; the reverse order does not help while the list grows without
 * the pool lock. */
Test(fork_lock_model, each_part_of_the_fix_is_needed) {
    model_t a = {.procs = 3, .prog = {fork_old, maker_old, purger}, .cores0 = 1};
    cr_assert_not_null(check(&a), "new unlock alone");
    model_t b = {.procs = 3, .prog = {fork_old, maker_fixed, purger}, .cores0 = 1};
    cr_assert_not_null(check(&b), "push under the pool lock alone");
    model_t c = {.procs = 3, .prog = {fork_fixed, maker_old, purger}, .cores0 = 1};
    cr_assert_not_null(check(&c), "reverse order alone");
}

Test(fork_lock_model, fixed_one_fork) {
    model_t m = {.procs = 3, .prog = {fork_fixed, maker_fixed, purger}, .cores0 = 1};
    const char *e = check(&m);
    cr_assert_null(e, "%s", e);
    printf("fork_lock_model: one fork, maker, purger: %zu states, no violation\n", m.states);
}

Test(fork_lock_model, fixed_two_forks) {
    model_t m = {.procs = 4, .prog = {fork_fixed, fork_fixed, maker_fixed, purger}, .cores0 = 1};
    const char *e = check(&m);
    cr_assert_null(e, "%s", e);
    printf("fork_lock_model: two forks, maker, purger: %zu states, no violation\n", m.states);
}

Test(fork_lock_model, fixed_handover_under_a_hot_lock) {
    model_t m = {.procs = 3, .prog = {fork_fixed, user, user}, .cores0 = 1};
    const char *e = check(&m);
    cr_assert_null(e, "%s", e);
}
