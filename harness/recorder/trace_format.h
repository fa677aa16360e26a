/* The mpbench allocation trace format, shared by the recorder library
 * (libmpatrace.so), mpbench's reader (trace-stat, replay plans) and the
 * tests. A trace is a file header followed by blocks; every block is written
 * with one write(2) on an O_APPEND descriptor, so blocks of different
 * threads never interleave and a trace cut short is readable up to its last
 * whole block. All integers are little-endian (x86-64 and arm64 hosts).
 *
 *   file   := header block*
 *   header := mpt_file_header_t (256 bytes, written by `mpbench record`)
 *   block  := mpt_block_t + payload[comp_len]
 *             crc: mpt_block_crc, over the header (crc field 0) and the payload
 *
 * Block types: EVENTS (one thread's events, zstd-compressed varints),
 * START (a process image began: after exec the new image starts thread
 * numbers from 0 again), END (end of the recorded process: totals, and the
 * signal that stopped it, if one did: the trace is whole either way), CHILD
 * (a process the recorded one started, which is not in this trace: written
 * by that child, so it may come after END; with `record --follow` a program
 * a descendant exec'd is recorded into <trace>.<pid>, and its note says so). A trace without END was cut
 * short (the program was killed by SIGKILL, or the disk filled: the header's
 * rec_error then holds the errno of the write that failed): readers say so. */
#ifndef MPT_TRACE_FORMAT_H
#define MPT_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define MPT_FILE_MAGIC  "MPATRACE" /* 8 bytes, no NUL */
#define MPT_VERSION     2u         /* 1: block crc over the payload only (still read) */
#define MPT_HEADER_SIZE 256u

/* The file header; cmd is the recorded command line, NUL-terminated. */
typedef struct mpt_file_header {
    char magic[8];
    uint32_t version;     /* MPT_VERSION */
    uint32_t header_size; /* MPT_HEADER_SIZE */
    uint64_t start_ns;    /* CLOCK_MONOTONIC when recording began */
    uint32_t pid;         /* the recorded process */
    uint32_t rec_error;   /* 0, or the errno of a trace write that failed (the
                             recorder stopped there: the trace is cut short) */
    char cmd[MPT_HEADER_SIZE - 32];
} mpt_file_header_t;

enum { MPT_BLK_EVENTS = 1, MPT_BLK_START = 2, MPT_BLK_END = 3, MPT_BLK_CHILD = 4 };
#define MPT_BLOCK_MAGIC 0x4b4c4254u /* "TBLK" */
#define MPT_MAX_PAYLOAD (1u << 20)  /* readers refuse larger blocks */

/* Header of every block (32 bytes). */
typedef struct mpt_block {
    uint32_t magic;    /* MPT_BLOCK_MAGIC */
    uint32_t type;     /* MPT_BLK_* */
    uint32_t tid;      /* EVENTS: thread number within the image */
    uint32_t nevents;  /* EVENTS: events in the payload */
    uint32_t raw_len;  /* payload length once decompressed */
    uint32_t comp_len; /* payload length in the file */
    uint32_t crc;      /* mpt_block_crc (version 1: crc32 of the payload only) */
    uint32_t codec;    /* 0: stored raw, 1: zstd */
} mpt_block_t;

/* END payload: what the recorder saw (uncompressed). */
typedef struct mpt_end {
    uint64_t events;  /* events written by this image */
    uint64_t dropped; /* calls not recorded (re-entered from a signal handler) */
    uint32_t threads; /* threads that recorded in this image */
    uint16_t signal;  /* 0, or the stop signal (SIGINT, SIGTERM, SIGHUP, ...) it received */
    uint16_t how;     /* MPT_END_*: how the process ended */
} mpt_end_t;

enum {
    MPT_END_EXIT = 0,    /* exit() or a return from main (signal: 0) */
    MPT_END_KILLED = 1,  /* died of `signal`'s default action (written just before) */
    MPT_END_HANDLED = 2, /* exited after its own handler of `signal` ran */
};

