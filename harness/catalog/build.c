/* Builds of allocators (build.h): read from the library file, checked
 * against the source tree and the variant's flags file. The source id of
 * the tree comes from the same script the Makefile uses
 * (scripts/build-info source-id), so both count the same files. */
#include "catalog/build.h"
#include "catalog/tunable.h"
#include "catalog/workload.h"
#include "common/elfinfo.h"
#include "common/util.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* 1 when path lies in the build folder mpbench belongs to. */
static int in_own_build(const char *path) {
    char build[PATH_MAX + 8], real[PATH_MAX];
    mpb_fmt(build, sizeof build, "%s/..", mpb_self_dir());
    if (!realpath(build, real))
        return 0;
    size_t n = strlen(real);
    return !strncmp(path, real, n) && path[n] == '/';
}

void mpb_build_read(const mpb_alloc_t *a, const char *libc, mpb_build_t *b) {
    mpb_elf_build_t e;
    memset(b, 0, sizeof *b);
    const char *file = a->path[0] ? a->path : libc;
    if (!file || mpb_elf_build(file, &e) != 0)
        return;
    mpb_copy(b->id, sizeof b->id, e.id);
    if (e.record)
        b->record = json_loads(e.record, 0, NULL);
    free(e.record);
    b->tree =
        (!strcmp(a->name, "mpalloc") || !strncmp(a->name, "mpalloc-", 8)) && in_own_build(a->path);
}

void mpb_build_free(mpb_build_t *b) {
    json_decref(b->record);
    json_decref(b->ran);
    b->record = b->ran = NULL;
}

/* The source files of src/allocator newer than path, "a, b" into buf. */
static void newer_sources(const char *src, const char *path, char *buf, size_t len) {
    static const char *const dirs[] = {"allocator/include", "allocator/src", "allocator/src/pal"};
    struct stat lib, st;
    size_t off = 0;
    buf[0] = '\0';
    if (stat(path, &lib) != 0)
        return;
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char dir[PATH_MAX], f[PATH_MAX + 256];
        mpb_fmt(dir, sizeof dir, "%s/%s", src, dirs[d]);
        DIR *dp = opendir(dir);
        for (struct dirent *e; dp && (e = readdir(dp)) != NULL;) {
            size_t n = strlen(e->d_name);
            if (n < 3 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h")))
                continue;
            mpb_fmt(f, sizeof f, "%s/%s", dir, e->d_name);
            if (stat(f, &st) == 0 && st.st_mtime >= lib.st_mtime && off < len)
                off += (size_t)mpb_fmt(buf + off, len - off, "%s%s/%s", off ? ", " : "", dirs[d],
                                       e->d_name);
        }
        if (dp)
            closedir(dp);
    }
}

/* The flags file of a variant build: <build>/variants/<v>/flags, trimmed,
 * or NULL (none: the default build). */
static char *variant_flags(const mpb_alloc_t *a, char *path, size_t len) {
    if (strncmp(a->name, "mpalloc-", 8) != 0)
        return NULL;
    mpb_fmt(path, len, "%s/../variants/%s/flags", mpb_self_dir(), a->name + 8);
    char *t = mpb_read_file(path);
    if (t) {
        t[strcspn(t, "\n")] = '\0';
        char *s = t + strspn(t, " ");
        memmove(t, s, strlen(s) + 1);
        for (size_t n = strlen(t); n && t[n - 1] == ' ';)
            t[--n] = '\0';
    }
    return t;
}

/* The command that rebuilds a's library (flags: what its name asks for). */
static void rebuild_command(const mpb_alloc_t *a, const char *src, const char *flags, char *fix,
                            size_t len) {
    char build[PATH_MAX + 8], real[PATH_MAX] = "";
    mpb_fmt(build, sizeof build, "%s/..", mpb_self_dir());
    if (!realpath(build, real))
        mpb_copy(real, sizeof real, build);
    const char *v = a->name + 8;
    if (!strcmp(a->name, "mpalloc"))
        mpb_fmt(fix, len, "make -C %s BUILD=%s lib", src, real);
    else if (!strcmp(v, "checked") || !strcmp(v, "debug"))
        mpb_fmt(fix, len, "make -C %s BUILD=%s %s", src, real, v);
    else
        mpb_fmt(fix, len, "make -C %s BUILD=%s variant NAME=%s FLAGS='%s'", src, real, v,
                flags ? flags : "...");
}

/* The source id of the tree at src now, or "" when it cannot be told. */
static void tree_source_id(const char *src, char *id, size_t len) {
    char script[PATH_MAX + 32];
    mpb_fmt(script, sizeof script, "%s/scripts/build-info", src);
    char *argv[] = {script, "source-id", (char *)src, NULL};
    if (mpb_capture_line(argv, id, len, 20.0) != 0)
        id[0] = '\0';
}

