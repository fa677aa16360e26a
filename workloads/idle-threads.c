/* wl-idle-threads: memory an allocator keeps per idle thread. A process
 * starts 1000 threads (times the scale); each allocates ~100 KiB in 8 size
 * classes from 16 B to 2 KiB, all live at once, frees them in a shuffled
 * order but for one 64-byte block in the middle of its run, and then waits
 * (blocked on a condition variable, so it never calls the allocator again).
 * One second after the last thread started waiting, the process reads its
 * RSS. A second process does the same with threads that only wait. The
 * difference, divided by the thread count, is the memory the allocator
 * keeps per idle thread: caches, per-thread metadata, and slabs a live
 * object pins (issue 18: a thread-per-connection server pays it per idle
 * connection). Both processes run one after the other, forked from this
 * one (so both get the allocator through LD_PRELOAD). */
#include <sys/wait.h>

#include "wl_common.h"

#define IT_THREADS 1000.0 /* idle threads at scale 1 */
#define IT_BYTES   12800  /* bytes allocated per size class and thread */
#define IT_CLASSES 8      /* sizes 16 B .. 2 KiB */
#define IT_KEPT    64     /* the size of the block each thread keeps */
#define IT_WAIT_S  1.0    /* idle time before RSS is read */
#define IT_STACK   (256 << 10)

static const wl_info_t idle_info = {
    "idle-threads",
    "Memory per idle thread: 1000 threads each allocate ~100 KiB in 8 size\n"
    "classes (16 B .. 2 KiB, all live at once), free it all in a shuffled order\n"
    "but one 64-byte block, and wait. RSS 1 s later, less the RSS of a process\n"
    "whose threads only wait, per thread: what the allocator keeps for each\n"
    "idle thread (caches, per-thread metadata, slabs a live block pins).",
    "1000 threads, 12800 bytes per class and thread, 1 s idle.",
    "ignored (the thread count is 1000 x scale)",
    "memory per idle thread: RSS of 1000 idle threads that churned 100 KiB each",
};

static pthread_mutex_t it_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t it_ready_cv = PTHREAD_COND_INITIALIZER, it_go_cv = PTHREAD_COND_INITIALIZER;
static int it_ready, it_go;
static int it_churn;       /* 1: threads allocate before waiting */
static uint64_t it_seed;   /* --seed */
static uint64_t it_ops[2]; /* malloc + free calls, per mode (summed under it_lock) */

/* Allocates IT_BYTES in each of the 8 classes, writes every object whole,
 * then frees all but one 64-byte object in a shuffled order; returns the
 * kept block (its pattern is checked before it is freed at exit). */
static void *it_churn_once(wl_rng_t *rng, uint64_t *ops) {
    size_t n = 0;
    for (int c = 0; c < IT_CLASSES; c++)
        n += IT_BYTES / ((size_t)16 << c);
    void **objs = malloc(n * sizeof *objs);
    size_t *sizes = malloc(n * sizeof *sizes);
    if (!objs || !sizes)
        wl_oom(n * sizeof *objs);
    size_t k = 0, keep = SIZE_MAX;
    for (int c = 0; c < IT_CLASSES; c++) {
        size_t size = (size_t)16 << c, count = IT_BYTES / size;
        for (size_t i = 0; i < count; i++, k++) {
            objs[k] = malloc(size);
            if (!objs[k])
                wl_oom(size);
            memset(objs[k], (int)(k & 0xff), size);
            sizes[k] = size;
            if (size == IT_KEPT && i == count / 2)
                keep = k;
        }
    }
    void *kept = objs[keep];
    wl_fill(kept, IT_KEPT, (uintptr_t)kept);
    objs[keep] = objs[--k];
    sizes[keep] = sizes[k];
    for (size_t i = k; i > 1; i--) { /* Fisher-Yates */
        size_t j = wl_rng_below(rng, i);
        void *t = objs[i - 1];
        objs[i - 1] = objs[j];
        objs[j] = t;
    }
    for (size_t i = 0; i < k; i++)
        free(objs[i]);
    free(objs);
    free(sizes);
    *ops += 2 * (n + 2);
    return kept;
}