/* CHILD payload: a process the recorded program started (a fork that did
 * not exec, or a program exec'd in a child), not recorded in this trace. */
typedef struct mpt_child {
    uint32_t pid, ppid;
    uint32_t kind;  /* MPT_CHILD_* */
    uint32_t trace; /* 1: recorded into its own trace, <this trace>.<pid> */
    char exe[240];  /* its program (exec) or the parent's (fork), NUL-terminated */
} mpt_child_t;

enum { MPT_CHILD_EXEC = 1, MPT_CHILD_FORK = 2 };

/* START payload. */
typedef struct mpt_start {
    uint64_t start_ns; /* CLOCK_MONOTONIC at image start */
    uint32_t pid;
    uint32_t ppid; /* a child recorded into its own trace (record --follow): its parent; else 0 */
} mpt_start_t;

/* Event kinds (one byte each in the payload). */
enum {
    MPT_MALLOC = 1,
    MPT_CALLOC,
    MPT_REALLOC,
    MPT_REALLOCARRAY,
    MPT_FREE,
    MPT_FREE_SIZED,
    MPT_FREE_ALIGNED_SIZED,
    MPT_ALIGNED_ALLOC,
    MPT_POSIX_MEMALIGN,
    MPT_MEMALIGN,
    MPT_VALLOC,
    MPT_PVALLOC,
    MPT_USABLE_SIZE,
    MPT_NKINDS
};

/* Event encoding, per thread, continuing across that thread's blocks:
 *   kind:u8  dt:varint  fields...
 * dt: nanoseconds since the thread's previous event's stamp (for a realloc,
 * its start stamp: the duration is not added; the first event: since 0).
 * Time stamps are taken after the call for allocations (so an address is
 * reused only after the free that released it), before it for frees, and
 * both for reallocs (dt, then the call's duration as a varint).
 * Sizes are varints; addresses are the signed difference from the thread's
 * previous address field, zigzag, shifted left by one with the low bit
 * saying "not divided by 16". Fields by kind:
 *   MALLOC VALLOC PVALLOC        size ret
 *   CALLOC                       nmemb size ret
 *   REALLOC                      dur ptr size ret
 *   REALLOCARRAY                 dur ptr nmemb size ret
 *   FREE                         ptr
 *   FREE_SIZED                   ptr size
 *   FREE_ALIGNED_SIZED           ptr align size
 *   ALIGNED_ALLOC MEMALIGN       align size ret
 *   POSIX_MEMALIGN               align size ret rc      (ret 0 when rc != 0)
 *   USABLE_SIZE                  ptr size(result) */

/* One decoded event. */
typedef struct mpt_event {
    uint8_t kind;
    uint32_t tid;
    uint64_t ts;    /* ns, CLOCK_MONOTONIC */
    uint64_t dur;   /* realloc's duration, ns */
    uint64_t ptr;   /* input pointer (realloc, frees, usable size) */
    uint64_t nmemb; /* calloc/reallocarray count, or alignment */
    uint64_t size;  /* size argument (usable size: the result) */
    uint64_t ret;   /* returned pointer (0 when the call failed) */
    uint32_t rc;    /* posix_memalign's return value */
} mpt_event_t;

/* Worst-case encoded size of one event. */
#define MPT_EVENT_MAX 64

/* Name of an event kind ("malloc", ...), "?" when unknown. */
static inline const char *mpt_kind_name(unsigned k) {
    static const char *const names[MPT_NKINDS] = {"?",
                                                  "malloc",
                                                  "calloc",
                                                  "realloc",
                                                  "reallocarray",
                                                  "free",
                                                  "free_sized",
                                                  "free_aligned_sized",
                                                  "aligned_alloc",
                                                  "posix_memalign",
                                                  "memalign",
                                                  "valloc",
                                                  "pvalloc",
                                                  "malloc_usable_size"};
    return k < MPT_NKINDS ? names[k] : "?";
}

