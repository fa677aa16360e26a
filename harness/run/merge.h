/* `mpbench merge`'s checks that its input folders are shards of one run. */
#ifndef MPB_MERGE_H
#define MPB_MERGE_H

/* Checks dirs[0..n): distinct folders, none being written (lock.h), the
 * same matrix in every matrix.txt with distinct shard numbers, valid row
 * identities (threads, rep, scale and measure of the matrix) and no run in
 * two folders. Returns 0, or the exit status (2, or MPB_EXIT_BUSY) after a
 * message on stderr. */
int mpb_merge_check(char **dirs, int n);

#endif /* MPB_MERGE_H */
