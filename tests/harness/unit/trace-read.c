/* harness/trace/trace_read.c: traces built here byte by byte with the
 * format's own encoders (recorder/trace_format.h), then loaded. Decoding
 * (every field of every event kind written, time stamps and addresses that
 * continue across a thread's blocks, raw and zstd payloads), the global
 * order (object numbers, a cross-thread free, an unknown address, a failed
 * allocation, a reused address, the live peak) and, table-driven, every
 * way a file can be bad: each gets its status, its reason, and keeps the
 * events of the blocks before the bad one. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "trace/trace_read.h"

/* ---- a trace file under construction ---- */

typedef struct file {
    uint8_t b[1 << 16];
    size_t n;
} file_t;

/* One thread's events since its last block, with the encoder's state. */
typedef struct enc {
    uint8_t p[4096];
    size_t n;
    uint32_t nev;
    uint64_t prev_ts, prev_addr;
} enc_t;

static void put(file_t *f, const void *p, size_t n) {
    cr_assert_leq(f->n + n, sizeof f->b);
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void header(file_t *f, uint32_t version, uint32_t rec_error) {
    mpt_file_header_t h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MPT_FILE_MAGIC, 8);
    h.version = version;
    h.header_size = MPT_HEADER_SIZE;
    h.pid = 4242;
    h.rec_error = rec_error;
    snprintf(h.cmd, sizeof h.cmd, "./prog --flag");
    put(f, &h, sizeof h);
}

/* A block of `type` whose payload is p (stored raw, or zstd with codec 1). */
static void block(file_t *f, uint32_t type, uint32_t tid, uint32_t nev, const void *p, size_t len,
                  uint32_t codec) {
    uint8_t z[8192];
    mpt_block_t h = {.magic = MPT_BLOCK_MAGIC,
                     .type = type,
                     .tid = tid,
                     .nevents = nev,
                     .raw_len = (uint32_t)len,
                     .comp_len = (uint32_t)len,
                     .codec = codec};
    if (codec == 1) {
        size_t c = ZSTD_compress(z, sizeof z, p, len, 1);
        cr_assert(!ZSTD_isError(c));
        h.comp_len = (uint32_t)c;
        p = z;
    }
    h.crc = mpt_block_crc(&h, p);
    put(f, &h, sizeof h);
    put(f, p, h.comp_len);
}

static void start(file_t *f) {
    mpt_start_t s = {.start_ns = 1, .pid = 4242, .ppid = 0};
    block(f, MPT_BLK_START, 0, 0, &s, sizeof s, 0);
}

static void end(file_t *f, uint64_t events, int sig, int how) {
    mpt_end_t e = {.events = events, .threads = 2, .signal = (uint16_t)sig, .how = (uint16_t)how};
    block(f, MPT_BLK_END, 0, 0, &e, sizeof e, 0);
}

/* Writes thread tid's pending events as one EVENTS block. */
static void flush(file_t *f, enc_t *e, uint32_t tid, uint32_t codec) {
    block(f, MPT_BLK_EVENTS, tid, e->nev, e->p, e->n, codec);
    e->n = 0, e->nev = 0;
}

/* Event kind k at time ts: the kind byte and the time since the last. */
static void ev(enc_t *e, unsigned k, uint64_t ts) {
    e->p[e->n++] = (uint8_t)k;
    e->n = (size_t)(mpt_put_varint(e->p + e->n, ts - e->prev_ts) - e->p);
    e->prev_ts = ts;
    e->nev++;
}
static void v(enc_t *e, uint64_t x) { e->n = (size_t)(mpt_put_varint(e->p + e->n, x) - e->p); }
static void a(enc_t *e, uint64_t x) {
    e->n = (size_t)(mpt_put_addr(e->p + e->n, x, &e->prev_addr) - e->p);
}

/* ---- the reference trace ----
 * Thread 0: malloc(32) -> A at 100; calloc(4, 8) -> C at 150; realloc(A,
 * 64) -> B at 200 (7 ns); posix_memalign(64, 100) -> D at 250;
 * posix_memalign(4096, huge) failing with ENOMEM at 260; free_sized(B, 64)
 * at 300; malloc(16) at 400 gets A's address again; malloc_usable_size at
 * 410; aligned_alloc, free_aligned_sized, reallocarray, memalign, valloc,
 * pvalloc after. Its events go in three blocks (the decoder's time and
 * address state continue across them), the last zstd-compressed.
 * Thread 1: free(C) at 220 (C is thread 0's: a cross-thread free),
 * free(unknown) at 230. */
