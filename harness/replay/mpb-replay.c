/* mpb-replay: the child of `mpbench replay` and of `trace:` workloads. It
 * replays a plan (plan_format.h) on whatever malloc is loaded (LD_PRELOAD):
 * one thread per recorded thread, each in its recorded order; an op on an
 * object another thread created first waits until that thread made it.
 * Every new object gets its first 64 bytes and one byte per 4 KiB page
 * written, as a program would use it. The harness's own memory (plan
 * chunks, the object table) comes from mmap, never from the heap measured.
 *
 * Threads start as they did when recorded: the main thread starts them in
 * the plan's order, each once the threads that had ended before it began
 * have ended here too (plan_format.h), so no more are alive at once than
 * were (a program of many short-lived threads used to replay with all of
 * them alive and all their objects live together).
 *
 * Allocator time: each call is timed by the clock reads around it, and the
 * cost of those reads is measured right after it by a second, empty pair
 * (same thread, same moment, same CPU speed); alloc_s is the time around
 * the calls less, per thread, its calls times the median cost of its empty
 * pairs (the median: a pair that a preemption lands in does not count).
 * (It used to subtract a cost measured on empty passes after the replay: a
 * CPU running slower or busier then than during the replay made the
 * difference negative, printed as 0.)
 * Output: mpbench-ops (calls made), mpbench-alloc_s, mpbench-harness_ns_per_call
 * (the clock pair's cost per call, subtracted), mpbench-replay_s,
 * mpbench-ops_s (= replay_s: ops_per_s is calls per second of replay, not
 * of the child's whole life with its plan loading), mpbench-live_peak_bytes
 * (recorded), mpbench-replay_live_peak_bytes (the peak of live requested
 * bytes in this replay), mpbench-replay_threads_peak and
 * mpbench-recorded_threads_peak (threads alive at once),
 * mpbench-replay_start_ms (where the replay began, in ms since mpbench
 * started the run's clock: $MPB_START_NS; the timeline plot marks it) and
 * mpbench-trace: truncated for a plan of a trace cut short. Exit 0; 1 when
 * the replay cannot go on (an allocation the recorded program got fails
 * here); 2 for a bad command line or plan. */
#include "plan_format.h"
#include "../recorder/trace_format.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK      4096 /* ops read per pread */
#define HBUCKETS   2048 /* histogram of a clock pair's cost: 1 ns steps to 1024, then 16 ns */
#define TOUCH_HEAD 64   /* bytes written at the start of each object */
#define PAGE       4096

typedef struct rthread {
    const mpb_plan_thread_t *pt;
    pthread_t handle;
    int started;
    mpb_plan_op_t *buf;                /* CHUNK ops, mmap'd */
    uint64_t call_ns, clock_ns, calls; /* time around the calls, the clock pairs' own */
    int failed;                        /* 1: stopped with a message in err */
    char err[256];
} rthread_t;

static int plan_fd;
static mpb_plan_header_t hdr;
static void **objs;            /* objs[id]: the object made for id */
static uint64_t *objsize;      /* objsize[id]: its requested bytes */
static _Atomic uint8_t *ready; /* ready[id]: objs[id] is set */
static atomic_int stop;
static _Atomic int64_t live, live_peak; /* requested bytes live now / at most */
static atomic_uint alive, alive_peak;   /* threads running now / at most */
/* Thread ends, in the recorded order of ends: ended[rank] is set when the
 * thread of that end rank is done; ended_prefix counts the leading ones. */
static uint8_t *ended;
static _Atomic uint32_t ended_prefix;
static pthread_mutex_t end_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t end_cond = PTHREAD_COND_INITIALIZER;
static void (*free_sized_fn)(void *, size_t);
static void (*free_aligned_sized_fn)(void *, size_t, size_t);

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *map(size_t n) {
    void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "mpb-replay: cannot map %zu bytes: %s\n", n, strerror(errno));
        exit(2);
    }
    return p;
}

