/* mpb-replay: the child of `mpbench replay` and of `trace:` workloads. It
 * replays a plan (plan_format.h) on whatever malloc is loaded (LD_PRELOAD):
 * one thread per recorded thread, each in its recorded order; an op on an
 * object another thread created first waits until that thread made it.
 * Every new object gets its first 64 bytes and one byte per 4 KiB page
 * written, as a program would use it. The harness's own memory (plan
 * chunks, the object table) comes from mmap, never from the heap measured.
 *
 * Allocator time is the sum over calls of the clock read after the call
 * minus the clock read before it, less the same sum measured on an empty
 * pass over the plan (the ops dispatched, no call made; the least of three
 * passes, made after the replay so the memory timeline starts with it).
 * Output: mpbench-ops (calls made), mpbench-alloc_s, mpbench-harness_ns_per_call,
 * mpbench-replay_s, mpbench-ops_s (= replay_s: ops_per_s is calls per second
 * of replay, not of the child's whole life with its plan loading and empty
 * passes), mpbench-live_peak_bytes (recorded). Exit 0; 1 when the
 * replay cannot go on (an allocation the recorded program got fails here);
 * 2 for a bad command line or plan. */
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
#define TOUCH_HEAD 64   /* bytes written at the start of each object */
#define PAGE       4096

typedef struct rthread {
    const mpb_plan_thread_t *pt;
    pthread_t handle;
    mpb_plan_op_t *buf; /* CHUNK ops, mmap'd */
    uint64_t call_ns, calls;
    int failed; /* 1: stopped with a message in err */
    char err[256];
} rthread_t;

static int plan_fd;
static mpb_plan_header_t hdr;
static void **objs;            /* objs[id]: the object made for id */
static _Atomic uint8_t *ready; /* ready[id]: objs[id] is set */
static atomic_int go, stop;
static atomic_uint finished;   /* threads done */
static uint32_t *before_image; /* threads of earlier images, per image */
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

/* After the call: keep, touch and publish the result. Returns 0, or -1
 * when the program's allocation failed here. */
static int settle(rthread_t *t, const mpb_plan_op_t *op, void *res, uint64_t n) {
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

/* Runs t's ops; empty: dispatch and time them without calling anything. */
static void run_ops(rthread_t *t, int empty) {
    uint64_t sum = 0, n = t->pt->nops;
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
            if (!empty && (op->flags & MPB_OP_WAIT)) {
                wait_for(op->in_obj);
                if (atomic_load(&stop))
                    goto fail;
            }
            void *in = op->in_obj ? objs[op->in_obj] : NULL, *res = NULL;
            uint64_t t0 = now_ns();
            if (empty)
                __asm__ volatile("" : : "r"(op), "r"(in) : "memory");
            else
                res = call(op, in, &usable);
            sum += now_ns() - t0;
            if (!empty && settle(t, op, res, i + k) != 0)
                goto fail;
        }
    }
    t->call_ns = sum, t->calls = n;
    return;
fail:
    t->failed = 1;
    atomic_store(&stop, 1);
}

static void *thread_main(void *arg) {
    rthread_t *t = arg;
    while (!atomic_load_explicit(&go, memory_order_acquire))
        sched_yield();
    while (atomic_load(&finished) < before_image[t->pt->image] && !atomic_load(&stop))
        sched_yield();
    run_ops(t, 0);
    atomic_fetch_add(&finished, 1);
    return NULL;
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
    before_image = map((hdr.nimages + 1) * sizeof *before_image);
    for (uint32_t i = 0; i < hdr.nthreads; i++) {
        if (pt[i].image >= hdr.nimages) {
            fprintf(stderr, "mpb-replay: %s: bad thread table\n", path);
            exit(2);
        }
        for (uint32_t k = pt[i].image + 1; k <= hdr.nimages; k++)
            before_image[k]++;
    }
    for (uint32_t k = 1; k <= hdr.nimages; k++)
        before_image[k] =
            before_image[k] > before_image[k - 1] ? before_image[k] : before_image[k - 1];
    return pt;
}

static double empty_pass(rthread_t *th);

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

/* Empty passes over every thread's ops: the harness's time per call (the
 * least of three, as a one-off disturbance only ever adds time). */
static double harness_ns_per_call(rthread_t *th) {
    double best = 0;
    for (int pass = 0; pass < 3; pass++) {
        double v = empty_pass(th);
        best = pass == 0 || v < best ? v : best;
    }
    return best;
}

static double empty_pass(rthread_t *th) {
    uint64_t ns = 0, calls = 0;
    for (uint32_t i = 0; i < hdr.nthreads; i++) {
        run_ops(&th[i], 1);
        if (th[i].failed) {
            fprintf(stderr, "mpb-replay: %s\n", th[i].err);
            exit(2);
        }
        ns += th[i].call_ns, calls += th[i].calls;
    }
    return calls ? (double)ns / (double)calls : 0;
}

int main(int argc, char **argv) {
    mpb_plan_thread_t *pt = open_plan(parse_args(argc, argv));
    *(void **)&free_sized_fn = dlsym(RTLD_DEFAULT, "free_sized");
    *(void **)&free_aligned_sized_fn = dlsym(RTLD_DEFAULT, "free_aligned_sized");
    objs = map((hdr.nobjects + 1) * sizeof *objs);
    ready = map(hdr.nobjects + 1);
    rthread_t *th = map(hdr.nthreads * sizeof *th);
    for (uint32_t i = 0; i < hdr.nthreads; i++) {
        th[i].pt = &pt[i];
        th[i].buf = map(CHUNK * sizeof(mpb_plan_op_t));
    }
    for (uint32_t i = 0; i < hdr.nthreads; i++)
        if (pthread_create(&th[i].handle, NULL, thread_main, &th[i]) != 0) {
            fprintf(stderr, "mpb-replay: cannot start thread %u of %u\n", i, hdr.nthreads);
            return 1;
        }
    uint64_t t0 = now_ns(), ns = 0, calls = 0;
    atomic_store_explicit(&go, 1, memory_order_release);
    int failed = 0;
    for (uint32_t i = 0; i < hdr.nthreads; i++) {
        pthread_join(th[i].handle, NULL);
        if (th[i].failed && th[i].err[0])
            fprintf(stderr, "mpb-replay: %s\n", th[i].err), failed = 1;
        ns += th[i].call_ns, calls += th[i].calls;
    }
    double wall = (double)(now_ns() - t0) * 1e-9;
    if (failed || calls != hdr.nops) {
        fprintf(stderr, "mpb-replay: replay stopped after %llu of %llu calls\n",
                (unsigned long long)calls, (unsigned long long)hdr.nops);
        return 1;
    }
    /* after the replay, so the memory timeline starts with the replay */
    double overhead = harness_ns_per_call(th);
    double alloc_s = ((double)ns - overhead * (double)calls) * 1e-9;
    printf("mpbench-ops: %llu\nmpbench-alloc_s: %.6f\nmpbench-harness_ns_per_call: %.1f\n"
           "mpbench-replay_s: %.6f\nmpbench-ops_s: %.6f\nmpbench-live_peak_bytes: %llu\n",
           (unsigned long long)calls, alloc_s > 0 ? alloc_s : 0.0, overhead, wall,
           wall > 1e-6 ? wall : 1e-6, (unsigned long long)hdr.peak_bytes);
    return 0;
}