enum { A = 0x7f0000001000, C = 0x7f0000001030, B = 0x7f0000002008, D = 0x7f0000004000 };
enum { N0 = 14, N1 = 2 };

static void reference(file_t *f, int with_end) {
    enc_t t0 = {0}, t1 = {0};
    header(f, MPT_VERSION, 0);
    start(f);
    ev(&t0, MPT_MALLOC, 100), v(&t0, 32), a(&t0, A);
    ev(&t0, MPT_CALLOC, 150), v(&t0, 4), v(&t0, 8), a(&t0, C);
    ev(&t0, MPT_REALLOC, 200), v(&t0, 7), a(&t0, A), v(&t0, 64), a(&t0, B);
    flush(f, &t0, 0, 0);
    ev(&t1, MPT_FREE, 220), a(&t1, C);
    ev(&t1, MPT_FREE, 230), a(&t1, 0xdead0);
    flush(f, &t1, 1, 0);
    ev(&t0, MPT_POSIX_MEMALIGN, 250), v(&t0, 64), v(&t0, 100), a(&t0, D), v(&t0, 0);
    ev(&t0, MPT_POSIX_MEMALIGN, 260), v(&t0, 4096), v(&t0, 1ull << 60), a(&t0, 0), v(&t0, ENOMEM);
    ev(&t0, MPT_FREE_SIZED, 300), a(&t0, B), v(&t0, 64);
    ev(&t0, MPT_MALLOC, 400), v(&t0, 16), a(&t0, A);
    ev(&t0, MPT_USABLE_SIZE, 410), a(&t0, A), v(&t0, 16);
    flush(f, &t0, 0, 0);
    ev(&t0, MPT_ALIGNED_ALLOC, 500), v(&t0, 256), v(&t0, 512), a(&t0, 0x7f0000010000);
    ev(&t0, MPT_FREE_ALIGNED_SIZED, 510), a(&t0, 0x7f0000010000), v(&t0, 256), v(&t0, 512);
    ev(&t0, MPT_REALLOCARRAY, 520), v(&t0, 3), a(&t0, D), v(&t0, 10), v(&t0, 20),
        a(&t0, 0x7f0000020000);
    ev(&t0, MPT_MEMALIGN, 530), v(&t0, 32), v(&t0, 48), a(&t0, 0x7f0000030000);
    ev(&t0, MPT_VALLOC, 540), v(&t0, 4096), a(&t0, 0x7f0000040000);
    ev(&t0, MPT_PVALLOC, 550), v(&t0, 100), a(&t0, 0x7f0000041000);
    flush(f, &t0, 0, 1);
    if (with_end)
        end(f, N0 + N1, 0, MPT_END_EXIT);
}

/* Writes f to a temporary file and loads it (scan: counting only). */
static int load(const file_t *f, mpb_trace_t *t, int scan) {
    char path[] = "/tmp/mpb-trace-read-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, f->b, f->n), (ssize_t)f->n);
    close(fd);
    int rc = scan ? mpb_trace_scan(path, t) : mpb_trace_load(path, t);
    unlink(path);
    return rc;
}

/* The reference trace (with its END) written and loaded into t (scan:
 * counting only); it must load whole. */
static void load_reference(mpb_trace_t *t, int scan) {
    static file_t f;
    f.n = 0;
    reference(&f, 1);
    cr_assert_eq(load(&f, t, scan), MPB_TRACE_OK, "%s", t->why);
}

static const mpt_event_t *event(const mpb_trace_t *t, size_t th, size_t i) {
    cr_assert_lt(th, t->nth);
    cr_assert_lt(i, t->th[th].n);
    return &t->th[th].ev[i];
}

