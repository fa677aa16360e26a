/* wl-class-waste: memory taken by requests just above a size-class boundary.
 * For each size just above a boundary (2^k + 1 from 65 B to 256 KiB + 1, and
 * 2^k * {5,6,7}/4 + 1, the boundaries of a four-classes-per-doubling scheme),
 * a fresh child process (fork) allocates objects of that size until they
 * total a fixed number of bytes, writes every requested byte, and reads its
 * resident set (/proc/self/statm) before and after: the ratio of the growth
 * to the bytes requested is what the allocator's rounding, slab tails and
 * metadata cost. Each size runs in its own child so that no size inherits
 * another's freed memory. Prints the per-size table on stderr and, on
 * stdout, the mean and worst ratio of both size sets. */
#include <sys/wait.h>

#include "wl_common.h"

#define CW_BYTES     (32.0 * 1024 * 1024) /* bytes requested per size at scale 1 */
#define CW_MIN_OBJS  16                   /* objects per size at least */
#define CW_MAX_SIZES 64

static const wl_info_t cw_info = {
    "class-waste",
    "Size-class waste: for each size just above a class boundary (2^k + 1 from\n"
    "65 B to 256 KiB + 1; and 2^k * 5/4, 6/4, 7/4 + 1), a fresh child process\n"
    "allocates objects of that size totalling 32 MiB, writes every requested\n"
    "byte, and compares its resident-set growth (/proc/self/statm) with the\n"
    "bytes requested. Prints the per-size ratios on stderr; on stdout\n"
    "mpbench-waste-pow2-mean / -worst (the 2^k + 1 sizes), mpbench-waste-all-\n"
    "mean / -worst (every size), in thousandths (1150 = 1.150x), and\n"
    "mpbench-waste-worst-size (the size of the worst ratio of all).",
    "32 MiB requested per size, at least 16 objects; 13 + 36 sizes.",
    "each child allocates from N threads (each a 1/N share of the objects),\n"
    "                   so partly filled slabs of every thread count too",
    "RSS / requested bytes for sizes just above every class boundary, 64 B..256 KiB",
};

/* One measured size: the request and the child's answer. */
typedef struct cw_size {
    size_t size;
    int pow2;     /* 1: a 2^k + 1 size */
    double ratio; /* resident growth / bytes requested */
} cw_size_t;

/* Resident set in bytes from /proc/self/statm; 0 when unreadable. */
static uint64_t cw_rss_bytes(void) {
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* What one allocating thread of a child does. */
typedef struct cw_job {
    size_t size, n; /* objects of size to allocate */
    void **objs;
    uint64_t key;
} cw_job_t;

static void *cw_alloc_job(void *arg) {
    cw_job_t *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        unsigned char *p = malloc(j->size);
        if (!p)
            wl_oom(j->size);
        memset(p, (int)((j->key + i) & 0xff) | 1, j->size);
        j->objs[i] = p;
    }
    return NULL;
}

/* Checks every byte of the job's objects (the first and last too), frees them. */
static void *cw_free_job(void *arg) {
    cw_job_t *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        unsigned char *p = j->objs[i], want = (unsigned char)(((j->key + i) & 0xff) | 1);
        if (p[0] != want || p[j->size / 2] != want || p[j->size - 1] != want)
            wl_corrupted(p, j->size, 0);
        free(p);
    }
    return NULL;
}

/* In the child: allocates `total` bytes of `size` from `threads` threads,
 * returns the resident growth per byte requested (checks and frees after). */
