/* Trace loading (blocks checked one by one, events decoded per thread) and
 * the global order (process images one after the other, and within one the
 * threads merged by time stamp; realloc counted as a
 * release at its start and a new object at its end; at equal times releases
 * go first, since an address is handed out again only after its free). */
#include "trace/trace_read.h"
#include "common/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

const char *mpb_trace_status_name(int status) {
    static const char *const n[] = {"ok", "truncated", "corrupt", "unreadable"};
    return status >= 0 && status <= MPB_TRACE_UNREADABLE ? n[status] : "?";
}

static int set_status(mpb_trace_t *t, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_status(mpb_trace_t *t, int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->why, sizeof t->why, fmt, ap);
    va_end(ap);
    t->status = status;
    return status;
}

/* The thread (image, tid), created when first seen. */
static mpb_tthread_t *thread_of(mpb_trace_t *t, uint32_t image, uint32_t tid) {
    for (size_t i = t->nth; i-- > 0;)
        if (t->th[i].image == image && t->th[i].tid == tid)
            return &t->th[i];
    t->th = mpb_xrealloc(t->th, (t->nth + 1) * sizeof *t->th);
    mpb_tthread_t *th = &t->th[t->nth++];
    memset(th, 0, sizeof *th);
    th->image = image, th->tid = tid;
    return th;
}

/* Decodes the fields of one event of kind k. Returns 0 or -1. */
static int decode_fields(const uint8_t **p, const uint8_t *end, mpb_tthread_t *th, mpt_event_t *e) {
    uint64_t *pa = &th->prev_addr, rc = 0;
    int bad = 0;
#define V(x) (bad |= mpt_get_varint(p, end, &(x)))
#define A(x) (bad |= mpt_get_addr(p, end, pa, &(x)))
    switch (e->kind) {
    case MPT_MALLOC:
    case MPT_VALLOC:
    case MPT_PVALLOC:
        V(e->size);
        A(e->ret);
        break;
    case MPT_CALLOC:
        V(e->nmemb);
        V(e->size);
        A(e->ret);
        break;
    case MPT_REALLOC:
        V(e->dur);
        A(e->ptr);
        V(e->size);
        A(e->ret);
        break;
    case MPT_REALLOCARRAY:
        V(e->dur);
        A(e->ptr);
        V(e->nmemb);
        V(e->size);
        A(e->ret);
        break;
    case MPT_FREE:
        A(e->ptr);
        break;
    case MPT_FREE_SIZED:
        A(e->ptr);
        V(e->size);
        break;
    case MPT_FREE_ALIGNED_SIZED:
        A(e->ptr);
        V(e->nmemb);
        V(e->size);
        break;
    case MPT_ALIGNED_ALLOC:
    case MPT_MEMALIGN:
        V(e->nmemb);
        V(e->size);
        A(e->ret);
        break;
    case MPT_POSIX_MEMALIGN:
        V(e->nmemb);
        V(e->size);
        A(e->ret);
        V(rc);
        break;
    case MPT_USABLE_SIZE:
        A(e->ptr);
        V(e->size);
        break;
    default:
        return -1;
    }
#undef V
#undef A
    e->rc = (uint32_t)rc;
    return bad ? -1 : 0;
}

/* Decodes a block's raw payload into th. Returns 0 or -1. */
static int decode_events(const uint8_t *p, size_t len, uint32_t nev, mpb_tthread_t *th) {
    const uint8_t *end = p + len;
    if (th->n + nev > th->cap) {
        th->cap = (th->n + nev) * 2;
        th->ev = mpb_xrealloc(th->ev, th->cap * sizeof *th->ev);
    }
    for (uint32_t i = 0; i < nev; i++) {
        mpt_event_t *e = &th->ev[th->n + i];
        uint64_t dt;
        memset(e, 0, sizeof *e);
        if (p >= end)
            return -1;
        e->kind = *p++;
        e->tid = th->tid;
        if (mpt_get_varint(&p, end, &dt) != 0 || decode_fields(&p, end, th, e) != 0)
            return -1;
        /* dt counts from the previous event's (first) stamp: a realloc's
         * start, not its end (the recorder's begin()) */
        e->ts = th->prev_ts + dt;
        th->prev_ts = e->ts;
    }
    if (p != end)
        return -1;
    th->n += nev;
    return 0;
}

