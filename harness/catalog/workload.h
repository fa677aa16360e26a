/* Workload programs: `wl-<name>` executables in mpbench's own folder, any
 * executable given by path, a trace replayed, or any command line (run as
 * written through `sh -c`, as hyperfine does). Finds them, and reads the
 * first line of a workload's --help for `mpbench list`. */
#ifndef MPB_WORKLOAD_H
#define MPB_WORKLOAD_H

#include <limits.h>
#include <stddef.h>

#include "common/util.h"

typedef struct mpb_workload {
    char name[256];       /* workload column: "larson" for wl-larson */
    char path[PATH_MAX];  /* executable */
    double scale;         /* NAME@F: this workload's own scale F; 0: the matrix's */
    char trace[PATH_MAX]; /* trace:PATH workloads: the trace (absolute), else "" */
    char plan[PATH_MAX];  /* its replay plan, made by mpb_workload_plan */
    int trace_threads;    /* trace workloads: threads the trace recorded (the only
                               thread count it runs at), set by mpb_workload_plan; else 0 */
    char *command;        /* --command workloads: the shell text (owned), else NULL */
    const char *prepare;  /* shell text run before each of its runs (--prepare), or NULL */
    const char *ops_from; /* regex whose match in its stdout is the ops count, or NULL */
    void *ops_re;         /* ops_from compiled (a regex_t, owned), or NULL */
} mpb_workload_t;

#define MPB_CMD_MAX 8192 /* longest --command text */

/* A --command workload: name (NULL or "": one made from the command's
 * first word, which the caller makes unique) and the shell text, run as
 * `sh -c TEXT` with {threads} and {scale} replaced. Returns 0, or -1 with a
 * message (empty text, a newline in it, a bad name). */
int mpb_workload_command(const char *name, const char *text, mpb_workload_t *w);

/* Splits "NAME=CMD" into name and command when the text before the first
 * '=' is a workload name (letters, digits, '.', '_', '-', starting with a
 * letter or digit) with no blank and not all capitals (FOO=bar prog is an
 * environment assignment); returns the command and writes the name, or
 * returns NULL (the whole text is the command). */
const char *mpb_workload_split_named(const char *spec, char *name, size_t len);

/* The program a command line starts first, as sh reads it (quotes and
 * backslashes resolved), into buf: its first word that is not a variable
 * assignment (X="a b"), a redirection and its target, an option or a
 * number, a prefix word (env, exec, nice, time, command, nohup) or a
 * `cd DIR &&`; "" when there is none. */
void mpb_workload_command_program(const char *text, char *buf, size_t len);

/* 1 when w's command line mentions {threads}: it then runs at every thread
 * count; a command that does not runs once, at the matrix's first count. */
int mpb_workload_uses_threads(const mpb_workload_t *w);

/* w's command with {threads} and {scale} replaced (malloc'd). */
char *mpb_workload_command_text(const mpb_workload_t *w, const char *threads, const char *scale);

/* Every wl-* executable beside mpbench, sorted by name, appended to l. */
void mpb_workload_discover(mpb_strlist_t *l);

/* A name (wl-<name> beside mpbench) or a path, optionally followed by
 * "@F" (F > 0: run it at scale F whatever the matrix's scale, so workloads
 * of different natural lengths fit one matrix); or trace:TRACE (replayed by
 * mpb-replay beside mpbench; workload name trace-<file name without
 * extension>; no @F). Returns 0, or -1 when there is no such executable or
 * trace (w->path says where it was looked for) or F is bad. */
int mpb_workload_resolve(const char *name, mpb_workload_t *w);

/* For a trace workload: builds its replay plan in a temporary file (removed
 * when mpbench exits) and sets w->trace_threads. Returns 0 (also for other workloads), or -1 with a
 * message when the trace cannot be replayed (truncated, corrupt, ...). */
int mpb_workload_plan(mpb_workload_t *w);

/* The workload's one-line description: the line `<path> --describe` prints
 * (every workload declares one), or a note that it printed none. */
void mpb_workload_describe(const char *path, char *buf, size_t len);

#endif /* MPB_WORKLOAD_H */
