/* Versions of the allocators under test, for meta.json and `mpbench list`:
 * glibc from the running libc, Debian libraries from their package
 * (dpkg-query), mpalloc from its public header in the source tree, and the
 * soname's numbers (libtcmalloc.so.4.5.10 -> 4.5.10) as a last resort. */
#include "catalog/alloc.h"
#include "common/util.h"

#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Package owning path according to dpkg ("" when none). */
static void dpkg_package(const char *path, char *pkg, size_t len) {
    char line[512];
    char *argv[] = {"dpkg-query", "-S", (char *)path, NULL};
    pkg[0] = '\0';
    if (mpb_capture_line(argv, line, sizeof line, 5.0) != 0)
        return;
    char *colon = strstr(line, ": ");
    if (!colon)
        return;
    *colon = '\0';
    char *arch = strchr(line, ':'); /* "libjemalloc2:amd64" */
    if (arch)
        *arch = '\0';
    mpb_copy(pkg, len, line);
}

/* Version from dpkg for the package that owns path; 0 when found. */
static int dpkg_version(const char *path, char *out, size_t len) {
    char pkg[256], ver[128];
    dpkg_package(path, pkg, sizeof pkg);
    if (!pkg[0] && !strncmp(path, "/usr/lib/", 9)) {
        char alt[PATH_MAX]; /* dpkg may know it as /lib/... */
        mpb_copy(alt, sizeof alt, path + 4);
        dpkg_package(alt, pkg, sizeof pkg);
    }
    if (!pkg[0])
        return -1;
    char *argv[] = {"dpkg-query", "-W", "-f=${Version}", pkg, NULL};
    if (mpb_capture_line(argv, ver, sizeof ver, 5.0) != 0 || !ver[0])
        return -1;
    return mpb_fmt(out, len, "%s (%s)", ver, pkg) < 0 ? -1 : 0;
}

/* The numbers after ".so." in the resolved file name; 0 when present. */
static int soname_version(const char *path, char *out, size_t len) {
    char real[PATH_MAX];
    if (!realpath(path, real))
        return -1;
    const char *so = strstr(real, ".so.");
    if (!so || !so[4])
        return -1;
    mpb_copy(out, len, so + 4);
    return 0;
}

/* MPA_VERSION from allocator/include/mpalloc.h beside the build tree. */
static int mpalloc_version(char *out, size_t len) {
    char path[PATH_MAX];
    mpb_fmt(path, sizeof path, "%s/../../allocator/include/mpalloc.h", mpb_self_dir());
    char *text = mpb_read_file(path);
    if (!text)
        return -1;
    const char *d = strstr(text, "#define MPA_VERSION \"");
    int rc = -1;
    if (d) {
        d += strlen("#define MPA_VERSION \"");
        mpb_fmt(out, len, "%.*s", (int)strcspn(d, "\""), d);
        rc = 0;
    }
    free(text);
    return rc;
}

void mpb_alloc_version(mpb_alloc_t *a) {
    strcpy(a->version, "unknown");
    if (!a->path[0]) {
        mpb_copy(a->version, sizeof a->version, gnu_get_libc_version());
        return;
    }
    if (!a->found)
        return;
    if (!strncmp(a->name, "mpalloc", 7) && mpalloc_version(a->version, sizeof a->version) == 0)
        return;
#ifdef MPB_VERSION
    if (!strncmp(a->name, "mpalloc", 7) && mpb_is_file(a->path)) { /* installed: no source tree */
        mpb_copy(a->version, sizeof a->version, MPB_VERSION);
        return;
    }
#endif
    if (dpkg_version(a->path, a->version, sizeof a->version) == 0)
        return;
    soname_version(a->path, a->version, sizeof a->version);
}
