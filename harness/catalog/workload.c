/* Finding workload programs. The default matrix uses every wl-* in the
 * folder mpbench was started from, so a newly built workload joins it with
 * no edits; a path lets a user (and the tests) run any program that
 * honours `-t THREADS -s SCALE` and prints `mpbench-ops: N`. */
#include "catalog/workload.h"
#include "trace/trace_plan.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void mpb_workload_discover(mpb_strlist_t *l) {
    DIR *d = opendir(mpb_self_dir());
    if (!d)
        return;
    size_t first = l->n;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, "wl-", 3) != 0 || !e->d_name[3] || strchr(e->d_name, '.'))
            continue;
        char path[PATH_MAX];
        mpb_fmt(path, sizeof path, "%s/%s", mpb_self_dir(), e->d_name);
        if (mpb_is_file(path) && access(path, X_OK) == 0)
            mpb_strlist_add(l, e->d_name + 3);
    }
    closedir(d);
    qsort(l->v + first, l->n - first, sizeof *l->v, cmp_str);
}

/* trace:PATH -> mpb-replay with the trace kept beside. */
static int resolve_trace(const char *file, mpb_workload_t *w) {
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    char stem[200];
    mpb_copy(stem, sizeof stem, base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1) &&
        dot - stem > 4 && !strncmp(dot - 4, ".mpt", 4)) /* cc1.mpt.1234 (record --follow) */
        memmove(dot - 4, dot, strlen(dot) + 1), dot[-4] = '-';
    else if (dot && dot != stem)
        *dot = '\0';
    mpb_fmt(w->name, sizeof w->name, "trace-%s", stem);
    if (!realpath(file, w->trace)) {
        w->trace[0] = '\0'; /* realpath may leave a partial path: not "no executable" */
        mpb_copy(w->path, sizeof w->path, file);
        return -1;
    }
    mpb_fmt(w->path, sizeof w->path, "%s/mpb-replay", mpb_self_dir());
    return mpb_is_file(w->trace) && mpb_is_file(w->path) ? 0 : -1;
}

static mpb_strlist_t plans; /* temporary plan files, removed at exit */

static void remove_plans(void) {
    for (size_t i = 0; i < plans.n; i++)
        unlink(plans.v[i]);
    mpb_strlist_free(&plans);
}

/* Builds the plan of trace into plan in a child process and returns the
 * trace's thread count in *nthreads; 0 or -1 (the reason on stderr).
 * Loading a trace takes tens of MB: done in mpbench itself, that memory
 * would stay resident, and every run forked afterwards would start with it
 * (its copied pages count in the run's ru_maxrss, so every replay's
 * max_rss_kb read the same, mpbench's size). */
static int build_plan_apart(const char *trace, const char *plan, int *nthreads) {
    int p[2];
    if (pipe(p) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        fprintf(stderr, "mpbench: cannot fork to plan %s\n", trace);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        int n = 0, rc = mpb_plan_build(trace, plan, &n);
        fflush(NULL);
        _exit(rc == 0 && write(p[1], &n, sizeof n) == (ssize_t)sizeof n ? 0 : 1);
    }
    close(p[1]);
    int n = 0, st = 0;
    ssize_t got = read(p[0], &n, sizeof n);
    close(p[0]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != (ssize_t)sizeof n) {
        if (WIFSIGNALED(st))
            fprintf(stderr, "mpbench: planning %s was killed by signal %d\n", trace, WTERMSIG(st));
        return -1;
    }
    *nthreads = n;
    return 0;
}

