/* Small helpers shared by mpbench's runner files: string lists, the
 * directory mpbench lives in, time stamps, and running a command to capture
 * its first line of output. Nothing here knows about allocators or rows. */
#ifndef MPB_UTIL_H
#define MPB_UTIL_H

#include <stddef.h>

/* A growable list of owned strings. */
typedef struct mpb_strlist {
    char **v;
    size_t n;
} mpb_strlist_t;

void mpb_strlist_add(mpb_strlist_t *l, const char *s);
void mpb_strlist_free(mpb_strlist_t *l);
/* Splits "a,b,c" (empty items dropped) and appends the items to l. */
void mpb_strlist_split(mpb_strlist_t *l, const char *csv);
/* Joins l with commas into buf (truncating at len). */
void mpb_strlist_join(const mpb_strlist_t *l, char *buf, size_t len);

/* Directory holding the running mpbench binary (no trailing slash). */
const char *mpb_self_dir(void);

/* Current UTC time as ISO 8601 ("2024-05-01T12:00:00Z"); buf >= 32 bytes. */
void mpb_iso_now(char *buf, size_t len);
/* Seconds of CLOCK_MONOTONIC. */
double mpb_now(void);
/* Formats seconds as "1m02s" / "1h03m" / "12s". */
void mpb_fmt_duration(double s, char *buf, size_t len);

/* Runs argv (PATH searched), stdin from /dev/null, stderr discarded, and
 * copies the first line of stdout into buf. Gives up after timeout_s.
 * Returns 0 when the command ran and exited 0, -1 otherwise. */
int mpb_capture_line(char *const argv[], char *buf, size_t len, double timeout_s);

/* 1 when path names an existing regular file. */
int mpb_is_file(const char *path);
/* Writes a whole file atomically (temp file + rename). Returns 0 or -1. */
int mpb_write_file(const char *path, const char *text);
/* Reads a whole file into a malloc'd string (NULL on error). */
char *mpb_read_file(const char *path);

/* Copies src into dst (len bytes), truncating; returns dst. */
char *mpb_copy(char *dst, size_t len, const char *src);

/* snprintf that tolerates truncation (the result is cut at len). */
int mpb_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* mkdir -p: path and its missing parents (0755). Returns 0, or -1 (errno). */
int mpb_make_dirs(const char *path);

/* Parses all of s (no leading blanks, nothing after) as a finite number in
 * [lo, hi] into *out. Returns 0, or -1 (out untouched): empty, garbage, nan,
 * inf, out of range. */
int mpb_parse_double(const char *s, double lo, double hi, double *out);
/* The same for a decimal integer in [lo, hi]. */
int mpb_parse_long(const char *s, long lo, long hi, long *out);

/* xmalloc-style helpers: print and exit(1) when memory runs out. */
void *mpb_xrealloc(void *p, size_t n);
char *mpb_xstrdup(const char *s);

/* Options of a command whose only option is -h/--help (argv[0] is the
 * command's name): prints help on stdout for --help, "mpbench CMD: unknown
 * option 'X' (see mpbench CMD --help)" on stderr for any other option.
 * Returns -1 when the command goes on, its operands being argv[*first] to
 * argv[argc - 1]; otherwise the exit status (0 after --help, 2). */
int mpb_parse_help_only(int argc, char **argv, const char *help, int *first);

#endif /* MPB_UTIL_H */