/* The payload of block h at data (comp_len bytes) into raw (raw_len bytes). */
static int unpack(const mpt_block_t *h, const uint8_t *data, uint8_t *raw) {
    if (h->codec == 0)
        return h->raw_len == h->comp_len ? (memcpy(raw, data, h->raw_len), 0) : -1;
    if (h->codec != 1)
        return -1;
    size_t n = ZSTD_decompress(raw, h->raw_len, data, h->comp_len);
    return ZSTD_isError(n) || n != h->raw_len ? -1 : 0;
}

/* Adds a CHILD block's process; a program exec'd in a forked child takes
 * the place of that fork's entry. */
static void add_child(mpb_trace_t *t, const mpt_child_t *c) {
    mpb_tchild_t *e = NULL;
    for (size_t i = 0; i < t->nchildren && !e; i++)
        if (t->children[i].pid == c->pid)
            e = &t->children[i];
    if (!e) {
        t->children = mpb_xrealloc(t->children, (t->nchildren + 1) * sizeof *t->children);
        e = &t->children[t->nchildren++];
    } else if (c->kind != MPT_CHILD_EXEC) {
        return;
    }
    e->pid = c->pid, e->ppid = c->ppid, e->kind = c->kind, e->traced = c->trace != 0;
    memcpy(e->exe, c->exe, sizeof e->exe);
    e->exe[sizeof e->exe - 1] = '\0';
}

#define GO_ON 100 /* read_block: the block was good, read the next */

/* One block at off; returns GO_ON, 0 at a clean end, or a status. */
static int read_block(mpb_trace_t *t, const uint8_t *buf, size_t size, size_t *off, uint8_t *raw,
                      int *ended, int decode) {
    size_t o = *off;
    mpt_block_t h;
    if (o == size)
        return 0;
    if (size - o < sizeof h)
        return set_status(t, MPB_TRACE_TRUNCATED, "cut short inside a block header at offset %zu",
                          o);
    memcpy(&h, buf + o, sizeof h);
    if (h.magic != MPT_BLOCK_MAGIC || h.type < MPT_BLK_EVENTS || h.type > MPT_BLK_CHILD)
        return set_status(t, MPB_TRACE_CORRUPT, "bad block header at offset %zu", o);
    if (*ended && h.type != MPT_BLK_CHILD) /* children may outlive the program */
        return set_status(t, MPB_TRACE_CORRUPT, "data after the END block at offset %zu", o);
    if (h.raw_len > MPT_MAX_PAYLOAD || h.comp_len > MPT_MAX_PAYLOAD)
        return set_status(t, MPB_TRACE_CORRUPT, "block at offset %zu claims %u bytes", o,
                          h.comp_len);
    if (size - o - sizeof h < h.comp_len)
        return set_status(t, MPB_TRACE_TRUNCATED,
                          "cut short inside the block at offset %zu "
                          "(%zu of %u payload bytes)",
                          o, size - o - sizeof h, h.comp_len);
    const uint8_t *data = buf + o + sizeof h;
    if ((t->hdr.version == 1 ? mpt_crc32(data, h.comp_len) : mpt_block_crc(&h, data)) != h.crc)
        return set_status(t, MPB_TRACE_CORRUPT, "checksum mismatch in the block at offset %zu", o);
    if ((decode || h.type != MPT_BLK_EVENTS) && unpack(&h, data, raw) != 0)
        return set_status(t, MPB_TRACE_CORRUPT, "cannot decompress the block at offset %zu", o);
    if (h.type == MPT_BLK_START) {
        t->nimages++;
    } else if (h.type == MPT_BLK_CHILD) {
        if (h.raw_len != sizeof(mpt_child_t))
            return set_status(t, MPB_TRACE_CORRUPT, "bad CHILD block at offset %zu", o);
        add_child(t, (const mpt_child_t *)raw);
    } else if (!t->nimages) {
        return set_status(t, MPB_TRACE_CORRUPT, "block at offset %zu comes before any START", o);
    } else if (h.type == MPT_BLK_END) {
        mpt_end_t e;
        if (h.raw_len != sizeof e)
            return set_status(t, MPB_TRACE_CORRUPT, "bad END block at offset %zu", o);
        memcpy(&e, raw, sizeof e);
        t->end_events = e.events, t->end_dropped = e.dropped;
        t->end_signal = e.signal, t->end_how = e.how;
        *ended = 1;
    } else if (!decode) {
        thread_of(t, t->nimages - 1, h.tid);
        t->nevents += h.nevents;
    } else if (decode_events(raw, h.raw_len, h.nevents, thread_of(t, t->nimages - 1, h.tid)) != 0) {
        return set_status(t, MPB_TRACE_CORRUPT, "undecodable events in the block at offset %zu", o);
    } else {
        t->nevents += h.nevents;
    }
    *off = o + sizeof h + h.comp_len;
    t->good_bytes = *off;
    return GO_ON;
}