Test(trace_read, every_kind_decoded_across_blocks) {
    mpb_trace_t t;
    load_reference(&t, 0);
    cr_assert_str_eq(t.hdr.cmd, "./prog --flag");
    cr_assert_eq(t.nth, 2);
    cr_assert_eq(t.nevents, N0 + N1);
    cr_assert_eq(t.th[0].n, N0);
    cr_assert_eq(t.th[1].n, N1);
    cr_assert_eq(t.end_events, N0 + N1);

    const mpt_event_t *e = event(&t, 0, 0);
    cr_assert(e->kind == MPT_MALLOC && e->ts == 100 && e->size == 32 && e->ret == A);
    e = event(&t, 0, 1);
    cr_assert(e->kind == MPT_CALLOC && e->ts == 150 && e->nmemb == 4 && e->size == 8 &&
              e->ret == C);
    cr_assert_eq(mpb_trace_req_bytes(e), 32);
    e = event(&t, 0, 2); /* B is not a multiple of 16 away: the odd encoding */
    cr_assert(e->kind == MPT_REALLOC && e->ts == 200 && e->dur == 7 && e->ptr == A &&
              e->size == 64 && e->ret == B);
    e = event(&t, 0, 3); /* the second block: time and address go on */
    cr_assert(e->kind == MPT_POSIX_MEMALIGN && e->ts == 250 && e->nmemb == 64 && e->size == 100 &&
              e->ret == D && e->rc == 0);
    e = event(&t, 0, 4);
    cr_assert(e->kind == MPT_POSIX_MEMALIGN && e->ret == 0 && e->rc == ENOMEM &&
              e->size == 1ull << 60);
    e = event(&t, 0, 5);
    cr_assert(e->kind == MPT_FREE_SIZED && e->ts == 300 && e->ptr == B && e->size == 64);
    e = event(&t, 0, 7);
    cr_assert(e->kind == MPT_USABLE_SIZE && e->ptr == A && e->size == 16);
    e = event(&t, 0, 9); /* the zstd block */
    cr_assert(e->kind == MPT_FREE_ALIGNED_SIZED && e->ts == 510 && e->ptr == 0x7f0000010000 &&
              e->nmemb == 256 && e->size == 512);
    e = event(&t, 0, 10);
    cr_assert(e->kind == MPT_REALLOCARRAY && e->dur == 3 && e->ptr == D && e->nmemb == 10 &&
              e->size == 20 && e->ret == 0x7f0000020000);
    cr_assert_eq(mpb_trace_req_bytes(e), 200);
    e = event(&t, 0, 13);
    cr_assert(e->kind == MPT_PVALLOC && e->ts == 550 && e->size == 100 && e->ret == 0x7f0000041000);
    e = event(&t, 1, 0);
    cr_assert(e->kind == MPT_FREE && e->tid == 1 && e->ts == 220 && e->ptr == C);

    char buf[128];
    cr_assert_str_eq(mpb_trace_ending(&t, buf, sizeof buf), "exited");
    mpb_trace_free(&t);
}

Test(trace_read, global_order_and_objects) {
    mpb_trace_t t;
    load_reference(&t, 0);
    mpb_torder_t o;
    cr_assert_eq(mpb_trace_order(&t, &o), 0);
    size_t b0 = o.base[0], b1 = o.base[1];
    /* The realloc releases the malloc's object and makes a new one. */
    cr_assert_neq(o.out_obj[b0 + 0], 0);
    cr_assert_eq(o.in_obj[b0 + 2], o.out_obj[b0 + 0]);
    cr_assert_neq(o.out_obj[b0 + 2], o.out_obj[b0 + 0]);
    /* Thread 1 frees thread 0's calloc: cross; its second free is unknown. */
    cr_assert_eq(o.in_obj[b1 + 0], o.out_obj[b0 + 1]);
    cr_assert(o.cross[b1 + 0]);
    cr_assert_eq(o.in_obj[b1 + 1], 0);
    cr_assert_eq(o.cross_frees, 1);
    cr_assert_eq(o.unmatched_frees, 1);
    /* The failed posix_memalign makes no object. */
    cr_assert_eq(o.out_obj[b0 + 4], 0);
    cr_assert_eq(o.failed_allocs, 1);
    /* A's address again at 400, after its release: a new object, not a live reuse. */
    cr_assert_neq(o.out_obj[b0 + 6], 0);
    cr_assert_neq(o.out_obj[b0 + 6], o.out_obj[b0 + 0]);
    cr_assert_eq(o.in_obj[b0 + 7], o.out_obj[b0 + 6], "malloc_usable_size reads the new one");
    cr_assert_eq(o.reused_live, 0);
    cr_assert_eq(o.calls[MPT_MALLOC], 2);
    cr_assert_eq(o.calls[MPT_FREE], 2);
    cr_assert_eq(o.calls[MPT_POSIX_MEMALIGN], 2);
    /* Live by requested size: 32, 64, realloc -> 96 at 207, 64 at 220, 164 at
     * 250, ... 4460 at 550 (the reallocarray's 200, memalign's 48, valloc's
     * 4096, pvalloc's 100 and the second malloc's 16), in 5 objects. */
    cr_assert_eq(o.peak_bytes, 4460);
    cr_assert_eq(o.peak_objects, 5);
    cr_assert_eq(o.first_ts, 100);
    mpb_torder_free(&o);
    mpb_trace_free(&t);
}