static void touch(void *p, uint64_t size) {
    if (!p)
        return;
    memset(p, 0xa5, size < TOUCH_HEAD ? size : TOUCH_HEAD);
    for (uint64_t off = PAGE; off < size; off += PAGE)
        ((volatile char *)p)[off] = 1;
}

/* Waits until object id exists (its creator is another thread). */
static void wait_for(uint32_t id) {
    for (unsigned spins = 0; !atomic_load_explicit(&ready[id], memory_order_acquire); spins++) {
        if (atomic_load_explicit(&stop, memory_order_relaxed))
            return;
        if (spins > 64)
            sched_yield();
    }
}

/* Makes the call of op on in; returns its result pointer (or NULL). */
static void *call(const mpb_plan_op_t *op, void *in, size_t *usable) {
    void *p = NULL;
    switch (op->kind) {
    case MPT_MALLOC:
        return malloc(op->size);
    case MPT_CALLOC:
        return calloc(op->a, op->size);
    case MPT_REALLOC:
        return realloc(in, op->size);
    case MPT_REALLOCARRAY:
        return reallocarray(in, op->a, op->size);
    case MPT_FREE:
        free(in);
        return NULL;
    case MPT_FREE_SIZED:
        free_sized_fn ? free_sized_fn(in, op->size) : free(in);
        return NULL;
    case MPT_FREE_ALIGNED_SIZED:
        free_aligned_sized_fn ? free_aligned_sized_fn(in, op->a, op->size) : free(in);
        return NULL;
    case MPT_ALIGNED_ALLOC:
        return aligned_alloc(op->a, op->size);
    case MPT_MEMALIGN:
        return memalign(op->a, op->size);
    case MPT_POSIX_MEMALIGN:
        return posix_memalign(&p, op->a, op->size) == 0 ? p : NULL;
    case MPT_VALLOC:
        return valloc(op->size);
    case MPT_PVALLOC:
        return pvalloc(op->size);
    case MPT_USABLE_SIZE:
        *usable = malloc_usable_size(in);
        return NULL;
    default:
        return NULL;
    }
}

/* Bytes an op asks for (0 for frees). */
static uint64_t req(const mpb_plan_op_t *op) {
    return op->kind == MPT_CALLOC || op->kind == MPT_REALLOCARRAY ? op->a * op->size : op->size;
}

/* Raises *peak to v when v is higher. */
static void raise_peak(_Atomic int64_t *peak, int64_t v) {
    int64_t p = atomic_load_explicit(peak, memory_order_relaxed);
    while (v > p && !atomic_compare_exchange_weak(peak, &p, v))
        ;
}

/* The live set after op: its input object released (a free, a realloc that
 * moved or freed it), its output object made. */
static void count_live(const mpb_plan_op_t *op, void *res) {
    int64_t d = 0;
    int releases =
        op->in_obj && objs[op->in_obj] &&
        (op->kind == MPT_FREE || op->kind == MPT_FREE_SIZED || op->kind == MPT_FREE_ALIGNED_SIZED ||
         ((op->kind == MPT_REALLOC || op->kind == MPT_REALLOCARRAY) && (op->out_obj || !req(op))));
    if (releases)
        d -= (int64_t)objsize[op->in_obj], objsize[op->in_obj] = 0;
    if (op->out_obj && res)
        d += (int64_t)(objsize[op->out_obj] = req(op));
    if (d)
        raise_peak(&live_peak, atomic_fetch_add(&live, d) + d);
}

/* After the call: keep, touch and publish the result. Returns 0, or -1
 * when the program's allocation failed here. */
