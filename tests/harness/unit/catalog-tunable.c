/* catalog/tunable.c: the parser of allocator/src/tunables.h that sweep and
 * `sweep --list` rely on. Table-driven over small headers written into a
 * source tree of their own (MPB_SRC_DIR): documented tunables with their
 * meaning, range and unit; an undocumented one still listed (range "?");
 * the header guard and #defines of other names ignored; a default followed
 * by a comment; a missing header refused. Then the real header: every
 * tunable documented, its default inside its range. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/tunable.h"

/* Writes text as <a new source tree>/allocator/src/tunables.h and points
 * MPB_SRC_DIR at that tree. */
static void tree_with(const char *text) {
    static char dir[] = "/tmp/mpb-tunable-XXXXXX";
    static int made;
    char path[PATH_MAX];
    if (!made) {
        cr_assert_not_null(mkdtemp(dir));
        made = 1;
    }
    snprintf(path, sizeof path, "%s/allocator", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/allocator/src", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/allocator/src/tunables.h", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    setenv("MPB_SRC_DIR", dir, 1);
}

static const char header[] = "#ifndef MPA_TUNABLES_H\n"
                             "#define MPA_TUNABLES_H\n"
                             "/* classes per power of two = 2^bits; range: 0..4; bits */\n"
                             "#ifndef MPA_MANTISSA_BITS\n"
                             "#define MPA_MANTISSA_BITS 2\n"
                             "#endif\n"
                             "/* messages per batch before a flush; range: 1..4096 ; objects */\n"
                             "#ifndef MPA_REMOTE_BATCH\n"
                             "#define MPA_REMOTE_BATCH 64 /* the default, tuned */\n"
                             "#endif\n"
                             "#ifndef MPA_UNDOCUMENTED\n"
                             "#define MPA_UNDOCUMENTED 7\n"
                             "#endif\n"
                             "#define MPA_DERIVED (MPA_MANTISSA_BITS + 1)\n"
                             "/* a guard for another name; range: 0..1; bits */\n"
                             "#ifndef MPA_OTHER\n"
                             "#define MPA_NOT_OTHER 1\n"
                             "#endif\n"
                             "#endif\n";

static const struct {
    const char *name, *def, *meaning, *range, *unit;
    long lo, hi;
} want[] = {
    {"MPA_MANTISSA_BITS", "2", "classes per power of two = 2^bits", "0..4", "bits", 0, 4},
    {"MPA_REMOTE_BATCH", "64", "messages per batch before a flush", "1..4096", "objects", 1, 4096},
    {"MPA_UNDOCUMENTED", "7", "", "?", "", 1, 0},
};

Test(tunables, parsed_from_the_header) {
    tree_with(header);
    mpb_tunables_t t;
    cr_assert_eq(mpb_tunables_load(&t), 0);
    cr_assert_eq(t.n, sizeof want / sizeof want[0], "%zu tunables", t.n);
    for (size_t i = 0; i < t.n; i++) {
        const mpb_tunable_t *v = mpb_tunables_find(&t, want[i].name);
        cr_assert_not_null(v, "%s not found", want[i].name);
        cr_assert_str_eq(v->def, want[i].def, "%s default", want[i].name);
        cr_assert_str_eq(v->meaning, want[i].meaning, "%s meaning", want[i].name);
        cr_assert_str_eq(v->range, want[i].range, "%s range", want[i].name);
        cr_assert_str_eq(v->unit, want[i].unit, "%s unit", want[i].name);
        cr_assert_eq(v->lo, want[i].lo, "%s lo", want[i].name);
        cr_assert_eq(v->hi, want[i].hi, "%s hi", want[i].name);
    }
    cr_assert_null(mpb_tunables_find(&t, "MPA_TUNABLES_H"));
    cr_assert_null(mpb_tunables_find(&t, "MPA_DERIVED"));
    cr_assert_null(mpb_tunables_find(&t, "MPA_OTHER"));
    mpb_tunables_free(&t);
}

Test(tunables, a_missing_header_is_refused) {
    setenv("MPB_SRC_DIR", "/nonexistent-mpb-tree", 1);
    mpb_tunables_t t;
    cr_assert_eq(mpb_tunables_load(&t), -1);
}

/* The tree's own header (tests run from the top of the tree). */
Test(tunables, the_real_header_is_documented) {
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    if (access("allocator/src/tunables.h", R_OK) != 0)
        cr_skip_test("not run from the top of the source tree");
    setenv("MPB_SRC_DIR", cwd, 1);
    mpb_tunables_t t;
    cr_assert_eq(mpb_tunables_load(&t), 0);
    cr_assert_geq(t.n, 5, "only %zu tunables in %s", t.n, t.path);
    for (size_t i = 0; i < t.n; i++) {
        const mpb_tunable_t *v = &t.v[i];
        char *end;
        long d = strtol(v->def, &end, 0);
        cr_assert_leq(v->lo, v->hi, "%s: no documented range", v->name);
        if (*end == '\0')
            cr_assert(d >= v->lo && d <= v->hi, "%s: default %ld outside %s", v->name, d, v->range);
        cr_assert_neq(v->meaning[0], '\0', "%s: no meaning", v->name);
    }
    mpb_tunables_free(&t);
}
