/* The options of a matrix run on the command line, declared once: `mpbench
 * run` takes them all, sweep the matrix options it passes on to its runs,
 * replay a few. Each command's getopt table uses the codes below, and
 * mpb_cli_run_option puts a value into mpb_run_opts_t (run/run.h) with the
 * checks and messages every command shares; cli/run_cmd.c then runs the
 * matrix and its analysis (mpb_cli_run). */
#ifndef MPB_RUN_OPTS_H
#define MPB_RUN_OPTS_H

#include "run/run.h"

/* getopt codes of the long-only options (short ones are their letter:
 * a w c t r o q s h). */
enum {
    MPB_OPT_RESUME = 256,
    MPB_OPT_TIMEOUT,
    MPB_OPT_PIN,
    MPB_OPT_NOPIN,
    MPB_OPT_SHARD,
    MPB_OPT_MEASURE,
    MPB_OPT_SEED,
    MPB_OPT_NOREPORT,
    MPB_OPT_WARMUP,
    MPB_OPT_SAMPLE,
    MPB_OPT_CMDNAME,
    MPB_OPT_PREPARE,
    MPB_OPT_OPSFROM,
    MPB_OPT_EXPJSON,
    MPB_OPT_EXPMD,
    MPB_OPT_NEXT /* the first code a command may use for its own options */
};

/* "WHO: MSG: ARG\n(see WHO --help)" on stderr; returns 2 (bad usage). */
int mpb_cli_usage(const char *who, const char *msg, const char *arg);

/* A finite number in [lo, hi] from arg into *v, else a usage message
 * naming opt. Returns 0 or 2. */
int mpb_cli_real(const char *who, const char *opt, const char *arg, double lo, double hi,
                 double *v);
/* A whole number in [lo, hi] from arg into *v, else a usage message. 0 or 2. */
int mpb_cli_long(const char *who, const char *opt, const char *arg, long lo, long hi, long *v);

/* One matrix option (code c, value arg) into o: --alloc --workload --threads
 * --repeat --quick --scale --timeout --pin --no-pin --shard --measure --seed
 * --warmup --sample-ms --command --command-name --prepare --ops-from.
 * Returns 0, 2 after a usage message, or -1 when c is none of them. */
int mpb_cli_run_option(const char *who, int c, const char *arg, mpb_run_opts_t *o);

/* What follows a run besides its matrix: the analysis asked for. */
typedef struct mpb_cli_after {
    int report;                          /* summary, plots and report (--no-report: 0) */
    const char *export_json, *export_md; /* --export-json / --export-markdown, or NULL */
} mpb_cli_after_t;

/* Runs the matrix of o, then (when it completed) the folder's analysis with
 * the digest on stdout, and prints the report's path last. Returns the exit
 * status of `mpbench run` (4 also when an export could not be written). */
int mpb_cli_run(const mpb_run_opts_t *o, const mpb_cli_after_t *after);

/* argv[0..argc) as "mpbench ARGV..." into buf (the command line meta.json
 * records). */
void mpb_cli_cmdline(int argc, char **argv, char *buf, size_t len);

#endif /* MPB_RUN_OPTS_H */
