/* `mpbench trace-stat TRACE`: what a trace holds, one `key: value` per line
 * (events, threads, calls by kind, peak live bytes and objects, cross-thread
 * frees, a size histogram). A truncated or corrupt trace is described up to
 * its last whole block, with the reason, and exits 1. */
#include "cli/commands.h"
#include "trace/trace_read.h"

#include <stdio.h>
#include <string.h>

static const char stat_help[] =
    "usage: mpbench trace-stat TRACE\n"
    "Describes a trace written by `mpbench record`: status (ok, truncated,\n"
    "corrupt), events, threads, process images, duration, size per event, calls\n"
    "by kind, peak live requested bytes and objects, cross-thread frees (freed by\n"
    "another thread than the one that allocated), frees of unknown addresses,\n"
    "failed allocations, and a histogram of requested sizes (powers of two);\n"
    "how the program ended (exited; exited after handling SIGINT; ended by\n"
    "SIGTERM's default action: a whole trace either way) and the processes it\n"
    "started, which are not recorded (a warning names them).\n"
    "Exit: 0 whole trace; 1 truncated or corrupt (what could be read is shown);\n"
    "2 bad usage or unreadable file.\n";

static void print_hist(const mpb_torder_t *o) {
    puts("size histogram (requested bytes: allocations):");
    for (int k = 0; k < 65; k++) {
        if (!o->hist[k])
            continue;
        if (k == 0)
            printf("  %-22s %llu\n", "0", (unsigned long long)o->hist[k]);
        else {
            char r[48];
            unsigned long long lo = 1ull << (k - 1), hi = k == 64 ? ~0ull : (1ull << k) - 1;
            snprintf(r, sizeof r, "%llu-%llu", lo, hi);
            printf("  %-22s %llu\n", r, (unsigned long long)o->hist[k]);
        }
    }
}

static void print_stats(const mpb_trace_t *t, const mpb_torder_t *o) {
    /* threads are counted per process image (an exec starts numbering again),
     * so say how many ran in the busiest image when there were several */
    size_t most = 0;
    for (uint32_t im = 0; im < t->nimages && t->nimages > 1; im++) {
        size_t k = 0;
        for (size_t i = 0; i < t->nth; i++)
            k += t->th[i].image == im;
        most = k > most ? k : most;
    }
    printf("events: %zu\nthreads: %zu", t->nevents, t->nth);
    if (t->nimages > 1)
        printf(" (over %u process images, at most %zu in one)", t->nimages, most);
    printf("\nimages: %u\n", t->nimages);
    printf("duration_s: %.6f\n",
           o->last_ts > o->first_ts ? (double)(o->last_ts - o->first_ts) * 1e-9 : 0.0);
    printf("bytes: %zu\nbytes_per_event: %.2f\n", t->file_size,
           t->nevents ? (double)t->file_size / (double)t->nevents : 0.0);
    puts("calls:");
    for (unsigned k = 1; k < MPT_NKINDS; k++)
        if (o->calls[k])
            printf("  %-20s %llu\n", mpt_kind_name(k), (unsigned long long)o->calls[k]);
    printf("objects: %zu\npeak_live_bytes: %llu\npeak_live_objects: %llu\n", o->nobjects,
           (unsigned long long)o->peak_bytes, (unsigned long long)o->peak_objects);
    printf("cross_thread_frees: %llu\nunmatched_frees: %llu\nfailed_allocations: %llu\n",
           (unsigned long long)o->cross_frees, (unsigned long long)o->unmatched_frees,
           (unsigned long long)o->failed_allocs);
    if (o->reused_live)
        printf("reused_live_addresses: %llu\n", (unsigned long long)o->reused_live);
    if (t->end_dropped)
        printf("dropped_calls: %llu\n", (unsigned long long)t->end_dropped);
    print_hist(o);
}

int mpb_cmd_trace_stat(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return fputs(stat_help, stdout), 0;
    if (argc != 2 || argv[1][0] == '-')
        return fputs(stat_help, stderr), 2;
    mpb_trace_t t;
    int st = mpb_trace_load(argv[1], &t);
    if (st == MPB_TRACE_UNREADABLE) {
        fprintf(stderr, "mpbench trace-stat: %s\n", t.why);
        mpb_trace_free(&t);
        return 2;
    }
    printf("trace: %s\ncommand: %s\n", argv[1], t.hdr.cmd);
    if (st)
        printf("status: %s (%s)\n", mpb_trace_status_name(st), t.why);
    else
        printf("status: ok\n");
    char ending[128], note[2048];
    if (st == MPB_TRACE_OK)
        printf("ended: %s\n", mpb_trace_ending(&t, ending, sizeof ending));
    for (size_t i = 0; i < t.nchildren; i++)
        printf("child: pid %u (parent %u) %s%s\n", t.children[i].pid, t.children[i].ppid,
               t.children[i].exe,
               t.children[i].traced                   ? " (recorded into TRACE.<pid>)"
               : t.children[i].kind == MPT_CHILD_FORK ? " (forked, no exec)"
                                                      : "");
    if (t.nchildren)
        fprintf(stderr, "mpbench trace-stat: %s%s\n",
                mpb_trace_children_untraced(&t) ? "warning: " : "",
                mpb_trace_children_note(&t, note, sizeof note));
    mpb_torder_t o;
    if (mpb_trace_order(&t, &o) == 0) {
        print_stats(&t, &o);
        mpb_torder_free(&o);
    }
    if (st)
        fprintf(stderr, "mpbench trace-stat: %s: trace is %s: %s\n", argv[1],
                mpb_trace_status_name(st), t.why);
    mpb_trace_free(&t);
    return st ? 1 : 0;
}
