/* Which build of each allocator a run uses, and whether it is the one asked
 * for. Every libmpalloc carries its build record (allocator/src/
 * build_info.c: build id, source id, commit, dirty, flags, compiler,
 * tunables as compiled); any other library is known by its GNU build-id.
 * mpbench reads the build from the file before the runs, checks it against
 * the sources and flags it stands for, records it in meta.json, and every
 * run's probe reports the build that served it (provenance.h), which must
 * be the same. */
#ifndef MPB_BUILD_H
#define MPB_BUILD_H

#include <stddef.h>

#include "catalog/alloc.h"
#include "common/json.h"

typedef struct mpb_build {
    char id[96];    /* "mpa:<build_id>", "gnu:<hex>" or "" (elfinfo.h) */
    json_t *record; /* a libmpalloc's build record (from the file), or NULL */
    json_t *ran;    /* the record as a run's probe reported it, or NULL */
    long runs_seen; /* runs whose probe reported this build */
    int tree;       /* 1: the build of this source tree (mpalloc, mpalloc-<v>) */
} mpb_build_t;

/* Reads the build of a's library (lib for glibc: the C library). */
void mpb_build_read(const mpb_alloc_t *a, const char *libc, mpb_build_t *b);
void mpb_build_free(mpb_build_t *b);

/* For a build of this tree: 1 when it is stale (the allocator sources
 * changed since it was built, its variant's flags file names other flags
 * than it was built with, or it has no build record), with why and the
 * command that rebuilds it; 0 when it is what the name asks for. */
int mpb_build_stale(const mpb_alloc_t *a, const mpb_build_t *b, char *why, size_t wlen, char *fix,
                    size_t flen);

/* 1 when the build record (of the file at path) was made from other
 * allocator sources than the source tree mpbench belongs to holds now
 * (its source id differs), with why; 0 when the same or it cannot be told. */
int mpb_build_sources_changed(const json_t *record, const char *path, char *why, size_t len);

/* The meta.json entry of a build: {"build_id", "record" (or null),
 * "confirmed_by_runs"} (new reference). */
json_t *mpb_build_json(const mpb_build_t *b);

/* What a workload is, beyond its name, into id: "gnu:<hex>" for a program
 * with a GNU build-id, "fnv:<hex>" (FNV-1a 64 of the file) for a script,
 * a trace or a program without one, "cmd:<hex>" of a --command's text,
 * "" when the file cannot be read. Two folders whose workload of one name
 * has other ids ran different programs under that name. */
struct mpb_workload;
void mpb_workload_id(const struct mpb_workload *w, char *id, size_t len);

#endif /* MPB_BUILD_H */