Test(trace_read, scan_counts_without_decoding) {
    mpb_trace_t t;
    load_reference(&t, 1);
    cr_assert_eq(t.nevents, N0 + N1);
    cr_assert_eq(t.nth, 2);
    cr_assert_eq(t.th[0].n, 0);
    mpb_trace_free(&t);
}

Test(trace_read, how_the_program_ended) {
    static const struct {
        int sig, how;
        const char *says;
    } ends[] = {
        {SIGTERM, MPT_END_KILLED, "ended by SIGTERM (its default action)"},
        {SIGINT, MPT_END_HANDLED, "exited after handling SIGINT"},
        {0, MPT_END_EXIT, "exited"},
    };
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        static file_t f;
        f.n = 0;
        reference(&f, 0);
        end(&f, N0 + N1, ends[i].sig, ends[i].how);
        mpb_trace_t t;
        cr_assert_eq(load(&f, &t, 0), MPB_TRACE_OK, "%s", t.why);
        char buf[128];
        cr_assert_str_eq(mpb_trace_ending(&t, buf, sizeof buf), ends[i].says);
        mpb_trace_free(&t);
    }
}

/* ---- bad files ---- */

/* Offsets of the reference trace's blocks: START, EVENTS t0 (3), EVENTS t1
 * (2), EVENTS t0 (5), EVENTS t0 zstd (6), END. */
static size_t block_at(const file_t *f, int k) {
    size_t o = MPT_HEADER_SIZE;
    for (int i = 0; i < k; i++) {
        mpt_block_t h;
        memcpy(&h, f->b + o, sizeof h);
        o += sizeof h + h.comp_len;
    }
    return o;
}

/* Rewrites block k's header through fn and, with recrc, its crc. */
static void edit_header(file_t *f, int k, void (*fn)(mpt_block_t *), int recrc) {
    size_t o = block_at(f, k);
    mpt_block_t h;
    memcpy(&h, f->b + o, sizeof h);
    fn(&h);
    if (recrc)
        h.crc = mpt_block_crc(&h, f->b + o + sizeof h);
    memcpy(f->b + o, &h, sizeof h);
}

static void same(mpt_block_t *h) { (void)h; }
static void more_events(mpt_block_t *h) { h->nevents++; }
static void bad_magic(mpt_block_t *h) { h->magic ^= 1; }
static void huge(mpt_block_t *h) { h->comp_len = h->raw_len = MPT_MAX_PAYLOAD + 1; }
static void bad_codec(mpt_block_t *h) { h->codec = 7; }

typedef enum {
    FLIP_PAYLOAD,    /* a byte of block 3's payload */
    CUT_PAYLOAD,     /* the file ends inside block 3's payload */
    CUT_HEADER,      /* ... inside block 3's header */
    NO_END,          /* the END block missing */
    NO_END_WRITE,    /* ... and the recorder said a write failed */
    BLOCK_MAGIC,     /* block 3's magic */
    BLOCK_HUGE,      /* block 3 claims more than MPT_MAX_PAYLOAD */
    MORE_EVENTS,     /* block 3 counts an event it does not hold (crc redone) */
    UNKNOWN_KIND,    /* block 3's first event has kind 99 (crc redone) */
    UNKNOWN_CODEC,   /* block 3's codec 7 (crc redone) */
    FILE_MAGIC,      /* the file header's magic */
    FILE_VERSION,    /* a format version from the future */
    FILE_CUT,        /* the file ends inside its header */
    ONLY_HEADER,     /* no block at all */
    EVENTS_FIRST,    /* an EVENTS block before any START */
    AFTER_END,       /* an EVENTS block after END */
    UNREADABLE_PATH, /* no such file */
} damage_t;

