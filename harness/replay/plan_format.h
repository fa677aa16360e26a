/* The replay plan: a trace flattened by mpbench (trace_plan.c) for
 * mpb-replay, so the replaying child parses nothing and allocates nothing
 * for itself on the heap under test. Layout: header, nthreads thread
 * records in the order the threads started (process image, then the time
 * stamp of their first call), then each thread's ops (fixed 32 bytes) in
 * its program order. Objects are numbered from 1 in the order the trace
 * created them. Thread lifetimes: a thread starts only once every thread
 * whose last call came before its first call (or that ran in an earlier
 * process image) has ended, and a call whose recorded time came after the
 * end of other threads waits for those ends too (a long-lived thread's last
 * free, say), so threads overlap as they did when recorded (not all at
 * once) and the live set stays the recorded one. */
#ifndef MPB_PLAN_FORMAT_H
#define MPB_PLAN_FORMAT_H

#include <stdint.h>

#define MPB_PLAN_MAGIC "MPBPLAN2"

typedef struct mpb_plan_header {
    char magic[8];
    uint32_t nthreads;
    uint32_t nimages;
    uint64_t nobjects;
    uint64_t nops;
    uint64_t peak_bytes;   /* recorded peak of live requested bytes */
    uint32_t peak_threads; /* recorded peak of threads alive at once */
    uint32_t flags;        /* MPB_PLAN_* */
} mpb_plan_header_t;

enum { MPB_PLAN_TRUNCATED = 1 }; /* made from a trace cut short: up to its last whole block */

typedef struct mpb_plan_thread {
    uint64_t offset; /* file offset of the first op */
    uint64_t nops;
    uint32_t image;       /* process image it ran in */
    uint32_t tid;         /* its number in the trace */
    uint32_t start_after; /* starts once the first start_after threads to end have ended */
    uint32_t end_rank;    /* its place (0-based) in the order threads ended */
} mpb_plan_thread_t;

enum { MPB_OP_WAIT = 1 }; /* flags: in_obj comes from another thread */

typedef struct mpb_plan_op {
    uint8_t kind;  /* MPT_* of trace_format.h */
    uint8_t flags; /* MPB_OP_* */
    uint16_t reserved;
    uint32_t in_obj;     /* object read or released, 0 for NULL/unknown */
    uint32_t out_obj;    /* object created, 0 for none */
    uint32_t after_ends; /* waits for the first after_ends thread ends; 0: no wait */
    uint64_t a;          /* nmemb or alignment */
    uint64_t size;       /* size argument */
} mpb_plan_op_t;

#endif /* MPB_PLAN_FORMAT_H */