static int settle(rthread_t *t, const mpb_plan_op_t *op, void *res, uint64_t n) {
    count_live(op, res);
    if (op->out_obj) {
        if (!res && req(op)) {
            snprintf(t->err, sizeof t->err,
                     "call %llu of thread %u (%s of %llu bytes) failed "
                     "where the recorded program's succeeded",
                     (unsigned long long)n, t->pt->tid, mpt_kind_name(op->kind),
                     (unsigned long long)req(op));
            return -1;
        }
        objs[op->out_obj] = res;
        touch(res, req(op));
        atomic_store_explicit(&ready[op->out_obj], 1, memory_order_release);
    } else if (res && op->in_obj && req(op)) {
        objs[op->in_obj] = res; /* a realloc that failed when recorded */
    } else if (res && mpt_kind_allocates(op->kind)) {
        free(res); /* failed (or realloc to 0) when recorded */
    }
    return 0;
}

/* Reads ops [i, i + n) of t's plan into t->buf. */
static int read_ops(rthread_t *t, uint64_t i, size_t n) {
    size_t want = n * sizeof(mpb_plan_op_t);
    ssize_t r = pread(plan_fd, t->buf, want, (off_t)(t->pt->offset + i * sizeof(mpb_plan_op_t)));
    if (r != (ssize_t)want) {
        snprintf(t->err, sizeof t->err, "the plan is cut short (thread %u, op %llu)", t->pt->tid,
                 (unsigned long long)i);
        return -1;
    }
    return 0;
}

static int wait_ends(uint32_t after);

/* Histogram bucket of a clock pair's cost of ns nanoseconds, and back. */
static unsigned bucket(uint64_t ns) {
    if (ns < 1024)
        return (unsigned)ns;
    uint64_t b = 1024 + (ns - 1024) / 16;
    return b < HBUCKETS ? (unsigned)b : HBUCKETS - 1;
}

static uint64_t bucket_ns(unsigned b) { return b < 1024 ? b : 1024 + (uint64_t)(b - 1024) * 16; }

/* The median of n values counted in h. */
static uint64_t hist_median(const uint32_t *h, uint64_t n) {
    uint64_t seen = 0;
    for (unsigned b = 0; b < HBUCKETS; b++)
        if ((seen += h[b]) * 2 >= n)
            return bucket_ns(b);
    return 0;
}

/* Runs t's ops, timing each call and the clock pair's own cost beside it. */
static void run_ops(rthread_t *t) {
    uint64_t sum = 0, n = t->pt->nops;
    uint32_t *hist = map(HBUCKETS * sizeof *hist);
    for (uint64_t i = 0; i < n; i += CHUNK) {
        size_t m = n - i < CHUNK ? (size_t)(n - i) : CHUNK;
        if (read_ops(t, i, m) != 0)
            goto fail;
        for (size_t k = 0; k < m; k++) {
            const mpb_plan_op_t *op = &t->buf[k];
            size_t usable = 0;
            if (op->in_obj > hdr.nobjects || op->out_obj > hdr.nobjects || op->kind >= MPT_NKINDS) {
                snprintf(t->err, sizeof t->err, "bad op %llu of thread %u in the plan",
                         (unsigned long long)(i + k), t->pt->tid);
                goto fail;
            }
            if (op->after_ends > atomic_load_explicit(&ended_prefix, memory_order_acquire) &&
                wait_ends(op->after_ends) != 0)
                goto fail;
            if (op->flags & MPB_OP_WAIT) {
                wait_for(op->in_obj);
                if (atomic_load(&stop))
                    goto fail;
            }
            void *in = op->in_obj ? objs[op->in_obj] : NULL, *res = NULL;
            uint64_t t0 = now_ns();
            res = call(op, in, &usable);
            uint64_t t1 = now_ns();
            uint64_t t2 = now_ns(); /* the same pair with nothing between */
            sum += t1 - t0;
            hist[bucket(t2 - t1)]++;
            if (settle(t, op, res, i + k) != 0)
                goto fail;
        }
    }
    t->call_ns = sum, t->clock_ns = hist_median(hist, n) * n, t->calls = n;
    munmap(hist, HBUCKETS * sizeof *hist);
    return;
fail:
    munmap(hist, HBUCKETS * sizeof *hist);
    t->failed = 1;
    atomic_store(&stop, 1);
}