static double cw_measure(size_t size, uint64_t total, int threads) {
    size_t n = (size_t)(total / size);
    n = n < CW_MIN_OBJS ? CW_MIN_OBJS : n;
    static cw_job_t job[WL_MAX_THREADS];
    void **objs = malloc(n * sizeof *objs);
    if (!objs)
        wl_oom(n * sizeof *objs);
    memset(objs, 0xff, n * sizeof *objs); /* resident before the measurement starts */
    size_t at = 0;
    for (int t = 0; t < threads; t++) {
        size_t share = n / (size_t)threads + ((size_t)t < n % (size_t)threads);
        job[t] = (cw_job_t){size, share, objs + at, (uint64_t)size * 31 + (uint64_t)t};
        at += share;
    }
    uint64_t before = cw_rss_bytes();
    if (threads == 1)
        cw_alloc_job(&job[0]);
    else
        wl_run_threads(threads, cw_alloc_job, job, sizeof job[0]);
    uint64_t after = cw_rss_bytes();
    for (int t = 0; t < threads; t++)
        cw_free_job(&job[t]);
    free(objs);
    return (double)(after > before ? after - before : 0) / ((double)n * (double)size);
}

/* Runs cw_measure in a fresh child; the ratio comes back through a pipe.
 * Exits like the child when it failed (1 or 3). */
static double cw_in_child(size_t size, uint64_t total, int threads) {
    int fd[2];
    if (pipe(fd) != 0) {
        perror("wl-class-waste: pipe");
        exit(1);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("wl-class-waste: fork");
        exit(1);
    }
    if (pid == 0) {
        close(fd[0]);
        double r = cw_measure(size, total, threads);
        if (write(fd[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    double r = -1;
    ssize_t got = read(fd[0], &r, sizeof r);
    close(fd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != (ssize_t)sizeof r) {
        fprintf(stderr, "wl-class-waste: the child measuring %zu B failed\n", size);
        exit(WIFEXITED(st) && WEXITSTATUS(st) == 3 ? 3 : 1);
    }
    return r;
}

/* The sizes: 2^k + 1 for 2^k in 64 B .. 256 KiB, and the quarter points. */
static size_t cw_sizes(cw_size_t *s) {
    size_t n = 0;
    for (size_t b = 64; b <= ((size_t)256 << 10); b <<= 1) {
        s[n++] = (cw_size_t){b + 1, 1, 0};
        for (size_t q = 5; q <= 7 && b < ((size_t)256 << 10); q++)
            s[n++] = (cw_size_t){b * q / 4 + 1, 0, 0};
    }
    return n;
}

/* Mean and worst of the ratios of the sizes whose pow2 flag is `pow2`
 * (any with pow2 < 0); *worst_size gets the size of the worst. */
static double cw_stats(const cw_size_t *s, size_t n, int pow2, double *worst, size_t *worst_size) {
    double sum = 0;
    size_t k = 0;
    *worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (pow2 >= 0 && s[i].pow2 != pow2)
            continue;
        sum += s[i].ratio;
        k++;
        if (s[i].ratio > *worst) {
            *worst = s[i].ratio;
            *worst_size = s[i].size;
        }
    }
    return k ? sum / (double)k : 0;
}

static uint64_t cw_milli(double r) { return (uint64_t)(r * 1000.0 + 0.5); }

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &cw_info);
    double t0 = wl_now();
    cw_size_t s[CW_MAX_SIZES];
    size_t n = cw_sizes(s);
    uint64_t total = wl_scaled(CW_BYTES, o.scale, 1 << 20), ops = 0;
    for (size_t i = 0; i < n; i++) {
        s[i].ratio = cw_in_child(s[i].size, total, o.threads);
        size_t objs = (size_t)(total / s[i].size);
        ops += 2 * (objs < CW_MIN_OBJS ? CW_MIN_OBJS : objs);
        fprintf(stderr, "wl-class-waste: %8zu B: %.3f\n", s[i].size, s[i].ratio);
    }
    double wp, wa;
    size_t wsp = 0, wsa = 0;
    double mp = cw_stats(s, n, 1, &wp, &wsp), ma = cw_stats(s, n, -1, &wa, &wsa);
    wl_report(&o, t0, ops);
    wl_report_kv("live-peak-bytes", total);
    wl_report_kv("waste-pow2-mean", cw_milli(mp));
    wl_report_kv("waste-pow2-worst", cw_milli(wp));
    wl_report_kv("waste-all-mean", cw_milli(ma));
    wl_report_kv("waste-all-worst", cw_milli(wa));
    wl_report_kv("waste-worst-size", wsa);
    return 0;
}
