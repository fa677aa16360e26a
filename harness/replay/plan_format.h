/* The replay plan: a trace flattened by mpbench (trace_plan.c) for
 * mpb-replay, so the replaying child parses nothing and allocates nothing
 * for itself on the heap under test. Layout: header, nthreads thread
 * records, then each thread's ops (fixed 32 bytes) in its program order.
 * Objects are numbered from 1 in the order the trace created them. */
#ifndef MPB_PLAN_FORMAT_H
#define MPB_PLAN_FORMAT_H

#include <stdint.h>

#define MPB_PLAN_MAGIC "MPBPLAN1"

typedef struct mpb_plan_header {
    char magic[8];
    uint32_t nthreads;
    uint32_t nimages;
    uint64_t nobjects;
    uint64_t nops;
    uint64_t peak_bytes; /* recorded peak of live requested bytes */
} mpb_plan_header_t;

typedef struct mpb_plan_thread {
    uint64_t offset; /* file offset of the first op */
    uint64_t nops;
    uint32_t image; /* runs after every thread of earlier images ended */
    uint32_t tid;
} mpb_plan_thread_t;

enum { MPB_OP_WAIT = 1 }; /* flags: in_obj comes from another thread */

typedef struct mpb_plan_op {
    uint8_t kind;  /* MPT_* of trace_format.h */
    uint8_t flags; /* MPB_OP_* */
    uint16_t reserved;
    uint32_t in_obj;  /* object read or released, 0 for NULL/unknown */
    uint32_t out_obj; /* object created, 0 for none */
    uint32_t reserved2;
    uint64_t a;    /* nmemb or alignment */
    uint64_t size; /* size argument */
} mpb_plan_op_t;

#endif /* MPB_PLAN_FORMAT_H */
