/* The parts of meta.json that come from the source tree beside the build
 * folder mpbench runs from (build/bin/../..): mpalloc's tunable defaults
 * read from allocator/src/tunables.h (the harness measures from outside and
 * never includes allocator headers; kernel-sim's meta.json), and the git
 * commit. The tunables a libmpalloc was built with come from the library
 * itself (catalog/build.h). */
#include "run/meta.h"
#include "common/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Sets o[MPA_X] = "v" for a `#define MPA_X v` that follows `#ifndef MPA_X`. */
static void tunable_line(json_t *o, const char *ifndef, const char *line) {
    char want[160];
    mpb_fmt(want, sizeof want, "#define %s ", ifndef);
    if (strncmp(line, want, strlen(want)) != 0)
        return;
    const char *v = line + strlen(want);
    v += strspn(v, " \t");
    char val[128];
    mpb_fmt(val, sizeof val, "%.*s", (int)strcspn(v, " \t/\r"), v);
    mpb_json_set_text(o, ifndef, val);
}

json_t *mpb_meta_tunables(void) {
    char path[PATH_MAX];
    mpb_fmt(path, sizeof path, "%s/../../allocator/src/tunables.h", mpb_self_dir());
    char *text = mpb_read_file(path), *save = NULL, prev[128] = "";
    json_t *o = json_object();
    for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        if (prev[0])
            tunable_line(o, prev, l);
        prev[0] = '\0';
        if (!strncmp(l, "#ifndef MPA_", 12))
            mpb_fmt(prev, sizeof prev, "%.*s", (int)strcspn(l + 8, " \t\r"), l + 8);
    }
    if (!text)
        mpb_json_set_text(o, "error", "allocator/src/tunables.h not found beside the build folder");
    free(text);
    return o;
}

void mpb_meta_git(char *buf, size_t len) {
    char src[PATH_MAX];
    mpb_fmt(src, sizeof src, "%s/../..", mpb_self_dir());
    char *argv[] = {"git", "-C", src, "rev-parse", "HEAD", NULL};
    if (mpb_capture_line(argv, buf, len, 5.0) != 0 || !isxdigit((unsigned char)buf[0]))
        mpb_fmt(buf, len, "unknown");
}