static void *it_thread(void *arg) {
    uint64_t id = (uintptr_t)arg, ops = 0;
    wl_rng_t rng = wl_rng_make(it_seed, id);
    void *kept = it_churn ? it_churn_once(&rng, &ops) : NULL;
    pthread_mutex_lock(&it_lock);
    it_ops[it_churn] += ops;
    it_ready++;
    pthread_cond_signal(&it_ready_cv);
    while (!it_go)
        pthread_cond_wait(&it_go_cv, &it_lock); /* blocked: no allocator call */
    pthread_mutex_unlock(&it_lock);
    if (kept) {
        wl_check(kept, IT_KEPT, (uintptr_t)kept);
        free(kept);
    }
    return NULL;
}

/* Resident set in KiB, from /proc/self/statm (read without stdio). */
static uint64_t it_rss_kib(void) {
    char buf[128];
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    unsigned long long size = 0, res = 0;
    if (sscanf(buf, "%llu %llu", &size, &res) != 2)
        return 0;
    return res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

/* One process's run: starts the threads, waits until all wait, idles, and
 * writes "RSS_KIB OPS" to fd; exits 0, or 1 when a thread cannot start. */
static void it_child(int churn, int threads, int fd) {
    it_churn = churn;
    pthread_t *t = malloc((size_t)threads * sizeof *t);
    pthread_attr_t attr;
    if (!t || pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, IT_STACK))
        _exit(1);
    for (int i = 0; i < threads; i++)
        if (pthread_create(&t[i], &attr, it_thread, (void *)(uintptr_t)i) != 0) {
            fprintf(stderr, "wl-idle-threads: cannot start thread %d\n", i);
            _exit(1);
        }
    pthread_mutex_lock(&it_lock);
    while (it_ready < threads)
        pthread_cond_wait(&it_ready_cv, &it_lock);
    pthread_mutex_unlock(&it_lock);
    struct timespec ts = {(time_t)IT_WAIT_S, (long)((IT_WAIT_S - (time_t)IT_WAIT_S) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
    char line[64];
    int len = snprintf(line, sizeof line, "%" PRIu64 " %" PRIu64 "\n", it_rss_kib(), it_ops[churn]);
    if (write(fd, line, (size_t)len) != len)
        _exit(1);
    pthread_mutex_lock(&it_lock);
    it_go = 1;
    pthread_cond_broadcast(&it_go_cv);
    pthread_mutex_unlock(&it_lock);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    _exit(0);
}

/* Runs one child; stores its RSS (KiB) and ops; false when it failed. */
static int it_run(int churn, int threads, uint64_t *rss, uint64_t *ops) {
    int fds[2];
    if (pipe(fds) != 0)
        return 0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        close(fds[0]);
        it_child(churn, threads, fds[1]);
    }
    close(fds[1]);
    char buf[64] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    unsigned long long r = 0, o = 0;
    if (n <= 0 || sscanf(buf, "%llu %llu", &r, &o) != 2 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return 0;
    *rss = r;
    *ops = o;
    return 1;
}

int main(int argc, char **argv) {
    wl_opts_t o = wl_parse(argc, argv, &idle_info);
    int threads = (int)wl_scaled(IT_THREADS, o.scale, 16);
    it_seed = o.seed;
    double t0 = wl_now();
    uint64_t rss_wait = 0, rss_idle = 0, ops_wait = 0, ops_idle = 0;
    if (!it_run(0, threads, &rss_wait, &ops_wait) || !it_run(1, threads, &rss_idle, &ops_idle)) {
        fprintf(stderr, "wl-idle-threads: a measuring process failed\n");
        return 1;
    }
    uint64_t per =
        rss_idle > rss_wait ? (rss_idle - rss_wait + (uint64_t)threads / 2) / threads : 0;
    if (o.verbose)
        fprintf(stderr,
                "wl-idle-threads: %d threads: RSS %" PRIu64 " KiB idle after churn, %" PRIu64
                " KiB only waiting: %" PRIu64 " KiB per idle thread\n",
                threads, rss_idle, rss_wait, per);
    wl_report_kv("idle-kib-per-thread", per);
    wl_report_kv("rss-after-kb", rss_idle);
    wl_report(&o, t0, ops_idle + ops_wait);
    return 0;
}
