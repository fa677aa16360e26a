/* `mpbench replay TRACE [--alloc LIST] [--repeat N] --out DIR`: the trace's
 * calls replayed on each allocator, as `mpbench run --workload trace:TRACE`
 * with the thread column set to the trace's thread count (mpb_cli_run with
 * those options). The results folder is a run's: results.csv (alloc_s,
 * harness_ns_per_call and replay_s in the extra column), timeline.csv,
 * summary, plots, report. A trace that is not whole is refused before
 * anything runs. */
#include "cli/commands.h"
#include "cli/run_opts.h"
#include "common/util.h"
#include "trace/trace_read.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char replay_help[] =
    "usage: mpbench replay TRACE [--alloc LIST] [--repeat N] [--timeout S]\n"
    "                      [--sample-ms MS] [--no-report] --out DIR\n"
    "Replays the allocation calls of TRACE (from `mpbench record`) on each\n"
    "allocator in a child process (build/bin/mpb-replay under LD_PRELOAD): one\n"
    "thread per recorded thread, each in its recorded order; a free of an object\n"
    "made by another thread waits until that thread made it. Each new object's\n"
    "first 64 bytes and one byte per 4 KiB page are written.\n"
    "\n"
    "  -a, --alloc LIST    allocators: names, paths or NAME=PATH, as mpbench run\n"
    "                      takes them (default: as mpbench run)\n"
    "  -r, --repeat N      counted replays per allocator (default 5)\n"
    "  -o, --out DIR       results folder (the format of mpbench run)\n"
    "      --timeout S     kill a replay after S seconds (default 60)\n"
    "      --sample-ms MS  RSS sampling period for timeline.csv (default 10)\n"
    "      --no-report     skip summary, plot and report\n"
    "\n"
    "Columns: wall_s (the child), max_rss_kb, ops (calls made: the same for\n"
    "every run of a trace), ops_per_s (calls per second of the replay itself),\n"
    "and in extra: alloc_s (time inside the allocator: clock reads around each\n"
    "call, minus the harness's per-call cost measured on an empty pass),\n"
    "harness_ns_per_call, replay_s (the replay's own wall time) = ops_s.\n"
    "Same as: mpbench run --workload trace:TRACE --threads <recorded threads> ...\n"
    "A trace cut short (its program killed by SIGKILL, or a write that failed) is\n"
    "replayed up to its last whole block, with a warning, and its rows say\n"
    "trace=truncated in extra; a trace of a program stopped by a signal is whole.\n"
    "The report ranks replays by replay_s (the replay itself) and shows alloc_s\n"
    "beside it; the timeline marks where each replay starts (after loading).\n"
    "Exit: as mpbench run; 2 also when TRACE is corrupt, unreadable or empty.\n";

/* The options into o and after (mpb_cli_run_option checks the values).
 * Returns 0, -1 after --help, or 2. */
static int parse_args(int argc, char **argv, mpb_run_opts_t *o, mpb_cli_after_t *after) {
    static const struct option opts[] = {{"alloc", required_argument, 0, 'a'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"out", required_argument, 0, 'o'},
                                         {"timeout", required_argument, 0, MPB_OPT_TIMEOUT},
                                         {"sample-ms", required_argument, 0, MPB_OPT_SAMPLE},
                                         {"no-report", no_argument, 0, MPB_OPT_NOREPORT},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "a:r:o:h", opts, NULL)) != -1) {
        if (c == 'h')
            return fputs(replay_help, stdout), -1;
        if (c == '?')
            return fputs("(see mpbench replay --help)\n", stderr), 2;
        if (c == 'o')
            o->out = optarg;
        else if (c == MPB_OPT_NOREPORT)
            after->report = 0;
        else if (mpb_cli_run_option("mpbench replay", c, optarg, o) != 0)
            return 2;
    }
    if (optind + 1 != argc || !o->out) {
        fprintf(stderr, "mpbench replay: %s\n(see mpbench replay --help)\n",
                !o->out ? "--out DIR is required" : "want one TRACE");
        return 2;
    }
    return 0;
}

/* The recorded thread count of a whole (or truncated) trace with events;
 * 0 after a message when it cannot be replayed. */
static size_t trace_threads(const char *path) {
    mpb_trace_t t;
    int st = mpb_trace_scan(path, &t);
    size_t nth = t.nth ? t.nth : 1;
    if ((st != MPB_TRACE_OK && st != MPB_TRACE_TRUNCATED) || !t.nevents) {
        if (st == MPB_TRACE_OK || (st == MPB_TRACE_TRUNCATED && t.nimages))
            fprintf(stderr, "mpbench replay: cannot replay %s: it holds no events%s%s%s\n", path,
                    st ? " (" : "", st ? t.why : "", st ? ")" : "");
        else
            fprintf(stderr, "mpbench replay: cannot replay %s: trace is %s: %s\n", path,
                    mpb_trace_status_name(st), t.why);
        nth = 0;
    }
    mpb_trace_free(&t);
    return nth;
}

int mpb_cmd_replay(int argc, char **argv) {
    mpb_run_opts_t o = MPB_RUN_OPTS_INIT;
    mpb_cli_after_t after = {.report = 1};
    int rc = parse_args(argc, argv, &o, &after);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    const char *trace = argv[optind];
    size_t nth = trace_threads(trace);
    if (!nth)
        return 2;
    char spec[4200], threads[32], cmdline[4096];
    mpb_fmt(spec, sizeof spec, "trace:%s", trace);
    mpb_fmt(threads, sizeof threads, "%zu", nth);
    mpb_cli_cmdline(argc, argv, cmdline, sizeof cmdline);
    o.workload = spec;
    o.threads = threads;
    o.cmdline = cmdline;
    return mpb_cli_run(&o, &after);
}
