/* Provenance checks of `mpbench run`: the LD_PRELOAD value of each run
 * (allocator, then the probe; names LD_PRELOAD would split reached through
 * links in a private temp folder) and the check of the probe's report after
 * the run: every process that loaded the probe must have had its malloc
 * served by the allocator's file (same device and inode), or for glibc by
 * the libc it runs on, and the workload's own process must be among them.
 * Otherwise the reason names what served malloc instead, with ld.so's
 * complaint from the run's log and what is wrong with the library file. */
#include "measure/provenance.h"
#include "common/elfinfo.h"
#include "common/util.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Characters ld.so splits LD_PRELOAD at. */
#define PRELOAD_SEPARATORS " :\t\n"

int mpb_prov_init(mpb_prov_t *p) {
    char path[PATH_MAX + 64];
    Dl_info info;
    memset(p, 0, sizeof *p);
    if (!dladdr((void *)gnu_get_libc_version, &info) || !info.dli_fname ||
        !realpath(info.dli_fname, p->libc)) {
        fprintf(stderr, "mpbench: cannot find the C library mpbench runs on\n");
        return -1;
    }
    mpb_fmt(path, sizeof path, "%s/../lib/mpbench-probe.so", mpb_self_dir());
    if (!realpath(path, p->probe) || !mpb_is_file(p->probe)) {
        fprintf(stderr,
                "mpbench: cannot find %s (build it with `make harness`): without it "
                "no run can prove which allocator served it\n",
                path);
        return -1;
    }
    return 0;
}

/* Makes the private temp folder for links (once). */
static int make_linkdir(mpb_prov_t *p) {
    if (p->linkdir[0])
        return 0;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/' || strpbrk(tmp, PRELOAD_SEPARATORS))
        tmp = "/tmp";
    mpb_fmt(p->linkdir, sizeof p->linkdir, "%s/mpbench-preload-XXXXXX", tmp);
    if (!mkdtemp(p->linkdir)) {
        fprintf(stderr, "mpbench: cannot create a folder in %s for preload links: %s\n", tmp,
                strerror(errno));
        p->linkdir[0] = '\0';
        return -1;
    }
    return 0;
}

/* path as LD_PRELOAD can carry it: itself, or a link without separators. */
static int preload_name(mpb_prov_t *p, const char *path, char *out, size_t len) {
    if (!strpbrk(path, PRELOAD_SEPARATORS)) {
        mpb_copy(out, len, path);
        return 0;
    }
    if (make_linkdir(p) != 0)
        return -1;
    mpb_fmt(out, len, "%s/%u.so", p->linkdir, p->nlinks);
    if (symlink(path, out) != 0) {
        fprintf(stderr, "mpbench: cannot link %s to %s: %s\n", out, path, strerror(errno));
        return -1;
    }
    p->nlinks++;
    return 0;
}

int mpb_prov_preload(mpb_prov_t *p, const char *lib, char *buf, size_t len) {
    char probe[PATH_MAX], alloc[PATH_MAX];
    if (preload_name(p, p->probe, probe, sizeof probe) != 0)
        return -1;
    if (preload_name(p, lib && *lib ? lib : p->libc, alloc, sizeof alloc) != 0)
        return -1;
    mpb_fmt(buf, len, "%s:%s", probe, alloc); /* the probe first: see probe.c's next */
    return 0;
}

void mpb_prov_cleanup(mpb_prov_t *p) {
    char link[PATH_MAX + 32];
    if (!p->linkdir[0])
        return;
    for (unsigned i = 0; i < p->nlinks; i++) {
        mpb_fmt(link, sizeof link, "%s/%u.so", p->linkdir, i);
        unlink(link);
    }
    rmdir(p->linkdir);
    p->linkdir[0] = '\0';
    p->nlinks = 0;
}

/* One line of the probe's report. */
typedef struct report_line {
    long pid;
    const char *malloc_obj, *next_obj, *libc_obj, *exe;
    const char *build, *record; /* "" / NULL when the line has none */
} report_line_t;

/* Splits "pid=..\tmalloc=..\tlibc=..\texe=.." in place; 0 or -1. */
static int parse_line(char *line, report_line_t *l) {
    memset(l, 0, sizeof *l);
    l->pid = -1;
    for (char *save = NULL, *f = strtok_r(line, "\t", &save); f; f = strtok_r(NULL, "\t", &save)) {
        if (!strncmp(f, "pid=", 4))
            l->pid = strtol(f + 4, NULL, 10);
        else if (!strncmp(f, "malloc=", 7))
            l->malloc_obj = f + 7;
        else if (!strncmp(f, "next=", 5))
            l->next_obj = f + 5;
        else if (!strncmp(f, "libc=", 5))
            l->libc_obj = f + 5;
        else if (!strncmp(f, "exe=", 4))
            l->exe = f + 4;
        else if (!strncmp(f, "build=", 6))
            l->build = f + 6;
        else if (!strncmp(f, "record=", 7))
            l->record = f + 7;
    }
    if (!l->build)
        l->build = "";
    if (l->pid <= 0 || !l->malloc_obj || !l->libc_obj || !l->exe)
        return -1;
    if (!l->next_obj)
        l->next_obj = "?";
    /* A program holding only a canonical PLT entry for malloc (it takes
     * its address) does not define it: its calls go to the next definer. */
    mpb_elf_t e;
    if (!strcmp(l->malloc_obj, "(program)") && mpb_elf_inspect(l->exe, &e) == 0 && e.elf &&
        !e.exports_malloc)
        l->malloc_obj = l->next_obj;
    return 0;
}

