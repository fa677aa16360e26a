/* Shared helpers for the workload programs (wl-*): the common command line
 * (-t, -s, --seed, -h, -v), a fixed-seed RNG, monotonic time, running N
 * workers, writing/checking a content pattern in objects, and the
 * `mpbench-<key>: <value>` result lines. Header-only (static inline) so each
 * workload stays one self-contained .c file linked with libc alone. */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WL_MAX_THREADS  1024
#define WL_DEFAULT_SEED 42u

/* ---------------------------------------------------------------- options */

/* What a workload tells the option parser (and --help) about itself. */
typedef struct wl_info {
    const char *name;     /* short name: wl-<name>, "corrupted" messages */
    const char *stresses; /* one paragraph: what the workload stresses */
    const char *params;   /* parameters at scale 1 and their defaults */
    const char *threads;  /* what -t N means for this workload */
    const char *summary;  /* one line for `mpbench list` (wl-x --describe) */
} wl_info_t;

/* The parsed common command line. */
typedef struct wl_opts {
    int threads;   /* -t N, default 1 */
    double scale;  /* -s F, multiplies iteration counts, default 1.0 */
    uint64_t seed; /* --seed S, default WL_DEFAULT_SEED */
    int verbose;   /* -v: timing on stderr */
} wl_opts_t;

static const char *wl_name = "workload"; /* set by wl_parse */

static inline void wl_usage(const wl_info_t *in, FILE *f) {
    fprintf(f,
            "usage: wl-%s [-t N] [-s F] [--seed S] [-v] [-h]\n\n%s\n\n"
            "Parameters at scale 1.0: %s\n\n"
            "Options:\n"
            "  -t, --threads N  parallelism, 1..%d (default 1): %s\n"
            "  -s, --scale F    multiply the iteration count by F > 0 (default 1.0)\n"
            "      --seed S     seed of all randomness (default %u); output is deterministic\n"
            "  -v, --verbose    print the elapsed time on stderr\n"
            "      --describe   print the one-line description `mpbench list` shows\n"
            "  -h, --help       this text\n\n"
            "Output: one line `mpbench-ops: N` on stdout (each malloc/calloc/realloc/free\n"
            "counts one), maybe further `mpbench-<key>: <value>` lines. Exit 0 on success,\n"
            "2 on bad arguments, 3 when an object's content was corrupted.\n",
            in->name, in->stresses, in->params, WL_MAX_THREADS, in->threads, WL_DEFAULT_SEED);
}

static inline void wl_bad_arg(const char *what, const char *val) {
    fprintf(stderr, "wl-%s: bad argument: %s%s%s (try --help)\n", wl_name, what, val ? " " : "",
            val ? val : "");
    exit(2);
}

/* Stores the value of -t/--threads ('t'), -s/--scale ('s') or --seed ('S'). */
static inline void wl_parse_number(int opt, const char *v, wl_opts_t *o) {
    char *end = NULL;
    errno = 0;
    if (opt == 't') {
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < 1 || n > WL_MAX_THREADS)
            wl_bad_arg("threads must be an integer 1..1024, not", v);
        o->threads = (int)n;
    } else if (opt == 's') {
        double s = strtod(v, &end);
        if (errno || end == v || *end || !(s > 0.0) || s > 1e6)
            wl_bad_arg("scale must be a number > 0 (and <= 1e6), not", v);
        o->scale = s;
    } else {
        unsigned long long s = strtoull(v, &end, 0);
        if (errno || end == v || *end || v[0] == '-')
            wl_bad_arg("seed must be an unsigned integer, not", v);
        o->seed = s;
    }
}

/* Parses the common command line with getopt_long; prints --help and exits
 * 0, or exits 2 on an unknown option, a missing value or an operand. */
