/* RSS sampling of a run's process tree, and timeline.csv. Workloads that
 * are scripts (python, gcc, sqlite, redis) do their work in children, so
 * the tree is summed, not just the process mpbench started. */
#include "measure/timeline.h"
#include "common/csvio.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char mpb_timeline_header[] = "allocator,variant,workload,threads,rep,t_ms,rss_kb";

/* Resident pages of one process from statm, KiB; -1 when unreadable. */
static long proc_rss_kb(pid_t pid) {
    char path[64], buf[128];
    mpb_fmt(path, sizeof path, "/proc/%d/statm", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    long size, res;
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    if (sscanf(buf, "%ld %ld", &size, &res) != 2 || res == 0)
        return -1; /* 0: a process that is exiting (its memory already gone) */
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Adds the RSS of pid's children (of every thread) and theirs; depth-bounded. */
static long children_rss_kb(pid_t pid, int depth) {
    char path[96], buf[4096];
    long sum = 0;
    if (depth > 16)
        return 0;
    mpb_fmt(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        pid_t c = (pid_t)atoi(tok);
        long r = proc_rss_kb(c);
        if (r > 0)
            sum += r + children_rss_kb(c, depth + 1);
    }
    return sum;
}

long mpb_tree_rss_kb(pid_t pid) {
    long r = proc_rss_kb(pid);
    return r < 0 ? -1 : r + children_rss_kb(pid, 0);
}

void mpb_timeline_sample(mpb_timeline_t *tl, pid_t pid, double t_ms) {
    long r = mpb_tree_rss_kb(pid);
    if (r < 0)
        return;
    if (tl->n == tl->cap) {
        tl->cap = tl->cap ? tl->cap * 2 : 1024;
        tl->t_ms = mpb_xrealloc(tl->t_ms, tl->cap * sizeof *tl->t_ms);
        tl->rss_kb = mpb_xrealloc(tl->rss_kb, tl->cap * sizeof *tl->rss_kb);
    }
    tl->t_ms[tl->n] = t_ms;
    tl->rss_kb[tl->n++] = r;
}

void mpb_timeline_reset(mpb_timeline_t *tl) { tl->n = 0; }

void mpb_timeline_free(mpb_timeline_t *tl) {
    free(tl->t_ms), free(tl->rss_kb);
    tl->t_ms = NULL, tl->rss_kb = NULL;
    tl->n = tl->cap = 0;
}

/* The fixed fields of this run's rows, CSV-quoted, without the samples. */
static void row_key(FILE *f, const mpb_alloc_t *a, const char *workload, int threads, int rep) {
    char th[32], rp[32];
    mpb_fmt(th, sizeof th, "%d", threads);
    mpb_fmt(rp, sizeof rp, "%d", rep);
    mpb_csv_put(f, a->name, 1);
    mpb_csv_put(f, a->variant, 0);
    mpb_csv_put(f, workload, 0);
    mpb_csv_put(f, th, 0);
    mpb_csv_put(f, rp, 0);
}

int mpb_timeline_append(const char *dir, const mpb_alloc_t *a, const char *workload, int threads,
                        int rep, const mpb_timeline_t *tl) {
    char path[PATH_MAX + 16], *key = NULL;
    size_t klen = 0;
    mpb_fmt(path, sizeof path, "%s/timeline.csv", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return fd >= 0 ? (close(fd), -1) : -1;
    FILE *kf = open_memstream(&key, &klen);
    row_key(kf, a, workload, threads, rep);
    fclose(kf);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (st.st_size == 0)
        fprintf(f, "%s\n", mpb_timeline_header);
    for (size_t i = 0; i < tl->n; i++)
        fprintf(f, "%s,%.1f,%ld\n", key, tl->t_ms[i], tl->rss_kb[i]);
    fclose(f);
    ssize_t w = write(fd, text, len);
    int rc = w == (ssize_t)len && fsync(fd) == 0 ? 0 : -1;
    int e = errno;
    if (rc != 0 && ftruncate(fd, st.st_size) != 0)
        e = errno;
    free(text), free(key);
    close(fd);
    errno = e;
    return rc;
}
