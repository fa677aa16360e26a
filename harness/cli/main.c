/* mpbench: the benchmarking toolkit's one binary. Dispatches
 * `mpbench <command> ...` to the command functions of commands.h, and
 * prints the overview for `mpbench`, `mpbench --help` or `mpbench help`,
 * and the version for `mpbench --version` (what help2man reads).
 * Each command prints its own --help. */
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

#ifndef MPB_VERSION
#define MPB_VERSION "unknown" /* the Makefile passes MPA_VERSION of mpalloc.h */
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *what;
} commands[] = {
    {"run", mpb_cmd_run, "run a matrix of allocators x workloads x threads x reps"},
    {"list", mpb_cmd_list, "allocators and workloads available on this machine"},
    {"summary", mpb_cmd_summary, "per-cell statistics of a results folder (summary.csv)"},
    {"plot", mpb_cmd_plot, "gnuplot PNGs of a results folder"},
    {"report", mpb_cmd_report, "report.md of a results folder"},
    {"compare", mpb_cmd_compare, "compare two results folders (regression check)"},
    {"merge", mpb_cmd_merge, "join shard folders into one"},
    {"sweep", mpb_cmd_sweep, "build mpalloc variants over a tunable grid and run them"},
    {"kernel", mpb_cmd_kernel, "the kernel-sim allocator matrix"},
    {"record", mpb_cmd_record, "record a program's allocation calls into a trace"},
    {"trace-stat", mpb_cmd_trace_stat, "describe a trace"},
    {"replay", mpb_cmd_replay, "replay a trace on each allocator (a results folder)"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void overview(FILE *f) {
    fputs("usage: mpbench <command> [options]   (mpbench <command> --help for each)\n"
          "Benchmarks malloc implementations (mpalloc, glibc, jemalloc, tcmalloc,\n"
          "mimalloc, any .so) with workloads run as child processes.\n\ncommands:\n",
          f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
    fputs("\nA typical session:\n"
          "  mpbench list\n"
          "  mpbench run --quick --out results/try1\n"
          "  mpbench compare results/base results/try1\n",
          f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        overview(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        overview(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("mpbench (mpalloc) %s\n", MPB_VERSION);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "mpbench: unknown command '%s'\n", cmd);
    overview(stderr);
    return 2;
}