static inline wl_opts_t wl_parse(int argc, char **argv, const wl_info_t *in) {
    static const struct option longopts[] = {
        {"threads", required_argument, NULL, 't'},
        {"scale", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'S'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"describe", no_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    wl_opts_t o = {1, 1.0, WL_DEFAULT_SEED, 0};
    int c;
    wl_name = in->name;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:s:vh", longopts, NULL)) != -1) {
        if (c == 'h') {
            wl_usage(in, stdout);
            exit(0);
        } else if (c == 'D') {
            printf("%s\n", in->summary);
            exit(0);
        } else if (c == 'v') {
            o.verbose = 1;
        } else if (c == 't' || c == 's' || c == 'S') {
            wl_parse_number(c, optarg, &o);
        } else {
            wl_bad_arg(c == ':' ? "option needs a value:" : "unknown option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        wl_bad_arg("unexpected operand", argv[optind]);
    return o;
}

/* base * scale, rounded, at least `min`. */
static inline uint64_t wl_scaled(double base, double scale, uint64_t min) {
    double v = floor(base * scale + 0.5);
    return v < (double)min ? min : (uint64_t)v;
}

/* -------------------------------------------------------------------- RNG */

/* xorshift64* seeded through splitmix64: fast, fixed, platform independent. */
typedef struct wl_rng {
    uint64_t s;
} wl_rng_t;

static inline uint64_t wl_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A generator for stream `stream` (e.g. a thread index) of seed `seed`. */
static inline wl_rng_t wl_rng_make(uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    wl_rng_t r = {wl_splitmix64(&x)};
    if (r.s == 0)
        r.s = 0x2545F4914F6CDD1Dull;
    return r;
}

static inline uint64_t wl_rng_next(wl_rng_t *r) {
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n), n > 0 (modulo bias is negligible for our n). */
static inline uint64_t wl_rng_below(wl_rng_t *r, uint64_t n) { return wl_rng_next(r) % n; }

/* Uniform in [lo, hi]. */
static inline size_t wl_rng_range(wl_rng_t *r, size_t lo, size_t hi) {
    return lo + (size_t)wl_rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* Log-uniform in [lo, hi], lo >= 1: a power of two picked uniformly, then a
 * uniform size inside it. Integer-only, so identical everywhere. */
static inline size_t wl_rng_logsize(wl_rng_t *r, size_t lo, size_t hi) {
    int blo = 63 - __builtin_clzll(lo), bhi = 63 - __builtin_clzll(hi);
    int b = blo + (int)wl_rng_below(r, (uint64_t)(bhi - blo) + 1);
    size_t base = (size_t)1 << b;
    size_t s = base + (size_t)wl_rng_below(r, base);
    return s < lo ? lo : s > hi ? hi : s;
}

/* ------------------------------------------------------------------- time */

static inline double wl_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- threads */

/* Starts n threads running fn(base + i * stride) and joins them all. */
static inline void wl_run_threads(int n, void *(*fn)(void *), void *base, size_t stride) {
    pthread_t tid[WL_MAX_THREADS];
    for (int i = 0; i < n; i++) {
        int e = pthread_create(&tid[i], NULL, fn, (char *)base + (size_t)i * stride);
        if (e) {
            fprintf(stderr, "wl-%s: pthread_create: %s\n", wl_name, strerror(e));
            exit(1);
        }
    }
    for (int i = 0; i < n; i++)
        pthread_join(tid[i], NULL);
}

/* Per-thread state of the common "N independent copies" shape. */
typedef struct wl_worker {
    int idx; /* 0..threads-1: the RNG stream */
    const wl_opts_t *o;
    wl_rng_t rng;
    uint64_t ops;       /* allocator operations done */
    uint64_t live;      /* bytes currently held (where tracked) */
    uint64_t live_peak; /* peak of live */
    char pad[64];       /* keep workers off each other's cache lines */
} wl_worker_t;

/* Runs fn in o->threads workers; returns the sums of ops and live_peak. */
static inline void wl_run_workers(const wl_opts_t *o, void *(*fn)(void *), uint64_t *ops,
                                  uint64_t *live_peak) {
    static wl_worker_t w[WL_MAX_THREADS];
    for (int i = 0; i < o->threads; i++) {
        w[i].idx = i;
        w[i].o = o;
        w[i].rng = wl_rng_make(o->seed, (uint64_t)i);
    }
    wl_run_threads(o->threads, fn, w, sizeof w[0]);
    *ops = 0;
    if (live_peak)
        *live_peak = 0;
    for (int i = 0; i < o->threads; i++) {
        *ops += w[i].ops;
        if (live_peak)
            *live_peak += w[i].live_peak;
    }
}

static inline void wl_live_add(wl_worker_t *w, size_t n) {
    w->live += n;
    if (w->live > w->live_peak)
        w->live_peak = w->live;
}

/* ----------------------------------------------------- content / pattern */

/* Keeps the compiler from proving an object unused (and eliding malloc/free). */
static inline void wl_escape(void *p) { __asm__ __volatile__("" : : "g"(p) : "memory"); }

static inline uint64_t wl_pat(uint64_t key, size_t i) {
    return (key * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)i * 0xC2B2AE3D27D4EB4Full) ^ 0x5A;
}

/* Next word index to write/check: every word of the first 16, then one word
 * per 4 KiB page, then the last word. Small objects are covered entirely. */
static inline size_t wl_pat_next(size_t i, size_t nw) {
    size_t n = i < 16 ? i + 1 : i + 512;
    return (n >= nw && i + 1 < nw) ? nw - 1 : n;
}

/* Writes the pattern of `key` into the object (size >= 1). */
static inline void wl_fill(void *p, size_t size, uint64_t key) {
    unsigned char *b = p;
    size_t nw = size / 8;
    for (size_t i = 0; i < nw; i = wl_pat_next(i, nw)) {
        uint64_t v = wl_pat(key, i);
        memcpy(b + 8 * i, &v, 8);
    }
    for (size_t j = nw * 8; j < size; j++)
        b[j] = (unsigned char)(key + j);
}

/* Index of the first bad word (bytes past the words: nw), or -1 when intact. */
static inline long wl_find_bad(const void *p, size_t size, uint64_t key) {
    const unsigned char *b = p;
    size_t nw = size / 8;
    for (size_t i = 0; i < nw; i = wl_pat_next(i, nw)) {
        uint64_t v;
        memcpy(&v, b + 8 * i, 8);
        if (v != wl_pat(key, i))
            return (long)i;
    }
    for (size_t j = nw * 8; j < size; j++)
        if (b[j] != (unsigned char)(key + j))
            return (long)nw;
    return -1;
}

static inline void wl_corrupted(const void *p, size_t size, long at) {
    fprintf(stderr, "wl-%s: corrupted object %p (size %zu, bad at byte %ld)\n", wl_name, p, size,
            at * 8);
    exit(3);
}

/* Checks the pattern of `key`; on a mismatch reports and exits 3. */
static inline void wl_check(const void *p, size_t size, uint64_t key) {
    long at = wl_find_bad(p, size, key);
    if (at >= 0)
        wl_corrupted(p, size, at);
}

static inline void *wl_oom(size_t size) {
    fprintf(stderr, "wl-%s: out of memory allocating %zu bytes\n", wl_name, size);
    exit(1);
}

/* malloc + fill; never returns NULL. */
static inline void *wl_new(size_t size, uint64_t key) {
    void *p = malloc(size);
    if (!p)
        return wl_oom(size);
    wl_escape(p);
    wl_fill(p, size, key);
    return p;
}

/* check + free. */
static inline void wl_delete(void *p, size_t size, uint64_t key) {
    wl_check(p, size, key);
    wl_escape(p);
    free(p);
}

/* ------------------------------------------- self-describing objects */

/* Objects passed between threads carry their size and key in their first
 * 16 bytes (so size >= 16); the pattern covers the rest. */
static inline void *wl_obj_new(size_t size, uint64_t key) {
    unsigned char *p = malloc(size);
    if (!p)
        return wl_oom(size);
    uint64_t h[2] = {(uint64_t)size, key};
    memcpy(p, h, sizeof h);
    wl_fill(p + 16, size - 16, key);
    return p;
}

/* Checks an object made by wl_obj_new (size must lie in [lo, hi]), frees it,
 * returns its size. */
static inline size_t wl_obj_delete(void *obj, size_t lo, size_t hi) {
    unsigned char *p = obj;
    uint64_t h[2];
    memcpy(h, p, sizeof h);
    if (h[0] < lo || h[0] > hi || h[0] < 16)
        wl_corrupted(p, (size_t)h[0], 0);
    wl_check(p + 16, (size_t)h[0] - 16, h[1]);
    wl_escape(p);
    free(p);
    return (size_t)h[0];
}

/* ----------------------------------------------------------------- output */

static inline void wl_report_kv(const char *key, uint64_t v) {
    printf("mpbench-%s: %" PRIu64 "\n", key, v);
}

/* With WL_MPA_STATS=1 in the environment and libmpalloc loaded (linked or
 * LD_PRELOADed), prints its mpa_stats_json() on stderr as one line
 * `wl-<name>: mpa_stats_json: {...}` (mpbench keeps it in logs/<cell>.err).
 * Looked up with dlsym, so other allocators run unchanged; says so when the
 * allocator has no such function. */
static inline void wl_print_mpa_stats(void) {
    const char *e = getenv("WL_MPA_STATS");
    if (!e || strcmp(e, "1") != 0)
        return;
    const char *(*fn)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "mpa_stats_json");
    if (fn)
        fprintf(stderr, "wl-%s: mpa_stats_json: %s\n", wl_name, fn());
    else
        fprintf(stderr, "wl-%s: mpa_stats_json: (not in this allocator)\n", wl_name);
}

/* Prints the ops line (and, with -v, the time since t0 on stderr; with
 * WL_MPA_STATS=1, mpalloc's statistics). */
static inline void wl_report(const wl_opts_t *o, double t0, uint64_t ops) {
    wl_report_kv("ops", ops);
    if (o->verbose)
        fprintf(stderr, "wl-%s: %.3f s, %" PRIu64 " ops, %d thread(s), scale %g\n", wl_name,
                wl_now() - t0, ops, o->threads, o->scale);
    wl_print_mpa_stats();
}

#endif /* WL_COMMON_H */
