/* meta.json: the context a results folder needs to be read later: machine
 * and topology (hwloc), kernel, compiler, allocators with paths and
 * versions, mpalloc's tunables and variants' flags, git commit, command
 * line, start/end times, which perf counters the machine has. */
#ifndef MPB_META_H
#define MPB_META_H

#include <stddef.h>

#include "catalog/alloc.h"
#include "catalog/build.h"
#include "common/json.h"
#include "catalog/matrix.h"
#include "catalog/workload.h"

typedef struct mpb_meta {
    const mpb_matrix_t *m;
    const mpb_alloc_t *allocs;
    size_t nalloc;
    const mpb_workload_t *wls;
    size_t nwl;
    const char *cmdline;
    const char *resumed_at;    /* NULL unless this attempt is a --resume */
    const char *end;           /* NULL while the matrix is running */
    const char *state;         /* "running", "complete", "interrupted", "write-error" */
    long warmup_runs;          /* uncounted warm-up runs made so far (all attempts) */
    const mpb_build_t *builds; /* per allocator: the build that runs (build.h) */
    json_t *machine_load;      /* machload.h's record at the end, or NULL */
} mpb_meta_t;

/* Writes DIR/meta.json (atomically). Returns 0 or -1 (errno). */
int mpb_meta_write(const char *dir, const mpb_meta_t *meta);

/* Pieces from the source tree (meta_src.c). */
/* {host, cpu_model, cores, pus, topology, kernel, compiler, mpbench_compiler}
 * members added to o. */
void mpb_meta_machine(json_t *o);
void mpb_meta_git(char *buf, size_t len); /* commit hash or "unknown" */

#endif /* MPB_META_H */
