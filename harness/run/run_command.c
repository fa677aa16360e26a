/* Any command as a workload (`mpbench run --command 'CMD ARGS...'`), as
 * hyperfine takes one: the text runs as written through `sh -c` under each
 * allocator (the probe reports from the shell and from every process the
 * command starts, so provenance covers them all), with {threads} and
 * {scale} replaced and MPB_THREADS / MPB_SCALE in its environment. A
 * command that does not mention {threads} runs once per rep, at the
 * matrix's first thread count, unpinned (it may start any number of
 * threads). Its work count comes from `mpbench-ops: N` lines, from the
 * first number (or group) of the last line matching --ops-from, or is
 * absent (time and memory only). --prepare runs before each of its runs. */
#include "run/run.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One list given either once (for every command) or once per command. */
static int count_ok(const char *opt, size_t n, size_t ncmd) {
    if (n <= 1 || n == ncmd)
        return 0;
    fprintf(stderr,
            "mpbench run: %zu %s given for %zu --command%s: give one for all, or one per "
            "command in order\n(see mpbench run --help)\n",
            n, opt, ncmd, ncmd == 1 ? "" : "s");
    return MPB_EXIT_USAGE;
}

/* Checks that every --ops-from compiles. */
static int regexes_ok(const mpb_strlist_t *ops) {
    for (size_t i = 0; i < ops->n; i++) {
        regex_t re;
        int rc = regcomp(&re, ops->v[i], REG_EXTENDED);
        if (rc != 0) {
            char msg[256];
            regerror(rc, &re, msg, sizeof msg);
            fprintf(stderr, "mpbench run: bad --ops-from '%s': %s\n", ops->v[i], msg);
            return MPB_EXIT_USAGE;
        }
        regfree(&re);
    }
    return 0;
}

int mpb_run_command_matrix(mpb_matrix_t *m, const mpb_run_cmdargs_t *c) {
    size_t n = c->commands.n;
    if (c->names.n > n) {
        fprintf(stderr,
                "mpbench run: %zu --command-name for %zu --command: each names the command of "
                "the same rank\n",
                c->names.n, n);
        return MPB_EXIT_USAGE;
    }
    if (!n && c->ops_from.n) {
        fputs("mpbench run: --ops-from reads the output of --command workloads; there is none\n",
              stderr);
        return MPB_EXIT_USAGE;
    }
    int rc = count_ok("--prepare", c->prepare.n, n ? n : 1);
    if (!rc)
        rc = count_ok("--ops-from", c->ops_from.n, n);
    if (!rc)
        rc = regexes_ok(&c->ops_from);
    for (size_t i = 0; !rc && i < n; i++) {
        char name[64] = "", *entry;
        const char *text = c->commands.v[i];
        if (i < c->names.n)
            mpb_copy(name, sizeof name, c->names.v[i]);
        else if ((text = mpb_workload_split_named(c->commands.v[i], name, sizeof name)) == NULL)
            text = c->commands.v[i], name[0] = '\0';
        mpb_workload_t w;
        if (mpb_workload_command(name, text, &w) != 0)
            return MPB_EXIT_USAGE;
        free(w.command);
        entry = mpb_xrealloc(NULL, strlen(name) + strlen(text) + 2);
        sprintf(entry, "%s\t%s", name, text); /* an empty name: made from the text later */
        mpb_strlist_add(&m->commands, entry);
        free(entry);
    }
    for (size_t i = 0; !rc && i < c->prepare.n; i++)
        mpb_strlist_add(&m->prepare, c->prepare.v[i]);
    for (size_t i = 0; !rc && i < c->ops_from.n; i++)
        mpb_strlist_add(&m->ops_from, c->ops_from.v[i]);
    return rc;
}

/* 1 when some workload of r (the first n) is named name. */
static int name_taken(const mpb_run_t *r, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(r->wls[i].name, name))
            return 1;
    return 0;
}

/* The program the command starts first (mpb_workload_command_program),
 * found on PATH, into buf; "" when not found. */
static void first_program(const char *text, char *buf, size_t len) {
    char word[PATH_MAX];
    mpb_workload_command_program(text, word, sizeof word);
    buf[0] = '\0';
    if (!word[0])
        return;
    if (strchr(word, '/')) {
        if (access(word, X_OK) == 0)
            mpb_copy(buf, len, word);
        return;
    }
    const char *path = getenv("PATH");
    char *dirs = mpb_xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d && !buf[0]; d = strtok_r(NULL, ":", &save)) {
        char cand[PATH_MAX * 2];
        mpb_fmt(cand, sizeof cand, "%s/%s", d, word);
        if (mpb_is_file(cand) && access(cand, X_OK) == 0)
            mpb_copy(buf, len, cand);
    }
    free(dirs);
}

