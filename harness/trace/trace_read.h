/* Reading allocation traces written by libmpatrace.so (format:
 * recorder/trace_format.h) and putting their events in one global order.
 * Loading checks every block (magic, lengths, crc32, decompression, event
 * count) and stops at the first bad one: the trace is then `corrupt` or
 * `truncated`, with a message saying where, and the events before it are
 * kept for trace-stat; replay refuses such a trace. Ordering merges the
 * threads by time stamp and gives every allocation an object number, so a
 * free names the object it releases even when its address was reused. */
#ifndef MPB_TRACE_READ_H
#define MPB_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "recorder/trace_format.h"

enum { MPB_TRACE_OK, MPB_TRACE_TRUNCATED, MPB_TRACE_CORRUPT, MPB_TRACE_UNREADABLE };

/* One recorded thread: its events in program order. */
typedef struct mpb_tthread {
    uint32_t image; /* process image (0, then +1 per exec) */
    uint32_t tid;   /* thread number within the image */
    mpt_event_t *ev;
    size_t n, cap;
    uint64_t prev_ts, prev_addr; /* decoder state across blocks */
} mpb_tthread_t;

/* A process the recorded program started, named by a CHILD block. */
typedef struct mpb_tchild {
    uint32_t pid, ppid, kind; /* kind: MPT_CHILD_EXEC or MPT_CHILD_FORK */
    int traced;               /* recorded into <trace>.<pid> (record --follow) */
    char exe[240];
} mpb_tchild_t;

typedef struct mpb_trace {
    mpt_file_header_t hdr;
    mpb_tthread_t *th;
    size_t nth;
    size_t nevents;
    uint32_t nimages;
    int status;                       /* MPB_TRACE_* */
    char why[512];                    /* for a status other than OK: what and where */
    uint64_t end_events, end_dropped; /* from the END block, when present */
    int end_signal, end_how;          /* END's stop signal (0: none) and MPT_END_* */
    mpb_tchild_t *children;           /* processes it started (CHILD blocks; a program
                                         exec'd replaces its fork's entry) */
    size_t nchildren;
    size_t file_size, good_bytes; /* bytes read / of whole blocks */
} mpb_trace_t;

/* Loads path. Returns the status (also in t->status); t must be freed with
 * mpb_trace_free whatever the status, except MPB_TRACE_UNREADABLE which
 * leaves nothing to free beyond what free handles too. */
int mpb_trace_load(const char *path, mpb_trace_t *t);
void mpb_trace_free(mpb_trace_t *t);

/* As mpb_trace_load, but only the block headers, checksums and small blocks
 * are read: events are counted, not decoded (th[i].ev stays empty). For a
 * quick "is it whole, how many events and threads". */
int mpb_trace_scan(const char *path, mpb_trace_t *t);

/* "ok", "truncated", "corrupt", "unreadable". */
const char *mpb_trace_status_name(int status);

/* How a whole trace's program ended, in words ("exited", "killed by
 * SIGTERM (default action)", "exited after handling SIGINT"), into buf. */
const char *mpb_trace_ending(const mpb_trace_t *t, char *buf, size_t len);

/* Processes the program started that no trace recorded. */
size_t mpb_trace_children_untraced(const mpb_trace_t *t);

/* The CHILD blocks as one line (the programs not recorded, or with record
 * --follow the traces they were recorded into, the first few by name), into
 * buf; "" when there are none. */
const char *mpb_trace_children_note(const mpb_trace_t *t, char *buf, size_t len);

/* Global order and object numbers (from mpb_trace_order). For the event
 * th[i].ev[j], at index base[i] + j: in_obj = object it reads or releases
 * (+1; 0 for NULL or an address not known), out_obj = object it creates
 * (+1; 0 for none), cross = in_obj was created by another thread. */
typedef struct mpb_torder {
    size_t *base; /* per thread: index of its first event */
    uint32_t *in_obj, *out_obj;
    uint8_t *cross;
    uint32_t *creator; /* per object: thread index that created it */
    size_t nobjects;
    /* statistics */
    uint64_t calls[MPT_NKINDS];
    uint64_t peak_bytes, peak_objects; /* live, by requested size */
    uint64_t cross_frees, unmatched_frees, reused_live, failed_allocs;
    uint64_t hist[65]; /* allocation sizes: [0]=0, [k]=2^(k-1)..2^k-1 */
    uint64_t first_ts, last_ts;
} mpb_torder_t;

/* Orders t's events and numbers its objects. Returns 0, or -1 when memory
 * runs out. */
int mpb_trace_order(const mpb_trace_t *t, mpb_torder_t *o);
void mpb_torder_free(mpb_torder_t *o);

/* Requested bytes of an allocating event (nmemb * size for calloc). */
uint64_t mpb_trace_req_bytes(const mpt_event_t *e);

#endif /* MPB_TRACE_READ_H */
