/* `mpbench replay TRACE [--alloc LIST] [--repeat N] --out DIR`: the trace's
 * calls replayed on each allocator, as `mpbench run --workload trace:TRACE`
 * with the thread column set to the trace's thread count. The results
 * folder is a run's: results.csv (alloc_s, harness_ns_per_call and replay_s
 * in the extra column), timeline.csv, summary, plots, report. A trace that
 * is not whole is refused before anything runs. */
#include "cli/commands.h"
#include "trace/trace_read.h"
#include "common/util.h"

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

int mpb_cmd_replay(int argc, char **argv) {
    static const struct option opts[] = {{"alloc", required_argument, 0, 'a'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"out", required_argument, 0, 'o'},
                                         {"timeout", required_argument, 0, 'T'},
                                         {"sample-ms", required_argument, 0, 'S'},
                                         {"no-report", no_argument, 0, 'N'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    char *args[32];
    int n = 0, c, have_out = 0;
    args[n++] = "run";
    optind = 1;
    while ((c = getopt_long(argc, argv, "a:r:o:h", opts, NULL)) != -1) {
        const char *name = c == 'a'   ? "--alloc"
                           : c == 'r' ? "--repeat"
                           : c == 'o' ? "--out"
                           : c == 'T' ? "--timeout"
                           : c == 'S' ? "--sample-ms"
                                      : "--no-report";
        if (c == 'h')
            return fputs(replay_help, stdout), 0;
        if (c == '?')
            return fputs("(see mpbench replay --help)\n", stderr), 2;
        have_out |= c == 'o';
        if (n + 2 > 32 - 6) /* room for the workload, threads and NULL */
            return fputs("mpbench replay: too many options\n", stderr), 2;
        args[n++] = (char *)name;
        if (c != 'N')
            args[n++] = optarg;
    }
    if (optind + 1 != argc || !have_out) {
        fprintf(stderr, "mpbench replay: %s\n(see mpbench replay --help)\n",
                !have_out ? "--out DIR is required" : "want one TRACE");
        return 2;
    }
    mpb_trace_t t;
    int st = mpb_trace_scan(argv[optind], &t);
    size_t nth = t.nth;
    if ((st != MPB_TRACE_OK && st != MPB_TRACE_TRUNCATED) || !t.nevents) {
        if (st == MPB_TRACE_OK || (st == MPB_TRACE_TRUNCATED && t.nimages))
            fprintf(stderr, "mpbench replay: cannot replay %s: it holds no events%s%s%s\n",
                    argv[optind], st ? " (" : "", st ? t.why : "", st ? ")" : "");
        else
            fprintf(stderr, "mpbench replay: cannot replay %s: trace is %s: %s\n", argv[optind],
                    mpb_trace_status_name(st), t.why);
        mpb_trace_free(&t);
        return 2;
    }
    mpb_trace_free(&t);
    char spec[4200], threads[32];
    mpb_fmt(spec, sizeof spec, "trace:%s", argv[optind]);
    mpb_fmt(threads, sizeof threads, "%zu", nth ? nth : 1);
    args[n++] = "--workload", args[n++] = spec;
    args[n++] = "--threads", args[n++] = threads;
    args[n] = NULL;
    return mpb_cmd_run(n, args);
}