/* Marks the thread of end rank `rank` done and wakes the starter. */
static void thread_ended(uint32_t rank) {
    pthread_mutex_lock(&end_lock);
    ended[rank] = 1;
    while (ended_prefix < hdr.nthreads && ended[ended_prefix])
        ended_prefix++;
    pthread_cond_broadcast(&end_cond);
    pthread_mutex_unlock(&end_lock);
}

static void *thread_main(void *arg) {
    rthread_t *t = arg;
    unsigned n = atomic_fetch_add(&alive, 1) + 1, p = atomic_load(&alive_peak);
    while (n > p && !atomic_compare_exchange_weak(&alive_peak, &p, n))
        ;
    run_ops(t);
    atomic_fetch_sub(&alive, 1);
    thread_ended(t->pt->end_rank);
    return NULL;
}

/* Waits until the first `after` threads to end (recorded order) have ended
 * here; 0, or -1 when the replay stopped. */
static int wait_ends(uint32_t after) {
    pthread_mutex_lock(&end_lock);
    while (ended_prefix < after && !atomic_load(&stop)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000 * 1000; /* a stop is seen within 50 ms */
        if (ts.tv_nsec >= 1000000000)
            ts.tv_sec++, ts.tv_nsec -= 1000000000;
        pthread_cond_timedwait(&end_cond, &end_lock, &ts);
    }
    pthread_mutex_unlock(&end_lock);
    return atomic_load(&stop) ? -1 : 0;
}

/* Starts every thread when its turn comes; returns 0, or 1 when one could
 * not be started. */
static int start_threads(rthread_t *th) {
    for (uint32_t i = 0; i < hdr.nthreads; i++) {
        if (wait_ends(th[i].pt->start_after) != 0)
            return 0;
        if (pthread_create(&th[i].handle, NULL, thread_main, &th[i]) != 0) {
            fprintf(stderr, "mpb-replay: cannot start thread %u of %u\n", i, hdr.nthreads);
            atomic_store(&stop, 1);
            return 1;
        }
        th[i].started = 1;
    }
    return 0;
}

/* Opens and checks the plan; returns the thread table (mmap'd). */
static mpb_plan_thread_t *open_plan(const char *path) {
    plan_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (plan_fd < 0 || pread(plan_fd, &hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
        memcmp(hdr.magic, MPB_PLAN_MAGIC, 8) != 0 || hdr.nthreads == 0 || hdr.nimages == 0) {
        fprintf(stderr, "mpb-replay: %s is not a replay plan (make one with mpbench replay)\n",
                path);
        exit(2);
    }
    size_t n = hdr.nthreads * sizeof(mpb_plan_thread_t);
    mpb_plan_thread_t *pt = map(n);
    if (pread(plan_fd, pt, n, sizeof hdr) != (ssize_t)n) {
        fprintf(stderr, "mpb-replay: %s: the plan is cut short\n", path);
        exit(2);
    }
    ended = map(hdr.nthreads);
    for (uint32_t i = 0; i < hdr.nthreads; i++) {
        if (pt[i].image >= hdr.nimages || pt[i].end_rank >= hdr.nthreads || pt[i].start_after > i ||
            ended[pt[i].end_rank]++) {
            fprintf(stderr, "mpb-replay: %s: bad thread table\n", path);
            exit(2);
        }
    }
    memset(ended, 0, hdr.nthreads);
    return pt;
}

static const char *parse_args(int argc, char **argv) {
    const char *plan = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: mpb-replay PLAN [-t N] [-s F]\n"
                 "Replays an allocation plan written by mpbench (see `mpbench replay --help`);\n"
                 "-t and -s are accepted and ignored: a replay always runs one thread per\n"
                 "recorded thread, once.");
            exit(0);
        }
        if ((!strcmp(argv[i], "-t") || !strcmp(argv[i], "-s") || !strcmp(argv[i], "--seed")) &&
            i + 1 < argc)
            i++;
        else if (argv[i][0] != '-' && !plan)
            plan = argv[i];
        else {
            fprintf(stderr, "mpb-replay: unexpected argument %s\n", argv[i]);
            exit(2);
        }
    }
    if (!plan) {
        fprintf(stderr, "usage: mpb-replay PLAN\n");
        exit(2);
    }
    return plan;
}