/* 1 when a and b name the same file (device and inode, else the name). */
static int same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return !strcmp(a, b);
}

/* 1 when the line shows malloc served by lib (glibc: by the process's libc). */
static int served(const report_line_t *l, const char *lib) {
    if (l->malloc_obj[0] != '/')
        return 0;
    if (!lib || !*lib)
        return l->libc_obj[0] == '/' && same_file(l->malloc_obj, l->libc_obj);
    return same_file(l->malloc_obj, lib);
}

/* The first line of the log where ld.so complains, into buf ("" if none). */
static void loader_complaint(const char *log, char *buf, size_t len) {
    buf[0] = '\0';
    FILE *f = log ? fopen(log, "r") : NULL;
    char line[1024];
    for (int n = 0; f && n < 2000 && fgets(line, sizeof line, f); n++)
        if (strstr(line, "ld.so") || strstr(line, "LD_PRELOAD") ||
            strstr(line, "error while loading shared libraries")) {
            line[strcspn(line, "\r\n")] = '\0';
            mpb_copy(buf, len, line);
            break;
        }
    if (f)
        fclose(f);
}

/* Appends "; ld.so said ..." and the library's defect to why. */
static void add_causes(const mpb_prov_check_t *c, char *why, size_t len) {
    char note[600];
    size_t n = strlen(why);
    loader_complaint(c->err_log, note, sizeof note);
    if (note[0])
        n += (size_t)mpb_fmt(why + n, len > n ? len - n : 0, "; the loader said: %s", note);
    if (c->lib && *c->lib && n < len && mpb_elf_alloc_problem(c->lib, note, sizeof note))
        mpb_fmt(why + n, len - n, "; %s", note);
}

/* why for a line whose malloc came from elsewhere. */
static void describe_wrong(const report_line_t *l, const char *lib, size_t bad, size_t seen,
                           char *why, size_t len) {
    const char *want = lib && *lib ? lib : "glibc (the process's libc)";
    char who[64] = "";
    if (seen > 1)
        mpb_fmt(who, sizeof who, " (%zu of %zu processes wrong)", bad, seen);
    if (!strcmp(l->malloc_obj, "(program)"))
        mpb_fmt(why, len,
                "allocator not verified: %s (pid %ld) defines its own malloc, so %s "
                "did not serve it%s",
                l->exe, l->pid, want, who);
    else
        mpb_fmt(why, len,
                "allocator not verified: malloc of %s (pid %ld) was served by %s, "
                "not %s%s",
                l->exe, l->pid, l->malloc_obj[0] == '/' ? l->malloc_obj : "an unknown object", want,
                who);
}

/* why when no process reported. */
static void describe_silence(const mpb_prov_check_t *c, char *why, size_t len) {
    char said[8];
    loader_complaint(c->err_log, said, sizeof said);
    if (c->program && mpb_elf_is_static(c->program))
        mpb_fmt(why, len,
                "allocator not verified: %s is statically linked, so LD_PRELOAD "
                "cannot replace its malloc",
                c->program);
    else if (said[0])
        mpb_fmt(why, len,
                "allocator not verified: the program could not be started with the "
                "allocator preloaded");
    else
        mpb_fmt(why, len,
                "allocator not verified: no process loaded mpbench's probe (a "
                "statically linked or setuid program or one that clears LD_PRELOAD)");
}

/* Notes the build of line l in out: the workload's own line wins. */
static void note_build(const report_line_t *l, int own, int *have, mpb_prov_seen_t *out) {
    if (!out || (*have && !own))
        return;
    *have = 1;
    mpb_copy(out->build, sizeof out->build, l->build);
    free(out->record);
    out->record = l->record ? strdup(l->record) : NULL;
}

int mpb_prov_verify(const mpb_prov_check_t *c, char *why, size_t len, mpb_prov_seen_t *sb) {
    char *text = mpb_read_file(c->report);
    size_t seen = 0, bad = 0;
    int top = 0, have = 0;
    report_line_t first_bad = {0}, l;
    char *save = NULL;
    why[0] = '\0';
    if (sb)
        memset(sb, 0, sizeof *sb);
    for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        if (parse_line(line, &l) != 0)
            continue;
        seen++;
        top |= l.pid == c->pid;
        if (!served(&l, c->lib) && !bad++)
            first_bad = l;
        if (served(&l, c->lib) && (!have || l.pid == c->pid))
            note_build(&l, l.pid == c->pid, &have, sb);
    }
    int rc = 1;
    if (!seen) {
        describe_silence(c, why, len);
        rc = -1;
    } else if (bad) {
        describe_wrong(&first_bad, c->lib, bad, seen, why, len);
        rc = 0;
    } else if (!top) {
        mpb_fmt(why, len,
                "allocator not verified: the workload's own process (pid %ld) did "
                "not load mpbench's probe",
                c->pid);
        rc = 0;
    }
    if (rc != 1)
        add_causes(c, why, len);
    free(text);
    return rc;
}

