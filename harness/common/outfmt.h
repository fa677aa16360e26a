/* Output helpers shared by the analysis commands: numbers as text (empty for
 * a missing value), file names made safe from workload
 * names, the results folder's files, and the common --help test. */
#ifndef MPB_OUTFMT_H
#define MPB_OUTFMT_H

#include <stddef.h>
#include <stdio.h>

typedef struct mpb_num {
    char s[40];
} mpb_num_t;

/* v with 6 significant digits (all digits from 10^5 on), "" when v is NAN. */
mpb_num_t mpb_fmt_num(double v);

/* v for people: 3-4 significant digits, k/M/G suffix past 10^4; "-" for NAN. */
mpb_num_t mpb_fmt_human(double v);

/* A ratio for people: 2 decimals (3 significant digits when tiny/huge). */
mpb_num_t mpb_fmt_ratio(double r);

/* Copies s into buf keeping [A-Za-z0-9._-] and turning the rest into '_'. */
const char *mpb_safe_name(const char *s, char *buf, size_t len);

/* buf = dir "/" name; returns buf. */
const char *mpb_path(char *buf, size_t len, const char *dir, const char *name);

/* Parses `mpbench CMD [-h|--help] DIR` with getopt_long. Returns 0 with
 * *dir set, 1 after printing help on stdout, 2 on bad usage (message and
 * help on stderr). */
int mpb_parse_dir(int argc, char **argv, const char *help, const char **dir);

#endif /* MPB_OUTFMT_H */