int mpb_build_sources_changed(const json_t *record, const char *path, char *why, size_t len) {
    char src[PATH_MAX], now[64] = "", newer[1024];
    const char *sid = mpb_json_get_text(record, "source_id");
    mpb_src_dir(src, sizeof src);
    if (!sid)
        return 0;
    tree_source_id(src, now, sizeof now);
    if (!now[0] || !strcmp(now, sid))
        return 0;
    newer_sources(src, path, newer, sizeof newer);
    mpb_fmt(why, len,
            "%s was built from other allocator sources than %s/allocator holds now (source id %s "
            "in it, %s now%s%s)",
            path, src, sid, now, newer[0] ? "; newer than it: " : "", newer);
    return 1;
}

/* s without leading and trailing blanks, into buf. */
static const char *trim(const char *s, char *buf, size_t len) {
    mpb_copy(buf, len, s + strspn(s, " "));
    for (size_t n = strlen(buf); n && buf[n - 1] == ' ';)
        buf[--n] = '\0';
    return buf;
}

/* Why b, a build of this tree, is not what a's name asks for ("" if it
 * is). flags: the variant's flags file (NULL: none), fpath its path. */
static void staleness(const mpb_alloc_t *a, const mpb_build_t *b, const char *flags,
                      const char *fpath, char *why, size_t wlen) {
    char built[1024];
    const char *sid = mpb_json_get_text(b->record, "source_id");
    const char *bf = mpb_json_get_text(b->record, "flags");
    why[0] = '\0';
    if (!b->record || !sid || !bf) {
        mpb_fmt(why, wlen, "%s carries no build record (built before build records existed)",
                a->path);
        return;
    }
    if (mpb_build_sources_changed(b->record, a->path, why, wlen))
        return; /* why says which */
    if (strcmp(a->name, "mpalloc") && !flags) {
        mpb_fmt(why, wlen, "%s is missing: the last `make variant` of %s did not finish", fpath,
                a->name + 8);
    } else if (flags && strcmp(trim(bf, built, sizeof built), flags)) {
        mpb_fmt(why, wlen, "%s names the flags '%s', but %s was built with '%s'", fpath, flags,
                a->path, built);
    }
}

int mpb_build_stale(const mpb_alloc_t *a, const mpb_build_t *b, char *why, size_t wlen, char *fix,
                    size_t flen) {
    char src[PATH_MAX], fpath[PATH_MAX + 64], built[1024];
    why[0] = fix[0] = '\0';
    if (!b->tree)
        return 0;
    mpb_src_dir(src, sizeof src);
    char *flags = variant_flags(a, fpath, sizeof fpath);
    const char *bf = mpb_json_get_text(b->record, "flags");
    staleness(a, b, flags, fpath, why, wlen);
    rebuild_command(a, src, flags ? flags : bf ? trim(bf, built, sizeof built) : NULL, fix, flen);
    free(flags);
    return why[0] != '\0';
}

/* FNV-1a 64 of n bytes. */
static unsigned long long fnv(const unsigned char *p, size_t n, unsigned long long h) {
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* FNV-1a 64 of the file at path into id ("fnv:<hex>"), or "" if unreadable. */
static void file_id(const char *path, char *id, size_t len) {
    unsigned char buf[65536];
    unsigned long long h = 0xcbf29ce484222325ull;
    FILE *f = fopen(path, "rb");
    id[0] = '\0';
    if (!f)
        return;
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
        h = fnv(buf, n, h);
    if (!ferror(f))
        mpb_fmt(id, len, "fnv:%016llx", h);
    fclose(f);
}

void mpb_workload_id(const mpb_workload_t *w, char *id, size_t len) {
    mpb_elf_build_t e;
    id[0] = '\0';
    if (w->command) {
        mpb_fmt(id, len, "cmd:%016llx",
                fnv((const unsigned char *)w->command, strlen(w->command), 0xcbf29ce484222325ull));
    } else if (w->trace[0]) {
        file_id(w->trace, id, len);
    } else if (mpb_elf_build(w->path, &e) == 0 && !strncmp(e.id, "gnu:", 4)) {
        mpb_copy(id, len, e.id);
        free(e.record);
    } else {
        free(e.record);
        file_id(w->path, id, len);
    }
}

json_t *mpb_build_json(const mpb_build_t *b) {
    json_t *o = json_object();
    mpb_json_set_text(o, "build_id", b->id);
    json_object_set(o, "record", b->ran ? b->ran : b->record ? b->record : json_null());
    mpb_json_set_text(o, "record_read_from",
                      b->ran      ? "the library that ran (mpbench-probe, inside a run)"
                      : b->record ? "the library file (no run has reported it yet)"
                                  : NULL);
    json_object_set_new(o, "confirmed_by_runs", json_integer(b->runs_seen));
    return o;
}