/* Checks the file header; returns OK or a status. */
static int check_header(mpb_trace_t *t, const uint8_t *buf, size_t size, const char *path) {
    if (size < MPT_HEADER_SIZE)
        return set_status(
            t,
            size >= 8 && !memcmp(buf, MPT_FILE_MAGIC, 8) ? MPB_TRACE_TRUNCATED : MPB_TRACE_CORRUPT,
            "%s: %s", path,
            size >= 8 && !memcmp(buf, MPT_FILE_MAGIC, 8) ? "cut short inside the file header"
                                                         : "not an mpbench trace");
    memcpy(&t->hdr, buf, sizeof t->hdr);
    t->hdr.cmd[sizeof t->hdr.cmd - 1] = '\0';
    if (memcmp(t->hdr.magic, MPT_FILE_MAGIC, 8) != 0) {
        t->hdr.cmd[0] = '\0'; /* not ours: no command line to show */
        return set_status(t, MPB_TRACE_CORRUPT, "%s: not an mpbench trace (bad magic)", path);
    }
    if (t->hdr.version < 1 || t->hdr.version > MPT_VERSION || t->hdr.header_size != MPT_HEADER_SIZE)
        return set_status(t, MPB_TRACE_CORRUPT,
                          "%s: trace format version %u, this mpbench "
                          "reads versions 1 to %u",
                          path, t->hdr.version, MPT_VERSION);
    return MPB_TRACE_OK;
}

/* mpb_trace_load and mpb_trace_scan: decode 0 checks blocks only. */
static int load(const char *path, mpb_trace_t *t, int decode) {
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t size = 0, cap = 0, n;
    if (!f)
        return set_status(t, MPB_TRACE_UNREADABLE, "%s: %s", path, strerror(errno));
    do {
        if (size + 65536 > cap)
            buf = mpb_xrealloc(buf, cap = cap * 2 + 65536);
        n = fread(buf + size, 1, cap - size, f);
        size += n;
    } while (n > 0);
    int err = ferror(f);
    fclose(f);
    t->file_size = size;
    if (err) {
        free(buf);
        return set_status(t, MPB_TRACE_UNREADABLE, "%s: read error", path);
    }
    int rc = check_header(t, buf, size, path);
    uint8_t *raw = mpb_xrealloc(NULL, MPT_MAX_PAYLOAD);
    size_t off = MPT_HEADER_SIZE;
    int ended = 0;
    while (rc == MPB_TRACE_OK &&
           (rc = read_block(t, buf, size, &off, raw, &ended, decode)) == GO_ON)
        rc = MPB_TRACE_OK;
    free(raw), free(buf);
    if (rc == 0 && !t->nimages)
        set_status(t, MPB_TRACE_TRUNCATED,
                   "no blocks: the recorder never ran in the program (statically "
                   "linked, setuid, or LD_PRELOAD removed before it started?)");
    else if (!ended && t->hdr.rec_error && (rc == 0 || rc == MPB_TRACE_TRUNCATED))
        set_status(t, MPB_TRACE_TRUNCATED,
                   "the recording failed: a write to the trace failed (%s) after %zu events, "
                   "and the recorder stopped there",
                   strerror((int)t->hdr.rec_error), t->nevents);
    else if (rc == 0 && !ended)
        set_status(t, MPB_TRACE_TRUNCATED,
                   "no END block: the recorded program was killed (SIGKILL) or "
                   "the trace was cut short after %zu events",
                   t->nevents);
    else if (rc == 0)
        t->status = MPB_TRACE_OK;
    return t->status;
}

int mpb_trace_load(const char *path, mpb_trace_t *t) { return load(path, t, 1); }

