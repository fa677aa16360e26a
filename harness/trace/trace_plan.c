/* Trace -> replay plan. A corrupt trace is refused with the reader's
 * message; a truncated one (its program killed by SIGKILL, or its writes
 * failed) is planned up to its last whole block, with a warning and the
 * plan's TRUNCATED flag, which the replay reports in its rows. Threads are
 * written grouped by process image. */
#include "trace/trace_plan.h"
#include "replay/plan_format.h"
#include "trace/trace_read.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The op for event e (global index g); after: the thread ends recorded
 * before it (0 when its thread's start already waits for them). */
static mpb_plan_op_t make_op(const mpt_event_t *e, const mpb_torder_t *o, size_t g,
                             uint32_t after) {
    mpb_plan_op_t op;
    memset(&op, 0, sizeof op);
    op.kind = e->kind;
    op.in_obj = o->in_obj[g];
    op.out_obj = o->out_obj[g];
    op.flags = o->cross[g] ? MPB_OP_WAIT : 0;
    op.a = e->nmemb;
    op.size = e->size;
    op.after_ends = after;
    return op;
}

/* A thread's lifetime as recorded: (image, first stamp) to (image, last
 * stamp); keys compare image first. */
typedef struct life {
    uint64_t image, first, last;
    size_t idx; /* thread index */
} life_t;

/* Thread lifetimes of a trace: per thread (start order) the ends to wait
 * for before it starts and its rank among the ends; the end keys sorted. */
typedef struct lives {
    uint32_t *start_after, *end_rank;
    life_t *ends; /* by end key */
    uint32_t peak;
} lives_t;

static int cmp_end(const void *a, const void *b) {
    const life_t *x = a, *y = b;
    if (x->image != y->image)
        return x->image < y->image ? -1 : 1;
    return x->last < y->last ? -1 : x->last > y->last;
}

/* 1 when thread e's end comes before thread s's start. */
static int ends_before(const life_t *e, const life_t *s) {
    return e->image < s->image || (e->image == s->image && e->last < s->first);
}

/* start_after and end_rank of every thread (threads are in start order),
 * and the peak of threads alive at once. Returns 0 or -1 (memory). */
static int lifetimes(const mpb_trace_t *t, lives_t *v) {
    uint32_t *start_after = v->start_after, *end_rank = v->end_rank, *peak = &v->peak;
    life_t *l = malloc((t->nth + 1) * sizeof *l), *e = v->ends;
    if (!l)
        return -1;
    for (size_t i = 0; i < t->nth; i++) {
        const mpb_tthread_t *th = &t->th[i];
        l[i] = (life_t){th->image, th->n ? th->ev[0].ts : 0, th->n ? th->ev[th->n - 1].ts : 0, i};
        e[i] = l[i];
    }
    qsort(e, t->nth, sizeof *e, cmp_end);
    for (size_t k = 0; k < t->nth; k++)
        end_rank[e[k].idx] = (uint32_t)k;
    *peak = 0;
    for (size_t i = 0, k = 0; i < t->nth; i++) { /* start order: k only grows */
        while (k < t->nth && ends_before(&e[k], &l[i]))
            k++;
        start_after[i] = (uint32_t)k;
        if (i + 1 - k > *peak)
            *peak = (uint32_t)(i + 1 - k);
    }
    free(l);
    return 0;
}

/* The thread ends recorded before event j of thread i (a count, a prefix
 * of the end order); *k walks forward through one thread's events. */
static uint32_t ends_before_event(const mpb_trace_t *t, const lives_t *v, size_t i, size_t j,
                                  size_t *k) {
    life_t at = {t->th[i].image, t->th[i].ev[j].ts, 0, i};
    while (*k < t->nth && ends_before(&v->ends[*k], &at))
        (*k)++;
    return *k > v->start_after[i] ? (uint32_t)*k : 0;
}

/* Writes header, thread table and ops to f. Returns 0 or -1. */
static int write_plan(FILE *f, const mpb_trace_t *t, const mpb_torder_t *o) {
    mpb_plan_header_t h;
    lives_t v = {malloc((t->nth + 1) * sizeof(uint32_t)), malloc((t->nth + 1) * sizeof(uint32_t)),
                 malloc((t->nth + 1) * sizeof(life_t)), 0};
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MPB_PLAN_MAGIC, 8);
    h.nthreads = (uint32_t)t->nth;
    h.nimages = t->nimages;
    h.nobjects = o->nobjects;
    h.nops = t->nevents;
    h.peak_bytes = o->peak_bytes;
    h.flags = t->status == MPB_TRACE_TRUNCATED ? MPB_PLAN_TRUNCATED : 0;
    int bad = !v.start_after || !v.end_rank || !v.ends || lifetimes(t, &v) != 0;
    h.peak_threads = v.peak;
    bad |= fwrite(&h, sizeof h, 1, f) != 1;
    uint64_t off = sizeof h + t->nth * sizeof(mpb_plan_thread_t);
    for (size_t i = 0; i < t->nth && !bad; i++) {
        mpb_plan_thread_t pt = {off,          t->th[i].n,       t->th[i].image,
                                t->th[i].tid, v.start_after[i], v.end_rank[i]};
        bad |= fwrite(&pt, sizeof pt, 1, f) != 1;
        off += t->th[i].n * sizeof(mpb_plan_op_t);
    }
    for (size_t i = 0; i < t->nth && !bad; i++) {
        size_t k = v.start_after[i];
        for (size_t j = 0; j < t->th[i].n && !bad; j++) {
            uint32_t after = ends_before_event(t, &v, i, j, &k);
            mpb_plan_op_t op = make_op(&t->th[i].ev[j], o, o->base[i] + j, after);
            bad |= fwrite(&op, sizeof op, 1, f) != 1;
        }
    }
    free(v.start_after), free(v.end_rank), free(v.ends);
    return bad ? -1 : 0;
}