int mpb_workload_plan(mpb_workload_t *w) {
    if (!w->trace[0] || w->plan[0])
        return 0;
    const char *tmp = getenv("TMPDIR");
    mpb_fmt(w->plan, sizeof w->plan, "%s/mpbench-plan-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(w->plan);
    if (fd < 0) {
        fprintf(stderr, "mpbench: cannot create %s\n", w->plan);
        return -1;
    }
    close(fd);
    if (!plans.n)
        atexit(remove_plans);
    mpb_strlist_add(&plans, w->plan);
    int nthreads = 0;
    int rc = build_plan_apart(w->trace, w->plan, &nthreads);
    w->trace_threads = nthreads;
    return rc;
}

/* Splits "NAME@F" into NAME (in buf) and F. F is 0 without an '@' (or when
 * a '/' follows the last one: a folder name), -1 when what follows the last
 * '@' is not a number in (0, 1e6]. */
static double split_scale(const char *spec, char *buf, size_t len) {
    const char *at = strrchr(spec, '@');
    if (at && strchr(at, '/'))
        at = NULL;
    mpb_fmt(buf, len, "%.*s", (int)(at ? (size_t)(at - spec) : strlen(spec)), spec);
    if (!at)
        return 0;
    char *end;
    double f = strtod(at + 1, &end);
    return at[1] && !*end && f > 0 && f <= 1e6 ? f : -1;
}

int mpb_workload_resolve(const char *spec, mpb_workload_t *w) {
    char name[PATH_MAX];
    memset(w, 0, sizeof *w);
    if (!strncmp(spec, "trace:", 6))
        return resolve_trace(spec + 6, w);
    w->scale = split_scale(spec, name, sizeof name);
    if (w->scale < 0)
        return -1;
    if (!strchr(name, '/')) {
        mpb_copy(w->name, sizeof w->name, name);
        mpb_fmt(w->path, sizeof w->path, "%s/wl-%s", mpb_self_dir(), name);
    } else {
        const char *base = strrchr(name, '/') + 1;
        mpb_copy(w->name, sizeof w->name, strncmp(base, "wl-", 3) ? base : base + 3);
        if (!realpath(name, w->path))
            mpb_copy(w->path, sizeof w->path, name);
    }
    return mpb_is_file(w->path) && access(w->path, X_OK) == 0 ? 0 : -1;
}

void mpb_workload_describe(const char *path, char *buf, size_t len) {
    char *argv[] = {(char *)path, "--describe", NULL};
    if (mpb_capture_line(argv, buf, len, 5.0) != 0 || !buf[0])
        mpb_fmt(buf, len, "(no description: `%s --describe` failed)", path);
}

/* A workload name: 1..63 letters, digits, '.', '_', '-', the first a
 * letter or digit (it names files in DIR/logs and plots). */
static int name_ok(const char *n) {
    size_t len = strlen(n);
    if (!len || len > 63 || !isalnum((unsigned char)n[0]))
        return 0;
    for (const char *c = n; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
            return 0;
    return 1;
}

const char *mpb_workload_split_named(const char *spec, char *name, size_t len) {
    size_t n = strcspn(spec, "= \t");
    if (spec[n] != '=' || n == 0 || n >= len)
        return NULL;
    if (strspn(spec, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") == n)
        return NULL; /* FOO=bar prog: the shell's variable assignment, not a name */
    mpb_fmt(name, len, "%.*s", (int)n, spec);
    if (!name_ok(name) || !spec[n + 1])
        return NULL;
    return spec + n + 1;
}

/* 1 when word is one of those that only start the real program (exec,
 * env, nice, time, command, nohup). */
static int is_prefix_word(const char *word) {
    static const char *const w[] = {"exec", "env", "nice", "time", "command", "nohup"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (!strcmp(word, w[i]))
            return 1;
    return 0;
}

enum { SH_END, SH_WORD, SH_OP, SH_REDIR };

/* The next shell token of the text at *pp into buf, as sh reads it: a word
 * with its quotes ('...', "...") and backslashes resolved ($ expansions are
 * left as written), or an operator (; & | && || ( ) and their runs) or a
 * redirection (< > >> <& >& ...: the word after it is its target). *pp
 * moves past it. Returns SH_END at the end of the text. */
static int shell_token(const char **pp, char *buf, size_t len) {
    const char *p = *pp + strspn(*pp, " \t");
    size_t o = 0;
    buf[0] = '\0';
    if (!*p)
        return *pp = p, SH_END;
    if (strchr(";&|()<>", *p)) {
        int redir = *p == '<' || *p == '>';
        size_t n = redir ? strspn(p, "<>&|") : strspn(p, ";&|") ? strspn(p, ";&|") : 1;
        mpb_fmt(buf, len, "%.*s", (int)n, p);
        return *pp = p + n, redir ? SH_REDIR : SH_OP;
    }
    for (char q = 0; *p && (q || !strchr(" \t;&|()<>", *p)); p++) {
        if (!q && (*p == '\'' || *p == '"')) {
            q = *p;
            continue;
        }
        if (q && *p == q) {
            q = 0;
            continue;
        }
        if (*p == '\\' && q != '\'' && p[1] && (!q || strchr("$`\"\\", p[1])))
            p++;
        if (o + 1 < len)
            buf[o++] = *p;
    }
    buf[o] = '\0';
    return *pp = p, SH_WORD;
}

/* 1 when word is a variable assignment (NAME=value, NAME an identifier). */
static int is_assignment(const char *word) {
    size_t n = strcspn(word, "=");
    if (!word[n] || !n || isdigit((unsigned char)word[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)word[i]) && word[i] != '_')
            return 0;
    return 1;
}

void mpb_workload_command_program(const char *text, char *buf, size_t len) {
    char word[PATH_MAX];
    const char *p = text;
    buf[0] = '\0';
    for (int k; (k = shell_token(&p, word, sizeof word)) != SH_END;) {
        if (k == SH_REDIR) { /* its target is no program */
            shell_token(&p, word, sizeof word);
            continue;
        }
        if (k == SH_OP || !word[0] || !strcmp(word, "{") || !strcmp(word, "!") ||
            is_assignment(word) || is_prefix_word(word) || word[0] == '-' ||
            strspn(word, "0123456789") == strlen(word)) /* an option, or a number (nice -n 5) */
            continue;
        if (!strcmp(word, "cd")) { /* cd DIR, up to its separator */
            while ((k = shell_token(&p, word, sizeof word)) == SH_WORD || k == SH_REDIR)
                ;
            continue;
        }
        mpb_copy(buf, len, word);
        return;
    }
}

/* The command's program name: its program (mpb_workload_command_program),
 * folder dropped, made a valid name ("cmd" if none). */
static void name_from(const char *text, char *buf, size_t len) {
    char prog[PATH_MAX];
    mpb_workload_command_program(text, prog, sizeof prog);
    const char *slash = strrchr(prog, '/'), *b = slash ? slash + 1 : prog;
    size_t j = 0;
    for (size_t i = 0; b[i] && j + 1 < len && j < 40; i++)
        buf[j++] = isalnum((unsigned char)b[i]) || strchr("._-", b[i]) ? b[i] : '_';
    buf[j] = '\0';
    if (!buf[0] || !isalnum((unsigned char)buf[0])) {
        char was[48];
        mpb_copy(was, sizeof was, buf);
        mpb_fmt(buf, len, "cmd%s%s", was[0] ? "-" : "", was);
    }
}

int mpb_workload_command(const char *name, const char *text, mpb_workload_t *w) {
    memset(w, 0, sizeof *w);
    if (!text[strspn(text, " \t")]) {
        fprintf(stderr, "mpbench: --command: empty command\n");
        return -1;
    }
    if (strchr(text, '\n') || strlen(text) >= MPB_CMD_MAX) {
        fprintf(stderr, "mpbench: --command '%.60s...': %s (put it in a script and run that)\n",
                text, strchr(text, '\n') ? "a command must be one line" : "command too long");
        return -1;
    }
    if (name && *name && !name_ok(name)) {
        fprintf(stderr,
                "mpbench: bad command name '%s' (want 1 to 63 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit)\n",
                name);
        return -1;
    }
    if (name && *name)
        mpb_copy(w->name, sizeof w->name, name);
    else
        name_from(text, w->name, sizeof w->name);
    mpb_copy(w->path, sizeof w->path, "/bin/sh");
    w->command = mpb_xstrdup(text);
    return 0;
}

int mpb_workload_uses_threads(const mpb_workload_t *w) {
    return !w->command || strstr(w->command, "{threads}") != NULL;
}

char *mpb_workload_command_text(const mpb_workload_t *w, const char *threads, const char *scale) {
    size_t cap = strlen(w->command) * 4 + 64, o = 0;
    char *out = mpb_xrealloc(NULL, cap);
    for (const char *p = w->command; *p;) {
        const char *v = !strncmp(p, "{threads}", 9) ? threads
                        : !strncmp(p, "{scale}", 7) ? scale
                                                    : NULL;
        if (v) {
            size_t n = strlen(v);
            if (o + n + 1 > cap)
                out = mpb_xrealloc(out, cap = (o + n + 1) * 2);
            memcpy(out + o, v, n), o += n;
            p += p[1] == 't' ? 9 : 7;
        } else {
            if (o + 2 > cap)
                out = mpb_xrealloc(out, cap *= 2);
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}
