/* What a results folder says about where and how its runs were made, read
 * from its meta.json, for the commands that join or set side by side two
 * folders (merge, compare): the machine (host, CPU model, core count,
 * kernel), how the run ended (state), the caller's allocator-related
 * environment, and per allocator the build that ran (its build id and
 * record). Joining folders whose runs differ in any of these under the same
 * names would credit one thing's numbers to another. */
#ifndef MPB_FOLDERID_H
#define MPB_FOLDERID_H

#include <stddef.h>

#include "common/json.h"

typedef struct mpb_folder {
    const char *dir;
    json_t *meta; /* meta.json, or NULL when missing/unreadable */
    int has_meta; /* 1 when meta.json was read */
} mpb_folder_t;

/* Reads dir/meta.json (a missing one leaves f->meta NULL; no message). */
void mpb_folder_load(const char *dir, mpb_folder_t *f);
void mpb_folder_free(mpb_folder_t *f);

/* The machine fields that differ between a and b, as "host a1 / b1; kernel
 * ..." into buf ("" when none differ or either folder lacks meta.json).
 * Returns the number of fields that differ. */
int mpb_folder_machine_diff(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len);

/* The measurement settings (meta.json "matrix": pinning, warm-up, RSS
 * sampling period, timeout) that differ between a and b, as "pinning on /
 * off; ..." into buf; a setting one folder does not record is not compared.
 * Returns how many differ. */
int mpb_folder_setup_diff(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len);

/* The environment variables (meta.json "environment") that differ between a
 * and b, as "MALLOC_ARENA_MAX=1 / (unset); ..." into buf. Returns how many. */
int mpb_folder_env_diff(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len);

/* The build id recorded for allocator name (meta.json allocators[].build_id),
 * or NULL when the folder does not say. */
const char *mpb_folder_build_id(const mpb_folder_t *f, const char *name);

/* The allocator's entry of meta.json's "allocators" list, or NULL. */
const json_t *mpb_folder_alloc(const mpb_folder_t *f, const char *name);

/* The id of workload name (meta.json workload_ids, catalog/build.h), or
 * NULL when the folder does not say. */
const char *mpb_folder_workload_id(const mpb_folder_t *f, const char *name);

/* The first workload whose id differs between a and b (both known), as
 * "NAME: id in A / id in B" into buf. Returns 1 when there is one. */
int mpb_folder_workload_diff(const mpb_folder_t *a, const mpb_folder_t *b, char *buf, size_t len);

/* meta.json's "state" ("complete", "interrupted", ...), or NULL. */
const char *mpb_folder_state(const mpb_folder_t *f);

#endif /* MPB_FOLDERID_H */