/* Orders threads as they started: by image, then by the stamp of their
 * first call (then by number). */
static int cmp_start(const void *a, const void *b) {
    const mpb_tthread_t *x = a, *y = b;
    uint64_t fx = x->n ? x->ev[0].ts : 0, fy = y->n ? y->ev[0].ts : 0;
    if (x->image != y->image)
        return x->image < y->image ? -1 : 1;
    if (fx != fy)
        return fx < fy ? -1 : 1;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

int mpb_plan_build(const char *trace_path, const char *plan_path, int *nthreads) {
    mpb_trace_t t;
    int st = mpb_trace_load(trace_path, &t);
    if (st != MPB_TRACE_OK && st != MPB_TRACE_TRUNCATED) {
        fprintf(stderr, "mpbench: cannot replay %s: trace is %s: %s\n", trace_path,
                mpb_trace_status_name(st), t.why);
        mpb_trace_free(&t);
        return -1;
    }
    if (st == MPB_TRACE_TRUNCATED && t.nevents)
        fprintf(stderr,
                "mpbench: warning: %s is truncated (%s): it is replayed up to its last whole "
                "block, %zu events; its rows say trace=truncated\n",
                trace_path, t.why, t.nevents);
    if (!t.nevents) {
        fprintf(stderr, "mpbench: cannot replay %s: it holds no events\n", trace_path);
        mpb_trace_free(&t);
        return -1;
    }
    qsort(t.th, t.nth, sizeof *t.th, cmp_start);
    mpb_torder_t o;
    if (mpb_trace_order(&t, &o) != 0) {
        fprintf(stderr, "mpbench: out of memory ordering %s\n", trace_path);
        mpb_trace_free(&t);
        return -1;
    }
    FILE *f = fopen(plan_path, "wb");
    int rc = f ? write_plan(f, &t, &o) : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "mpbench: cannot write the replay plan %s: %s\n", plan_path,
                strerror(errno));
    *nthreads = (int)t.nth;
    mpb_torder_free(&o);
    mpb_trace_free(&t);
    return rc;
}
