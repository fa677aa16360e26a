/* Small helpers shared by mpbench's runner files: string lists, the
 * directory of the running binary, clocks and time stamps, whole-file I/O,
 * and capturing the first line a helper command prints (dpkg-query, git,
 * gcc, a workload's --help). */
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void *mpb_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("mpbench: out of memory\n", stderr);
        exit(1);
    }
    return q;
}

char *mpb_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(mpb_xrealloc(NULL, n), s, n);
}

char *mpb_copy(char *dst, size_t len, const char *src) {
    if (len == 0)
        return dst;
    size_t n = strnlen(src, len - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return dst;
}

int mpb_fmt(char *buf, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n;
}

void mpb_strlist_add(mpb_strlist_t *l, const char *s) {
    l->v = mpb_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = mpb_xstrdup(s);
}

void mpb_strlist_free(mpb_strlist_t *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void mpb_strlist_split(mpb_strlist_t *l, const char *csv) {
    char *copy = mpb_xstrdup(csv), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (*t)
            mpb_strlist_add(l, t);
    free(copy);
}

void mpb_strlist_join(const mpb_strlist_t *l, char *buf, size_t len) {
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n && off < len; i++) {
        int k = snprintf(buf + off, len - off, "%s%s", i ? "," : "", l->v[i]);
        if (k < 0)
            break;
        off += (size_t)k;
    }
}

const char *mpb_self_dir(void) {
    static char dir[PATH_MAX];
    if (dir[0])
        return dir;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0) {
        strcpy(dir, ".");
        return dir;
    }
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    return dir;
}

void mpb_iso_now(char *buf, size_t len) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double mpb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void mpb_fmt_duration(double s, char *buf, size_t len) {
    long t = s < 0 ? 0 : (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60)
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, len, "%lds", t);
}

/* Child side of mpb_capture_line: stdout to the pipe, the rest to null. */
static void capture_child(char *const argv[], int wfd) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(wfd, 1);
    dup2(null, 2);
    setpgid(0, 0);
    execvp(argv[0], argv);
    _exit(127);
}

/* Reads from fd into buf until EOF, a full buffer or the deadline. */
static void capture_read(int fd, char *buf, size_t len, double deadline) {
    size_t off = 0;
    while (off + 1 < len) {
        int ms = (int)((deadline - mpb_now()) * 1000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (ms <= 0 || poll(&p, 1, ms) <= 0)
            break;
        ssize_t k = read(fd, buf + off, len - 1 - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    buf[off] = '\0';
}

int mpb_capture_line(char *const argv[], char *buf, size_t len, double timeout_s) {
    int fds[2], status = 0;
    buf[0] = '\0';
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0)
        capture_child(argv, fds[1]);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    setpgid(pid, pid);
    capture_read(fds[0], buf, len, mpb_now() + timeout_s);
    close(fds[0]);
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    buf[strcspn(buf, "\n")] = '\0';
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int mpb_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int mpb_write_file(const char *path, const char *text) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) < 0;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

char *mpb_read_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, k;
    char *s = mpb_xrealloc(NULL, cap);
    while ((k = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2)
            s = mpb_xrealloc(s, cap *= 2);
    }
    fclose(f);
    s[n] = '\0';
    return s;
}

int mpb_make_dirs(const char *path) {
    char p[PATH_MAX];
    mpb_copy(p, sizeof p, path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int mpb_parse_double(const char *s, double lo, double hi, double *out) {
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int mpb_parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int mpb_parse_help_only(int argc, char **argv, const char *help, int *first) {
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return 0;
        }
        fprintf(stderr, "mpbench %s: unknown option '%s' (see mpbench %s --help)\n", argv[0],
                argv[optind - 1], argv[0]);
        return 2;
    }
    *first = optind;
    return -1;
}