/* The i-th of a list given once or once per command (NULL when empty). */
static const char *nth(const mpb_strlist_t *l, size_t i) {
    return l->n == 0 ? NULL : l->n == 1 ? l->v[0] : l->v[i];
}

/* Command k of the matrix into w (r->wls[at]): its final name (one made
 * from the text is made unique; a given one must be), prepare, ops regex. */
static int one_command(mpb_run_t *r, size_t k, size_t at) {
    mpb_workload_t *w = &r->wls[at];
    char *entry = r->m.commands.v[k], *tab = strchr(entry, '\t');
    *tab = '\0';
    int given = entry[0] != '\0', rc = mpb_workload_command(entry, tab + 1, w);
    *tab = '\t';
    if (rc != 0)
        return MPB_EXIT_USAGE;
    if (given && name_taken(r, at, w->name)) {
        fprintf(stderr,
                "mpbench: workload %s is listed twice: one cell would hold both "
                "sets of runs\n",
                w->name);
        return MPB_EXIT_USAGE;
    }
    char base[sizeof w->name];
    mpb_copy(base, sizeof base, w->name);
    for (int i = 2; name_taken(r, at, w->name); i++)
        mpb_fmt(w->name, sizeof w->name, "%.200s-%d", base, i);
    char *named = mpb_xrealloc(NULL, strlen(w->name) + strlen(w->command) + 2);
    sprintf(named, "%s\t%s", w->name, w->command); /* the final name, for --resume */
    free(r->m.commands.v[k]);
    r->m.commands.v[k] = named;
    w->prepare = nth(&r->m.prepare, k);
    w->ops_from = nth(&r->m.ops_from, k);
    if (w->ops_from) {
        w->ops_re = mpb_xrealloc(NULL, sizeof(regex_t));
        if (regcomp(w->ops_re, w->ops_from, REG_EXTENDED) != 0) {
            fprintf(stderr, "mpbench: bad --ops-from '%s'\n", w->ops_from);
            free(w->ops_re);
            w->ops_re = NULL;
            return MPB_EXIT_USAGE;
        }
    }
    char prog[PATH_MAX];
    first_program(w->command, prog, sizeof prog);
    if (prog[0])
        mpb_prov_warn_program(w->name, prog);
    return MPB_EXIT_OK;
}

int mpb_run_command_workloads(mpb_run_t *r) {
    size_t n0 = r->nwl;
    r->wls = mpb_xrealloc(r->wls, (n0 + r->m.commands.n + 1) * sizeof *r->wls);
    for (size_t i = 0; i < n0 && r->m.prepare.n == 1; i++)
        r->wls[i].prepare = r->m.prepare.v[0]; /* one --prepare: before every run */
    for (size_t k = 0; k < r->m.commands.n; k++) {
        int rc = one_command(r, k, n0 + k);
        r->nwl = n0 + k + (rc == MPB_EXIT_OK);
        if (rc != MPB_EXIT_OK)
            return rc;
    }
    return MPB_EXIT_OK;
}

int mpb_run_prepare(const mpb_run_t *r, size_t w, const char *log, mpb_result_t *res) {
    char *argv[] = {"/bin/sh", "-c", (char *)r->wls[w].prepare, NULL};
    mpb_spawn_t s = {argv, NULL, NULL, log, 0, r->m.timeout_s, 0, NULL, NULL, NULL, NULL};
    mpb_result_t p;
    mpb_child_run(&s, &p);
    if (p.status == MPB_ST_OK) {
        struct stat st;
        if (stat(log, &st) == 0 && st.st_size == 0)
            unlink(log);
        return 0;
    }
    *res = p;
    if (p.status == MPB_ST_INTERRUPTED || p.status == MPB_ST_HARNESS)
        return -1;
    char how[64];
    if (p.status == MPB_ST_CRASH)
        mpb_signal_name(p.sig, how, sizeof how);
    else if (p.status == MPB_ST_FAIL)
        mpb_fmt(how, sizeof how, "exit %d", p.exit_code);
    else
        mpb_copy(how, sizeof how, mpb_status_name(p.status));
    res->status = MPB_ST_ERROR;
    mpb_fmt(res->why, sizeof res->why,
            "the --prepare command failed (%s), so the run did not start; its output: %s", how,
            log);
    return -1;
}

void mpb_run_command_free(mpb_run_t *r) {
    for (size_t i = 0; r->wls && i < r->nwl; i++) {
        if (r->wls[i].ops_re)
            regfree(r->wls[i].ops_re);
        free(r->wls[i].ops_re);
        free(r->wls[i].command);
    }
}