int mpb_trace_scan(const char *path, mpb_trace_t *t) { return load(path, t, 0); }

void mpb_trace_free(mpb_trace_t *t) {
    for (size_t i = 0; i < t->nth; i++)
        free(t->th[i].ev);
    free(t->th);
    free(t->children);
    memset(t, 0, sizeof *t);
}

const char *mpb_trace_ending(const mpb_trace_t *t, char *buf, size_t len) {
    char sig[32];
    const char *abbrev = t->end_signal ? sigabbrev_np(t->end_signal) : NULL;
    if (abbrev)
        mpb_fmt(sig, sizeof sig, "SIG%s", abbrev);
    else
        mpb_fmt(sig, sizeof sig, "signal %d", t->end_signal);
    if (t->end_how == MPT_END_KILLED)
        mpb_fmt(buf, len, "ended by %s (its default action)", sig);
    else if (t->end_how == MPT_END_HANDLED)
        mpb_fmt(buf, len, "exited after handling %s", sig);
    else
        mpb_fmt(buf, len, "exited");
    return buf;
}

size_t mpb_trace_children_untraced(const mpb_trace_t *t) {
    size_t n = 0;
    for (size_t i = 0; i < t->nchildren; i++)
        n += !t->children[i].traced;
    return n;
}

const char *mpb_trace_children_note(const mpb_trace_t *t, char *buf, size_t len) {
    size_t o = 0, forks = 0, traced = 0;
    buf[0] = '\0';
    if (!t->nchildren)
        return buf;
    for (size_t i = 0; i < t->nchildren; i++)
        forks += t->children[i].kind == MPT_CHILD_FORK, traced += t->children[i].traced;
    if (traced == t->nchildren) {
        o += (size_t)mpb_fmt(buf, len,
                             "%zu process%s the program started %s recorded into %s "
                             "own trace%s:",
                             traced, traced == 1 ? "" : "es", traced == 1 ? "was" : "were",
                             traced == 1 ? "its" : "their", traced == 1 ? "" : "s");
        for (size_t i = 0; i < t->nchildren && i < 8 && o < len; i++) {
            const char *base = strrchr(t->children[i].exe, '/');
            o += (size_t)mpb_fmt(buf + o, len - o, "%s %s (TRACE.%u, parent %u)", i ? "," : "",
                                 base ? base + 1 : t->children[i].exe, t->children[i].pid,
                                 t->children[i].ppid);
        }
        if (t->nchildren > 8 && o < len)
            mpb_fmt(buf + o, len - o, ", and %zu more", t->nchildren - 8);
        return buf;
    }
    o += (size_t)mpb_fmt(buf, len,
                         "%zu process%s the program started %s not recorded:", t->nchildren,
                         t->nchildren == 1 ? "" : "es", t->nchildren == 1 ? "is" : "are");
    for (size_t i = 0; i < t->nchildren && i < 8 && o < len; i++) {
        const char *base = strrchr(t->children[i].exe, '/');
        o += (size_t)mpb_fmt(buf + o, len - o, "%s %s (pid %u%s)", i ? "," : "",
                             base ? base + 1 : t->children[i].exe, t->children[i].pid,
                             t->children[i].traced                   ? ", in TRACE.<pid>"
                             : t->children[i].kind == MPT_CHILD_FORK ? ", a fork"
                                                                     : "");
    }
    if (t->nchildren > 8 && o < len)
        o += (size_t)mpb_fmt(buf + o, len - o, ", and %zu more", t->nchildren - 8);
    if (o < len)
        mpb_fmt(buf + o, len - o,
                "; their allocations are not in this trace (record --follow records each program "
                "a child runs into its own trace%s)",
                forks ? "; a fork's calls after the fork are not recorded" : "");
    return buf;
}

uint64_t mpb_trace_req_bytes(const mpt_event_t *e) {
    if (e->kind == MPT_CALLOC || e->kind == MPT_REALLOCARRAY)
        return e->nmemb * e->size;
    return e->size;
}

/* ------------------------------------------------------------ ordering */

/* One point in time: an event, or one half of a realloc. */
typedef struct point {
    uint32_t image; /* process images in order: each has its own clock map */
    uint64_t ts;
    uint32_t th;
    uint16_t half; /* 0: release (or whole event), 1: allocation */
    uint16_t rel;  /* 1: the point releases an object */
    size_t idx;
} point_t;