/* 1 for kinds that return a new object. */
static inline int mpt_kind_allocates(unsigned k) {
    return k == MPT_MALLOC || k == MPT_CALLOC || k == MPT_REALLOC || k == MPT_REALLOCARRAY ||
           k == MPT_ALIGNED_ALLOC || k == MPT_POSIX_MEMALIGN || k == MPT_MEMALIGN ||
           k == MPT_VALLOC || k == MPT_PVALLOC;
}

/* 1 for kinds that release their input pointer. */
static inline int mpt_kind_frees(unsigned k) {
    return k == MPT_FREE || k == MPT_FREE_SIZED || k == MPT_FREE_ALIGNED_SIZED ||
           k == MPT_REALLOC || k == MPT_REALLOCARRAY;
}

/* ---- varints (LEB128) and zigzag ---- */

static inline uint8_t *mpt_put_varint(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Reads a varint from [*p, end); returns 0, or -1 when cut short or too long. */
static inline int mpt_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* Encodes address a relative to *prev (see the format comment). */
static inline uint8_t *mpt_put_addr(uint8_t *p, uint64_t a, uint64_t *prev) {
    int64_t d = (int64_t)(a - *prev);
    *prev = a;
    if ((d & 15) == 0) {
        int64_t q = d / 16;
        return mpt_put_varint(p, (((uint64_t)q << 1) ^ (uint64_t)(q >> 63)) << 1);
    }
    return mpt_put_varint(p, ((((uint64_t)d << 1) ^ (uint64_t)(d >> 63)) << 1) | 1);
}

/* Decodes an address written by mpt_put_addr. Returns 0 or -1. */
static inline int mpt_get_addr(const uint8_t **p, const uint8_t *end, uint64_t *prev, uint64_t *a) {
    uint64_t v;
    if (mpt_get_varint(p, end, &v) != 0)
        return -1;
    uint64_t z = v >> 1;
    int64_t d = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    if (!(v & 1))
        d *= 16;
    *a = *prev + (uint64_t)d;
    *prev = *a;
    return 0;
}

/* CRC-32 (IEEE, reflected) of n bytes at buf continuing crc (0 to start),
 * as zlib's crc32(crc, buf, n) computes it. Slicing by 8 (eight 256-entry
 * tables, filled on first use): about one cycle per byte instead of five. */
static inline uint32_t mpt_crc32_up(uint32_t crc, const void *buf, size_t n) {
    static uint32_t tab[8][256];
    if (!tab[0][1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            tab[0][i] = c;
        }
        for (uint32_t i = 0; i < 256; i++)
            for (int t = 1; t < 8; t++)
                tab[t][i] = (tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xff];
    }
    uint32_t c = crc ^ 0xffffffffu;
    const uint8_t *p = buf;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        c = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^ tab[5][(lo >> 16) & 0xff] ^
            tab[4][lo >> 24] ^ tab[3][p[4]] ^ tab[2][p[5]] ^ tab[1][p[6]] ^ tab[0][p[7]];
    }
    while (n--)
        c = tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* CRC-32 of n bytes at buf. */
static inline uint32_t mpt_crc32(const void *buf, size_t n) { return mpt_crc32_up(0, buf, n); }

/* The crc of a block (format version 2): its header h with the crc field
 * taken as 0, then its payload (h->comp_len bytes at payload), so a flipped
 * thread number or event count is caught as well as a flipped payload byte. */
static inline uint32_t mpt_block_crc(const mpt_block_t *h, const void *payload) {
    mpt_block_t z = *h;
    z.crc = 0;
    return mpt_crc32_up(mpt_crc32_up(0, &z, sizeof z), payload, h->comp_len);
}

#endif /* MPT_TRACE_FORMAT_H */
