/* --command workloads: NAME=CMD split (not for FOO=bar environment
 * assignments), names made from the command's program (variables, cd DIR,
 * env/nice/exec and their options skipped), bad texts refused, {threads}
 * and {scale} replaced; and the count an --ops-from match gives (a group or
 * the first number, separators dropped). */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/workload.h"
#include "measure/wlout.h"

Test(command, split_named) {
    static const struct {
        const char *spec, *name, *cmd; /* name NULL: not split */
    } t[] = {
        {"mi=sort -n f", "mi", "sort -n f"},
        {"sort-2=sort x", "sort-2", "sort x"},
        {"FOO=bar prog", NULL, NULL},
        {"A_1=x", NULL, NULL},
        {"sort -n a=b", NULL, NULL},
        {"=x", NULL, NULL},
        {"a=", NULL, NULL},
        {"-x=y", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char name[64] = "";
        const char *cmd = mpb_workload_split_named(t[i].spec, name, sizeof name);
        if (!t[i].name) {
            cr_assert_null(cmd, "%s was split", t[i].spec);
            continue;
        }
        cr_assert_not_null(cmd, "%s not split", t[i].spec);
        cr_assert_str_eq(name, t[i].name);
        cr_assert_str_eq(cmd, t[i].cmd);
    }
}

Test(command, names_from_the_program) {
    static const char *const t[][2] = {
        {"sort -n big.txt", "sort"},
        {"/usr/bin/python3 -c 'x'", "python3"},
        {"FOO=1 BAR=2 ./run.sh", "run.sh"},
        {"cd /tmp && make -j2", "make"},
        {"env A=1 nice -n 5 gcc -O2 x.c", "gcc"},
        {"exec redis-server --port 0", "redis-server"},
        {"(cd x; ls)", "ls"},
        {"'odd' x", "odd"},                             /* quotes resolved, as sh does */
        {"FOO='b a' 2>&1 sort x", "sort"},              /* a quoted assignment, a redirection */
        {">out 2>/dev/null \"/usr/bin/tr\" a b", "tr"}, /* redirections first */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        mpb_workload_t w;
        cr_assert_eq(mpb_workload_command(NULL, t[i][0], &w), 0);
        cr_assert_str_eq(w.name, t[i][1], "%s -> %s", t[i][0], w.name);
        cr_assert_str_eq(w.command, t[i][0]);
        free(w.command);
    }
}

Test(command, refused) {
    mpb_workload_t w;
    cr_assert_eq(mpb_workload_command(NULL, "  ", &w), -1);
    cr_assert_eq(mpb_workload_command(NULL, "a\nb", &w), -1);
    cr_assert_eq(mpb_workload_command("a/b", "true", &w), -1);
    cr_assert_eq(mpb_workload_command("-x", "true", &w), -1);
}

Test(command, placeholders) {
    mpb_workload_t w;
    cr_assert_eq(mpb_workload_command("x", "prog -t {threads} -s {scale} {threads}{other}", &w), 0);
    cr_assert(mpb_workload_uses_threads(&w));
    char *t = mpb_workload_command_text(&w, "16", "0.25");
    cr_assert_str_eq(t, "prog -t 16 -s 0.25 16{other}");
    free(t), free(w.command);
    cr_assert_eq(mpb_workload_command("y", "prog -s {scale}", &w), 0);
    cr_assert(!mpb_workload_uses_threads(&w));
    free(w.command);
}

Test(command, ops_count_of_a_match) {
    static const char *const t[][3] = {
        {"processed 12,345 items", "processed ([0-9,]+) items", "12345"},
        {"total: 1_000_000 ops in 2.5 s", "total: [0-9_]+", "1000000"},
        {"rows=42 time=9", "rows=[0-9]+", "42"},
        {"n = 7,", "n = ([0-9,]+)", "7"},
        {"no digits here", "digits", ""},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        regex_t re;
        regmatch_t m[2];
        char out[32];
        cr_assert_eq(regcomp(&re, t[i][1], REG_EXTENDED), 0);
        cr_assert_eq(regexec(&re, t[i][0], 2, m, 0), 0, "%s", t[i][0]);
        mpb_wlout_count_of(t[i][0], m, 2, out, sizeof out);
        cr_assert_str_eq(out, t[i][2], "%s: %s", t[i][0], out);
        regfree(&re);
    }
}

Test(command, ops_from_last_matching_line_in_pieces) {
    regex_t re;
    cr_assert_eq(regcomp(&re, "done ([0-9]+)", REG_EXTENDED), 0);
    mpb_wlout_t w;
    mpb_wlout_init(&w);
    w.ops_re = &re;
    const char *out = "done 1\nnoise\ndone 22\ndone 333";
    for (const char *p = out; *p; p++)
        mpb_wlout_feed(&w, p, 1);
    mpb_wlout_finish(&w);
    cr_assert_str_eq(w.ops, "333");
    mpb_wlout_init(&w); /* an mpbench-ops line wins over the regex */
    w.ops_re = &re;
    mpb_wlout_feed(&w, "done 5\nmpbench-ops: 9\n", 22);
    mpb_wlout_finish(&w);
    cr_assert_str_eq(w.ops, "9");
    regfree(&re);
}