static int cmp_point(const void *a, const void *b) {
    const point_t *x = a, *y = b;
    if (x->image != y->image)
        return x->image < y->image ? -1 : 1;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->rel != y->rel)
        return x->rel ? -1 : 1;
    if (x->th != y->th)
        return x->th < y->th ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Open-addressing map from address to object number (+1; 0 = empty slot,
 * tombstones are UINT32_MAX). */
typedef struct amap {
    uint64_t *key;
    uint32_t *val;
    size_t cap, used;
} amap_t;

static size_t slot_of(uint64_t a, size_t cap) {
    return (size_t)((a >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

static void amap_init(amap_t *m, size_t cap) {
    m->cap = cap, m->used = 0;
    m->key = mpb_xrealloc(NULL, cap * sizeof *m->key);
    m->val = calloc(cap, sizeof *m->val);
    if (!m->val)
        m->val = mpb_xrealloc(NULL, 0);
}

/* Slot holding a, or the empty slot where it would go. */
static size_t amap_find(const amap_t *m, uint64_t a) {
    size_t i = slot_of(a, m->cap);
    while (m->val[i] && !(m->val[i] != UINT32_MAX && m->key[i] == a))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void amap_put(amap_t *m, uint64_t a, uint32_t v);

static void amap_grow(amap_t *m) {
    amap_t n;
    amap_init(&n, m->cap * 2);
    for (size_t i = 0; i < m->cap; i++)
        if (m->val[i] && m->val[i] != UINT32_MAX)
            amap_put(&n, m->key[i], m->val[i]);
    free(m->key), free(m->val);
    *m = n;
}

/* Sets a's value. A new key takes the first tombstone on its probe path:
 * a program reuses the same few addresses millions of times, and a key
 * always put past its own earlier tombstones made each probe walk all of
 * them (quadratic: a 3M-event trace of one reused address took minutes). */
static void amap_put(amap_t *m, uint64_t a, uint32_t v) {
    if ((m->used + 1) * 2 > m->cap)
        amap_grow(m);
    size_t i = slot_of(a, m->cap), tomb = SIZE_MAX;
    for (; m->val[i]; i = (i + 1) & (m->cap - 1)) {
        if (m->val[i] == UINT32_MAX) {
            if (tomb == SIZE_MAX)
                tomb = i;
        } else if (m->key[i] == a) {
            break;
        }
    }
    if (!m->val[i]) {
        if (tomb != SIZE_MAX)
            i = tomb; /* counted in used already */
        else
            m->used++;
    }
    m->key[i] = a, m->val[i] = v;
}

/* Removes a; returns its value or 0. */
static uint32_t amap_take(amap_t *m, uint64_t a, int remove) {
    size_t i = amap_find(m, a);
    uint32_t v = m->val[i];
    if (v && remove)
        m->val[i] = UINT32_MAX;
    return v;
}

/* Builds the sorted points; time stamps made strictly increasing per thread. */
static point_t *make_points(const mpb_trace_t *t, size_t *np) {
    size_t n = 0, k = 0;
    for (size_t i = 0; i < t->nth; i++)
        n += t->th[i].n * 2;
    point_t *p = mpb_xrealloc(NULL, (n + 1) * sizeof *p);
    for (size_t i = 0; i < t->nth; i++) {
        uint64_t last = 0;
        for (size_t j = 0; j < t->th[i].n; j++) {
            const mpt_event_t *e = &t->th[i].ev[j];
            uint64_t ts = e->ts > last ? e->ts : last + 1;
            int re = e->kind == MPT_REALLOC || e->kind == MPT_REALLOCARRAY;
            p[k++] = (point_t){t->th[i].image, ts, (uint32_t)i, 0, mpt_kind_frees(e->kind) != 0, j};
            last = ts;
            if (re) {
                last = e->ts + e->dur > last ? e->ts + e->dur : last + 1;
                p[k++] = (point_t){t->th[i].image, last, (uint32_t)i, 1, 0, j};
            }
        }
    }
    qsort(p, k, sizeof *p, cmp_point);
    *np = k;
    return p;
}

/* The release half of event e (thread th, global index g). */
static void release(mpb_torder_t *o, amap_t *m, const mpt_event_t *e, uint32_t th, size_t g,
                    uint64_t *live_b, uint64_t *live_o, const uint64_t *obj_size) {
    int re = e->kind == MPT_REALLOC || e->kind == MPT_REALLOCARRAY;
    int keep = e->kind == MPT_USABLE_SIZE || (re && e->ret == 0 && mpb_trace_req_bytes(e) != 0);
    if (!e->ptr)
        return;
    uint32_t v = amap_take(m, e->ptr, !keep);
    if (!v) {
        o->unmatched_frees += e->kind != MPT_USABLE_SIZE;
        return;
    }
    o->in_obj[g] = v;
    o->cross[g] = o->creator[v - 1] != th;
    if (!keep) {
        o->cross_frees += o->cross[g] && !re;
        *live_b -= obj_size[v - 1];
        *live_o -= 1;
    }
}

/* The allocation half of event e. */
static void allocate(mpb_torder_t *o, amap_t *m, const mpt_event_t *e, uint32_t th, size_t g,
                     uint64_t *live_b, uint64_t *live_o, uint64_t *obj_size) {
    uint64_t req = mpb_trace_req_bytes(e);
    if (!e->ret) {
        o->failed_allocs += req != 0 || (e->kind != MPT_REALLOC && e->kind != MPT_REALLOCARRAY);
        return;
    }
    uint32_t id = (uint32_t)o->nobjects++;
    o->creator[id] = th, obj_size[id] = req;
    if (amap_take(m, e->ret, 1))
        o->reused_live++;
    amap_put(m, e->ret, id + 1);
    o->out_obj[g] = id + 1;
    o->hist[req ? 64 - __builtin_clzll(req) : 0]++;
    *live_b += req, *live_o += 1;
    if (*live_b > o->peak_bytes)
        o->peak_bytes = *live_b;
    if (*live_o > o->peak_objects)
        o->peak_objects = *live_o;
}

int mpb_trace_order(const mpb_trace_t *t, mpb_torder_t *o) {
    memset(o, 0, sizeof *o);
    size_t n = t->nevents + 1, np;
    o->base = mpb_xrealloc(NULL, (t->nth + 1) * sizeof *o->base);
    o->in_obj = calloc(n, sizeof *o->in_obj);
    o->out_obj = calloc(n, sizeof *o->out_obj);
    o->cross = calloc(n, 1);
    o->creator = mpb_xrealloc(NULL, n * sizeof *o->creator);
    uint64_t *obj_size = mpb_xrealloc(NULL, n * sizeof *obj_size);
    if (!o->in_obj || !o->out_obj || !o->cross)
        return free(obj_size), -1;
    for (size_t i = 0, b = 0; i < t->nth; b += t->th[i++].n)
        o->base[i] = b;
    point_t *p = make_points(t, &np);
    amap_t m;
    amap_init(&m, 1024);
    uint64_t live_b = 0, live_o = 0;
    uint32_t image = 0;
    for (size_t k = 0; k < np; k++) {
        const mpb_tthread_t *th = &t->th[p[k].th];
        const mpt_event_t *e = &th->ev[p[k].idx];
        size_t g = o->base[p[k].th] + p[k].idx;
        if (th->image != image) { /* exec: the old image's objects are gone */
            free(m.key), free(m.val);
            amap_init(&m, 1024);
            live_b = live_o = 0, image = th->image;
        }
        int re = e->kind == MPT_REALLOC || e->kind == MPT_REALLOCARRAY;
        if (p[k].half == 0) {
            o->calls[e->kind < MPT_NKINDS ? e->kind : 0]++;
            if (!o->first_ts || e->ts < o->first_ts)
                o->first_ts = e->ts;
            if (e->ts > o->last_ts)
                o->last_ts = e->ts;
            if (mpt_kind_frees(e->kind) || e->kind == MPT_USABLE_SIZE)
                release(o, &m, e, p[k].th, g, &live_b, &live_o, obj_size);
        }
        if ((p[k].half == 1 || !re) && mpt_kind_allocates(e->kind))
            allocate(o, &m, e, p[k].th, g, &live_b, &live_o, obj_size);
    }
    free(m.key), free(m.val), free(p), free(obj_size);
    return 0;
}

void mpb_torder_free(mpb_torder_t *o) {
    free(o->base), free(o->in_obj), free(o->out_obj), free(o->cross), free(o->creator);
    memset(o, 0, sizeof *o);
}
