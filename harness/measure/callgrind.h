/* --measure instructions: the command that runs a workload under
 * valgrind's callgrind, and the instruction count (Ir) read back from the
 * output files it leaves (one per process, summed). */
#ifndef MPB_CALLGRIND_H
#define MPB_CALLGRIND_H

#include <stddef.h>

/* Number of argv slots mpb_callgrind_argv fills. */
#define MPB_CALLGRIND_ARGC 5

/* Writes the valgrind arguments (no NULL) into argv; out_prefix is the
 * path prefix of the output files (".<pid>" is appended per process);
 * opt must have room for the --callgrind-out-file option. */
void mpb_callgrind_argv(char **argv, char *opt, size_t optlen, const char *out_prefix);

/* Sums the totals of every out_prefix.* file into out as a decimal string.
 * Returns 0, or -1 when no file held a total. */
int mpb_callgrind_total(const char *out_prefix, char *out, size_t len);

/* Removes output files left by an earlier attempt at the same run. */
void mpb_callgrind_clear(const char *out_prefix);

/* 1 when valgrind can be run. */
int mpb_callgrind_available(void);

#endif /* MPB_CALLGRIND_H */
