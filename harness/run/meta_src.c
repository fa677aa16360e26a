/* The part of meta.json that comes from the source tree beside the build
 * folder mpbench runs from (build/bin/../..): the git commit. (The tunables
 * a libmpalloc or ks-bench was built with come from the build record in
 * the binary itself: catalog/build.h.) */
#include "run/meta.h"
#include "common/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void mpb_meta_git(char *buf, size_t len) {
    char src[PATH_MAX];
    mpb_fmt(src, sizeof src, "%s/../..", mpb_self_dir());
    char *argv[] = {"git", "-C", src, "rev-parse", "HEAD", NULL};
    if (mpb_capture_line(argv, buf, len, 5.0) != 0 || !isxdigit((unsigned char)buf[0]))
        mpb_fmt(buf, len, "unknown");
}