/* The mpbench-* lines. alloc_s is the time around the calls less the clock
 * pairs' own, as measured (a sum of differences, not clamped). */
static void report(uint64_t ns, uint64_t clk, uint64_t calls, double wall, uint64_t t0) {
    double alloc_s = ((double)ns - (double)clk) * 1e-9;
    if (alloc_s > 0) /* else below what the clock can tell: no number rather than a wrong one */
        printf("mpbench-alloc_s: %.6f\n", alloc_s);
    else
        printf("mpbench-alloc_s_unmeasurable: the calls took less than the clock's noise\n");
    printf("mpbench-ops: %llu\nmpbench-harness_ns_per_call: %.1f\n"
           "mpbench-replay_s: %.6f\nmpbench-ops_s: %.6f\nmpbench-live_peak_bytes: %llu\n"
           "mpbench-replay_live_peak_bytes: %lld\nmpbench-replay_threads_peak: %u\n"
           "mpbench-recorded_threads_peak: %u\n",
           (unsigned long long)calls, calls ? (double)clk / (double)calls : 0.0, wall,
           wall > 1e-6 ? wall : 1e-6, (unsigned long long)hdr.peak_bytes,
           (long long)atomic_load(&live_peak), atomic_load(&alive_peak), hdr.peak_threads);
    /* where the replay began on the run's time axis (after loading the plan) */
    const char *start = getenv("MPB_START_NS");
    if (start && *start)
        printf("mpbench-replay_start_ms: %.3f\n", ((double)t0 - strtod(start, NULL)) * 1e-6);
    if (hdr.flags & MPB_PLAN_TRUNCATED)
        printf("mpbench-trace: truncated\n");
}

int main(int argc, char **argv) {
    mpb_plan_thread_t *pt = open_plan(parse_args(argc, argv));
    *(void **)&free_sized_fn = dlsym(RTLD_DEFAULT, "free_sized");
    *(void **)&free_aligned_sized_fn = dlsym(RTLD_DEFAULT, "free_aligned_sized");
    objs = map((hdr.nobjects + 1) * sizeof *objs);
    objsize = map((hdr.nobjects + 1) * sizeof *objsize);
    ready = map(hdr.nobjects + 1);
    rthread_t *th = map(hdr.nthreads * sizeof *th);
    for (uint32_t i = 0; i < hdr.nthreads; i++) {
        th[i].pt = &pt[i];
        th[i].buf = map(CHUNK * sizeof(mpb_plan_op_t));
    }
    uint64_t t0 = now_ns(), ns = 0, clk = 0, calls = 0;
    int failed = start_threads(th);
    for (uint32_t i = 0; i < hdr.nthreads; i++) {
        if (th[i].started)
            pthread_join(th[i].handle, NULL);
        if (th[i].failed && th[i].err[0])
            fprintf(stderr, "mpb-replay: %s\n", th[i].err), failed = 1;
        ns += th[i].call_ns, clk += th[i].clock_ns, calls += th[i].calls;
    }
    double wall = (double)(now_ns() - t0) * 1e-9;
    if (failed || calls != hdr.nops) {
        fprintf(stderr, "mpb-replay: replay stopped after %llu of %llu calls\n",
                (unsigned long long)calls, (unsigned long long)hdr.nops);
        return 1;
    }
    report(ns, clk, calls, wall, t0);
    return 0;
}
