/* Instruction counts with callgrind. Children are traced too (a workload
 * may be a script that runs a real program), each process writing its own
 * file; Ir is taken from the "totals:" line, or "summary:" in files that
 * have no totals, and summed over the files. */
#include "measure/callgrind.h"
#include "common/util.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mpb_callgrind_argv(char **argv, char *opt, size_t optlen, const char *out_prefix) {
    mpb_fmt(opt, optlen, "--callgrind-out-file=%s.%%p", out_prefix);
    argv[0] = "valgrind";
    argv[1] = "--tool=callgrind";
    argv[2] = "--trace-children=yes";
    argv[3] = "--quiet";
    argv[4] = opt;
}

/* Ir of one callgrind output file, or -1. */
static long long file_total(const char *path) {
    char *text = mpb_read_file(path);
    if (!text)
        return -1;
    long long total = -1, summary = -1;
    for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (!strncmp(l, "totals:", 7))
            total = strtoll(l + 7, NULL, 10);
        else if (!strncmp(l, "summary:", 8))
            summary = strtoll(l + 8, NULL, 10);
    }
    free(text);
    return total >= 0 ? total : summary;
}

int mpb_callgrind_total(const char *out_prefix, char *out, size_t len) {
    char pattern[4200];
    mpb_fmt(pattern, sizeof pattern, "%s.*", out_prefix);
    glob_t g;
    long long sum = 0;
    int found = 0;
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            long long t = file_total(g.gl_pathv[i]);
            if (t >= 0)
                sum += t, found = 1;
        }
        globfree(&g);
    }
    out[0] = '\0';
    if (found)
        mpb_fmt(out, len, "%lld", sum);
    return found ? 0 : -1;
}

void mpb_callgrind_clear(const char *out_prefix) {
    char pattern[4200];
    mpb_fmt(pattern, sizeof pattern, "%s.*", out_prefix);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            unlink(g.gl_pathv[i]);
        globfree(&g);
    }
}

int mpb_callgrind_available(void) {
    char line[128];
    char *argv[] = {"valgrind", "--version", NULL};
    return mpb_capture_line(argv, line, sizeof line, 10.0) == 0;
}
