/* `mpbench merge`: joining shard folders into one, and the checks that its
 * input folders are shards of one run. */
#ifndef MPB_MERGE_H
#define MPB_MERGE_H

#include "common/json.h"

/* Checks dirs[0..n): distinct folders, none being written (lock.h), the
 * same matrix in every matrix.txt with distinct shard numbers, valid row
 * identities (threads, rep, scale and measure of the matrix) and no run in
 * two folders. Returns 0, or the exit status (2, or MPB_EXIT_BUSY) after a
 * message on stderr. */
int mpb_merge_check(char **dirs, int n);

/* What a merge may join anyway. */
typedef struct mpb_merge_opts {
    int allow_mixed;      /* shards of other machines or environments (recorded, marked) */
    int allow_incomplete; /* shards that did not finish (the result is "incomplete") */
} mpb_merge_opts_t;

/* Checks the shards' meta.json (merge_ident.c): the same build of every
 * allocator (always), the same machine and environment, every shard
 * complete (unless allowed by o). Returns 0, or 2 after a message. */
int mpb_merge_check_context(char **dirs, int n, const mpb_merge_opts_t *o);

/* Records every shard (its folder, machine, state, environment) in the
 * merged meta.json, with "mixed" (what differs) and "state" ("complete"
 * only when every shard is). */
void mpb_merge_mark(json_t *meta, char **dirs, int n);

/* Joins the shard folders dirs[0..n) into the new folder out (refused when
 * it exists, or when the checks above refuse): results.csv and
 * timeline.csv rows, meta.json (marked), matrix.txt unsharded. Returns 0;
 * 2 bad input (message printed), MPB_EXIT_BUSY, or 4 when out could not be
 * written. */
int mpb_merge(const char *out, char **dirs, int n, const mpb_merge_opts_t *o);

#endif /* MPB_MERGE_H */