static const struct {
    damage_t how;
    int status;
    const char *why; /* a piece of the reason */
    size_t kept;     /* events of the blocks before the bad one */
} bad[] = {
    {FLIP_PAYLOAD, MPB_TRACE_CORRUPT, "checksum mismatch", 5},
    {CUT_PAYLOAD, MPB_TRACE_TRUNCATED, "cut short inside the block", 5},
    {CUT_HEADER, MPB_TRACE_TRUNCATED, "inside a block header", 5},
    {NO_END, MPB_TRACE_TRUNCATED, "no END block", N0 + N1},
    {NO_END_WRITE, MPB_TRACE_TRUNCATED, "the recording failed", N0 + N1},
    {BLOCK_MAGIC, MPB_TRACE_CORRUPT, "bad block header", 5},
    {BLOCK_HUGE, MPB_TRACE_CORRUPT, "claims", 5},
    {MORE_EVENTS, MPB_TRACE_CORRUPT, "undecodable events", 5},
    {UNKNOWN_KIND, MPB_TRACE_CORRUPT, "undecodable events", 5},
    {UNKNOWN_CODEC, MPB_TRACE_CORRUPT, "cannot decompress", 5},
    {FILE_MAGIC, MPB_TRACE_CORRUPT, "not an mpbench trace", 0},
    {FILE_VERSION, MPB_TRACE_CORRUPT, "format version", 0},
    {FILE_CUT, MPB_TRACE_TRUNCATED, "inside the file header", 0},
    {ONLY_HEADER, MPB_TRACE_TRUNCATED, "no blocks", 0},
    {EVENTS_FIRST, MPB_TRACE_CORRUPT, "before any START", 0},
    {AFTER_END, MPB_TRACE_CORRUPT, "after the END block", N0 + N1},
    {UNREADABLE_PATH, MPB_TRACE_UNREADABLE, "No such file", 0},
};

static void damage(file_t *f, damage_t how) {
    f->n = 0;
    switch (how) {
    case NO_END:
        reference(f, 0);
        return;
    case NO_END_WRITE:
        reference(f, 0);
        ((mpt_file_header_t *)f->b)->rec_error = ENOSPC;
        return;
    case ONLY_HEADER:
    case FILE_CUT:
        header(f, MPT_VERSION, 0);
        if (how == FILE_CUT)
            f->n = 100;
        return;
    case EVENTS_FIRST: {
        enc_t e = {0};
        header(f, MPT_VERSION, 0);
        ev(&e, MPT_MALLOC, 1), v(&e, 8), a(&e, A);
        flush(f, &e, 0, 0);
        start(f);
        end(f, 1, 0, MPT_END_EXIT);
        return;
    }
    case AFTER_END: {
        enc_t e = {.prev_ts = 600};
        reference(f, 1);
        ev(&e, MPT_MALLOC, 700), v(&e, 8), a(&e, A);
        flush(f, &e, 0, 0);
        return;
    }
    default:
        break;
    }
    reference(f, 1);
    size_t o = block_at(f, 3);
    switch (how) {
    case FLIP_PAYLOAD:
        f->b[o + sizeof(mpt_block_t) + 2] ^= 0x40;
        break;
    case CUT_PAYLOAD:
        f->n = o + sizeof(mpt_block_t) + 3;
        break;
    case CUT_HEADER:
        f->n = o + 10;
        break;
    case BLOCK_MAGIC:
        edit_header(f, 3, bad_magic, 1);
        break;
    case BLOCK_HUGE:
        edit_header(f, 3, huge, 0);
        break;
    case MORE_EVENTS:
        edit_header(f, 3, more_events, 1);
        break;
    case UNKNOWN_KIND:
        f->b[o + sizeof(mpt_block_t)] = 99;
        edit_header(f, 3, same, 1);
        break;
    case UNKNOWN_CODEC:
        edit_header(f, 3, bad_codec, 1);
        break;
    case FILE_MAGIC:
        f->b[0] = 'X';
        break;
    case FILE_VERSION:
        ((mpt_file_header_t *)f->b)->version = MPT_VERSION + 1;
        break;
    default:
        break;
    }
}

Test(trace_read, bad_files_named_and_events_before_kept) {
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        static file_t f;
        mpb_trace_t t;
        int rc;
        if (bad[i].how == UNREADABLE_PATH) {
            rc = mpb_trace_load("/nonexistent/mpb-trace", &t);
        } else {
            damage(&f, bad[i].how);
            rc = load(&f, &t, 0);
        }
        cr_expect_eq(rc, bad[i].status, "case %zu: status %s, expected %s (%s)", i,
                     mpb_trace_status_name(rc), mpb_trace_status_name(bad[i].status), t.why);
        cr_expect_eq(t.status, rc, "case %zu: the status is kept in the trace", i);
        cr_expect(strstr(t.why, bad[i].why) != NULL, "case %zu: reason '%s' lacks '%s'", i, t.why,
                  bad[i].why);
        cr_expect_eq(t.nevents, bad[i].kept, "case %zu: %zu events kept, expected %zu", i,
                     t.nevents, bad[i].kept);
        if (bad[i].how == FILE_MAGIC)
            cr_expect_str_eq(t.hdr.cmd, "", "a foreign file shows no command line");
        mpb_trace_free(&t);
    }
}
