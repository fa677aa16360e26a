/* Trace -> replay plan. Only whole traces are planned: a truncated or
 * corrupt one would replay a different program, so it is refused with the
 * reader's message. Threads are written grouped by process image. */
#include "trace/trace_plan.h"
#include "replay/plan_format.h"
#include "trace/trace_read.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The op for event e (global index g). */
static mpb_plan_op_t make_op(const mpt_event_t *e, const mpb_torder_t *o, size_t g) {
    mpb_plan_op_t op;
    memset(&op, 0, sizeof op);
    op.kind = e->kind;
    op.in_obj = o->in_obj[g];
    op.out_obj = o->out_obj[g];
    op.flags = o->cross[g] ? MPB_OP_WAIT : 0;
    op.a = e->nmemb;
    op.size = e->size;
    return op;
}

/* Writes header, thread table and ops to f. Returns 0 or -1. */
static int write_plan(FILE *f, const mpb_trace_t *t, const mpb_torder_t *o) {
    mpb_plan_header_t h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MPB_PLAN_MAGIC, 8);
    h.nthreads = (uint32_t)t->nth;
    h.nimages = t->nimages;
    h.nobjects = o->nobjects;
    h.nops = t->nevents;
    h.peak_bytes = o->peak_bytes;
    int bad = fwrite(&h, sizeof h, 1, f) != 1;
    uint64_t off = sizeof h + t->nth * sizeof(mpb_plan_thread_t);
    for (size_t i = 0; i < t->nth; i++) {
        mpb_plan_thread_t pt = {off, t->th[i].n, t->th[i].image, t->th[i].tid};
        bad |= fwrite(&pt, sizeof pt, 1, f) != 1;
        off += t->th[i].n * sizeof(mpb_plan_op_t);
    }
    for (size_t i = 0; i < t->nth && !bad; i++)
        for (size_t j = 0; j < t->th[i].n && !bad; j++) {
            mpb_plan_op_t op = make_op(&t->th[i].ev[j], o, o->base[i] + j);
            bad |= fwrite(&op, sizeof op, 1, f) != 1;
        }
    return bad ? -1 : 0;
}

/* Orders threads by image (stable: the recorder's order within one). */
static int cmp_image(const void *a, const void *b) {
    const mpb_tthread_t *x = a, *y = b;
    if (x->image != y->image)
        return x->image < y->image ? -1 : 1;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

int mpb_plan_build(const char *trace_path, const char *plan_path, int *nthreads) {
    mpb_trace_t t;
    int st = mpb_trace_load(trace_path, &t);
    if (st != MPB_TRACE_OK) {
        fprintf(stderr, "mpbench: cannot replay %s: trace is %s: %s\n", trace_path,
                mpb_trace_status_name(st), t.why);
        mpb_trace_free(&t);
        return -1;
    }
    if (!t.nevents) {
        fprintf(stderr, "mpbench: cannot replay %s: it holds no events\n", trace_path);
        mpb_trace_free(&t);
        return -1;
    }
    qsort(t.th, t.nth, sizeof *t.th, cmp_image);
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
