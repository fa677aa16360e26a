/* The matrix options of `mpbench run`, sweep and replay, parsed once
 * (run_opts.h): each value checked where it enters, with one message
 * format for every command. */
#include "cli/run_opts.h"
#include "common/util.h"

#include <stdio.h>

int mpb_cli_usage(const char *who, const char *msg, const char *arg) {
    fprintf(stderr, "%s: %s%s%s\n(see %s --help)\n", who, msg, arg ? ": " : "", arg ? arg : "",
            who);
    return 2;
}

int mpb_cli_real(const char *who, const char *opt, const char *arg, double lo, double hi,
                 double *v) {
    char what[96];
    if (mpb_parse_double(arg, lo, hi, v) == 0)
        return 0;
    mpb_fmt(what, sizeof what, "bad %s (want a number, %g..%g)", opt, lo, hi);
    return mpb_cli_usage(who, what, arg);
}

int mpb_cli_long(const char *who, const char *opt, const char *arg, long lo, long hi, long *v) {
    char what[96];
    if (mpb_parse_long(arg, lo, hi, v) == 0)
        return 0;
    mpb_fmt(what, sizeof what, "bad %s (want a whole number, %ld..%ld)", opt, lo, hi);
    return mpb_cli_usage(who, what, arg);
}

/* The options that take a number. */
static int number_option(const char *who, int c, const char *arg, mpb_run_opts_t *o) {
    long v = 0;
    int rc;
    switch (c) {
    case 'r':
        rc = mpb_cli_long(who, "--repeat", arg, 1, 100000, &v);
        o->repeat = (int)v;
        return rc;
    case 's':
        return mpb_cli_real(who, "--scale", arg, 1e-6, 1e6, &o->scale);
    case MPB_OPT_TIMEOUT:
        return mpb_cli_real(who, "--timeout", arg, 0.001, 1e7, &o->timeout);
    case MPB_OPT_SEED:
        return mpb_cli_long(who, "--seed", arg, 0, 4294967295L, &o->seed);
    case MPB_OPT_WARMUP:
        return mpb_cli_real(who, "--warmup", arg, 0, 1000, &o->warmup);
    case MPB_OPT_SAMPLE:
        return mpb_cli_real(who, "--sample-ms", arg, 0, 1e7, &o->sample_ms);
    default:
        return -1;
    }
}

int mpb_cli_run_option(const char *who, int c, const char *arg, mpb_run_opts_t *o) {
    switch (c) {
    case 'a':
        o->alloc = arg;
        return 0;
    case 'w':
        o->workload = arg;
        return 0;
    case 't':
        o->threads = arg;
        return 0;
    case 'q':
        o->quick = 1;
        return 0;
    case MPB_OPT_PIN:
    case MPB_OPT_NOPIN:
        o->pin = c == MPB_OPT_PIN;
        return 0;
    case MPB_OPT_SHARD:
        o->shard = arg;
        return 0;
    case MPB_OPT_MEASURE:
        o->measure = arg;
        return 0;
    case 'c':
        mpb_strlist_add(&o->cmd.commands, arg);
        return 0;
    case MPB_OPT_CMDNAME:
        mpb_strlist_add(&o->cmd.names, arg);
        return 0;
    case MPB_OPT_PREPARE:
        mpb_strlist_add(&o->cmd.prepare, arg);
        return 0;
    case MPB_OPT_OPSFROM:
        mpb_strlist_add(&o->cmd.ops_from, arg);
        return 0;
    default:
        return number_option(who, c, arg, o);
    }
}

void mpb_cli_cmdline(int argc, char **argv, char *buf, size_t len) {
    size_t off = (size_t)mpb_fmt(buf, len, "mpbench");
    for (int i = 0; i < argc && off < len; i++)
        off += (size_t)mpb_fmt(buf + off, len - off, " %s", argv[i]);
}