/* 1 when process pid has the file path mapped (/proc/PID/maps). */
static int has_mapped(long pid, const char *path) {
    char maps[64], line[PATH_MAX + 128];
    int found = 0;
    mpb_fmt(maps, sizeof maps, "/proc/%ld/maps", pid);
    FILE *f = fopen(maps, "r");
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, path) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* 1 when process pid's initial environment has LD_PRELOAD naming probe,
 * or marks it as a helper the workload runs without the allocator on
 * purpose (MPB_NOT_MEASURED=1, workloads/README.md); 0 when it has not;
 * -1 when it cannot be told (gone, in the middle of an exec, cut short).
 * A program that rewrites its title over its environment (redis-server)
 * shows none: has_mapped() speaks for it. */
static int env_has_probe(long pid, const char *probe) {
    char path[64], buf[65536];
    mpb_fmt(path, sizeof path, "/proc/%ld/environ", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    int preload = 0;
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
        if (!strcmp(buf + i, "MPB_NOT_MEASURED=1"))
            return 1;
        if (!strncmp(buf + i, "LD_PRELOAD=", 11))
            preload = strstr(buf + i, probe) != NULL;
    }
    return preload ? 1 : n == 0 || n == sizeof buf - 1 ? -1 : 0;
}

/* 1 when process pid's environment marks it as a helper the workload runs
 * without the allocator on purpose (MPB_NOT_MEASURED=1): a static one too
 * (wl-redis runs ldconfig, statically linked, to find libc). */
static int not_measured(long pid) {
    char path[64], buf[65536];
    mpb_fmt(path, sizeof path, "/proc/%ld/environ", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        if (!strcmp(buf + i, "MPB_NOT_MEASURED=1"))
            return 1;
    return 0;
}

/* Checks one process once per program it runs; notes the first failure. */
static void watch_one(mpb_prov_watch_t *w, long pid) {
    char path[64], exe[PATH_MAX];
    struct stat st;
    mpb_fmt(path, sizeof path, "/proc/%ld/exe", pid);
    if (stat(path, &st) != 0)
        return;
    size_t i = 0;
    while (i < w->n && !(w->pid[i] == pid && w->exe[i] == (unsigned long)st.st_ino))
        i++;
    if (i < w->n || w->why[0])
        return;
    ssize_t len = readlink(path, exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = '\0';
    int env = 1;
    if (len > 0 && mpb_elf_is_static(exe) && !not_measured(pid))
        mpb_fmt(w->why, sizeof w->why,
                "allocator not verified: %s (pid %ld) in the workload's "
                "process tree is statically linked and ran without it",
                exe, pid);
    else if (!has_mapped(pid, w->probe) && (env = env_has_probe(pid, w->preload)) == 0)
        mpb_fmt(w->why, sizeof w->why,
                "allocator not verified: %s (pid %ld) in the workload's "
                "process tree ran with LD_PRELOAD removed or replaced",
                exe, pid);
    if (env >= 0 && w->n < MPB_WATCH_MAX) /* told apart: not looked at again */
        w->pid[w->n] = pid, w->exe[w->n++] = (unsigned long)st.st_ino;
}

/* root and its descendants (children of the main threads), depth-bounded. */
static void watch_tree(mpb_prov_watch_t *w, long pid, int depth) {
    char path[96], buf[4096];
    watch_one(w, pid);
    mpb_fmt(path, sizeof path, "/proc/%ld/task/%ld/children", pid, pid);
    FILE *f = depth < 16 ? fopen(path, "r") : NULL;
    if (!f)
        return;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
        watch_tree(w, strtol(tok, NULL, 10), depth + 1);
}

int mpb_prov_watch_scan(mpb_prov_watch_t *w, long root) {
    double now = mpb_now();
    if (now >= w->next) {
        watch_tree(w, root, 0);
        w->next = now + w->period_s;
    }
    return (int)((w->next - now) * 1000.0) + 1;
}

int mpb_prov_warn_lib(const char *name, const char *lib) {
    char problem[PATH_MAX + 128];
    if (!lib || !*lib || !mpb_elf_alloc_problem(lib, problem, sizeof problem))
        return 0;
    fprintf(stderr,
            "mpbench: warning: allocator %s: %s; its runs will fail the provenance "
            "check (status unverified)\n",
            name, problem);
    return 1;
}

int mpb_prov_warn_program(const char *name, const char *program) {
    if (!mpb_elf_is_static(program))
        return 0;
    fprintf(stderr,
            "mpbench: warning: workload %s (%s) is statically linked: LD_PRELOAD "
            "cannot give it another malloc; its runs will fail the provenance check "
            "(status unverified)\n",
            name, program);
    return 1;
}
