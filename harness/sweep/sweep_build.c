/* Building the sweep's variants with the tree's own `make variant`, one at a
 * time, each into <build>/variants/<name>. A variant already built with the
 * same flags (under any name) is reused: make only recompiles what changed.
 * The compiler's output goes to DIR/builds/<name>.log; when a build fails
 * its `#error` line (or first error) is kept, and the sweep goes on. */
#include "sweep/sweep.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* 1 when <build>/variants/<name>/flags holds exactly `flags`. */
static int flags_match(const mpb_sweep_t *s, const char *name, const char *flags) {
    char path[PATH_MAX];
    mpb_fmt(path, sizeof path, "%s/variants/%s/flags", s->build, name);
    char *text = mpb_read_file(path);
    if (!text)
        return -1;
    text[strcspn(text, "\n")] = '\0';
    int same = !strcmp(text, flags);
    free(text);
    return same;
}

/* Looks for a variant built with p's flags under another name. */
static void find_same_flags(const mpb_sweep_t *s, mpb_sweep_point_t *p) {
    char dir[PATH_MAX];
    mpb_fmt(dir, sizeof dir, "%s/variants", s->build);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && strlen(e->d_name) < sizeof p->name &&
            flags_match(s, e->d_name, p->flags) == 1) {
            mpb_copy(p->name, sizeof p->name, e->d_name);
            break;
        }
    if (d)
        closedir(d);
}

/* Settles p's name: its own, another with the same flags, or a new one when
 * its own name holds a variant with other flags. Returns 1 if already built. */
static int settle_name(const mpb_sweep_t *s, mpb_sweep_point_t *p) {
    int own = flags_match(s, p->name, p->flags);
    if (own == 0) {
        char alt[sizeof p->name];
        mpb_fmt(alt, sizeof alt, "%.100s-%08lx", p->name, mpb_sweep_hash(p->flags));
        mpb_copy(p->name, sizeof p->name, alt);
    }
    if (own != 1)
        find_same_flags(s, p);
    char lib[PATH_MAX];
    mpb_fmt(lib, sizeof lib, "%s/variants/%s/lib/libmpalloc.so", s->build, p->name);
    return flags_match(s, p->name, p->flags) == 1 && mpb_is_file(lib);
}

/* Runs `make TARGET [ARG...]` in the source tree with its output in log;
 * returns its exit status. p: make variant of that point; NULL: make lib
 * (the default build, the sweep's reference). */
static int run_make(const mpb_sweep_t *s, const mpb_sweep_point_t *p, const char *log) {
    char name[160], flags[600], build[PATH_MAX + 8], jobs[32];
    mpb_fmt(name, sizeof name, "NAME=%s", p ? p->name : "");
    mpb_fmt(flags, sizeof flags, "FLAGS=%s", p ? p->flags : "");
    mpb_fmt(build, sizeof build, "BUILD=%s", s->build);
    mpb_fmt(jobs, sizeof jobs, "-j%d", s->jobs);
    char *argv[] = {"make",
                    "--no-print-directory",
                    "-C",
                    (char *)s->src,
                    jobs,
                    build,
                    p ? "variant" : "lib",
                    p ? name : NULL,
                    flags,
                    NULL};
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            dup2(fd, 1), dup2(fd, 2);
        unsetenv("MAKEFLAGS"), unsetenv("MFLAGS"), unsetenv("MAKELEVEL");
        execvp("make", argv);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The line of the log that says why: `#error ...`, else the first error. */
static void failure_message(const char *log, int rc, char *buf, size_t len) {
    char *text = mpb_read_file(log);
    const char *hit = text ? strstr(text, "#error") : NULL;
    if (!hit && text)
        hit = strstr(text, "error:");
    if (hit)
        mpb_fmt(buf, len, "%.*s", (int)strcspn(hit, "\n"), hit);
    else
        mpb_fmt(buf, len, "make variant failed (exit %d); see %s", rc, log);
    free(text);
}

/* Builds or reuses one point; prints one progress line. */
static int build_one(const mpb_sweep_t *s, mpb_sweep_point_t *p, size_t i) {
    char log[PATH_MAX];
    int had = settle_name(s, p);
    printf("sweep: [%zu/%zu] %s (%s): %s", i + 1, s->npts, p->name, p->flags,
           had ? "built before, checking" : "building");
    fflush(stdout);
    mpb_fmt(log, sizeof log, "%s/builds/%s.log", s->dir, p->name);
    int rc = run_make(s, p, log);
    if (rc == 0) {
        mpb_copy(p->status, sizeof p->status, had ? "reused" : "built");
        printf(" ... %s\n", p->status);
        return 1;
    }
    mpb_copy(p->status, sizeof p->status, "build-failed");
    failure_message(log, rc, p->message, sizeof p->message);
    printf(" ... FAILED\n");
    fflush(stdout);
    fprintf(stderr, "mpbench sweep: %s does not build: %s\n", p->flags, p->message);
    return 0;
}

/* mkdir -p; errors show when the first log cannot be written. */
static void make_dirs(char *path) {
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    mkdir(path, 0755);
}

/* The reference, the default build, made current (make lib: rebuilt when its
 * sources or options changed since it was built), so its results are those
 * of the sources the variants are built from. Returns 1 when it builds. */
static int build_reference(const mpb_sweep_t *s) {
    char log[PATH_MAX];
    mpb_fmt(log, sizeof log, "%s/builds/%s.log", s->dir, MPB_SWEEP_REF);
    printf("sweep: reference %s (default build): make lib", MPB_SWEEP_REF);
    fflush(stdout);
    int rc = run_make(s, NULL, log);
    printf(" ... %s\n", rc == 0 ? "current" : "FAILED");
    if (rc != 0) {
        char why[512];
        failure_message(log, rc, why, sizeof why);
        fprintf(stderr, "mpbench sweep: the default build does not build: %s\n", why);
    }
    return rc == 0;
}

size_t mpb_sweep_build_all(mpb_sweep_t *s) {
    char dir[PATH_MAX];
    mpb_fmt(dir, sizeof dir, "%s/builds", s->dir);
    make_dirs(dir);
    if (!build_reference(s))
        return 0;
    size_t ok = 0;
    for (size_t i = 0; i < s->npts; i++)
        ok += !strcmp(s->pts[i].status, "default") ? 1 : (size_t)build_one(s, &s->pts[i], i);
    return ok;
}
