/* Leftover processes of a run (strays.h): found through the children
 * lists of /proc/PID/task/TID/children, killed, reaped. */
#include "measure/strays.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXP 1024 /* processes looked at per scan */

void mpb_strays_enable(void) {
    static int done;
    if (!done && prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
        done = 1;
}

/* Appends the children of every thread of pid to out[*n..max). */
static void children_of(pid_t pid, pid_t *out, size_t *n, size_t max) {
    char path[64], buf[8192];
    mpb_fmt(path, sizeof path, "/proc/%ld/task", (long)pid);
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        mpb_fmt(path, sizeof path, "/proc/%ld/task/%s/children", (long)pid, e->d_name);
        FILE *f = fopen(path, "r");
        size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[len] = '\0';
        char *save = NULL;
        for (char *t = strtok_r(buf, " \n", &save); t && *n < max; t = strtok_r(NULL, " \n", &save))
            out[(*n)++] = (pid_t)strtol(t, NULL, 10);
    }
    if (d)
        closedir(d);
}

/* State letter and command name of pid from /proc/PID/stat ('?' if gone). */
static char proc_state(pid_t pid, char *comm, size_t len) {
    char path[64], buf[512];
    mpb_fmt(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open || !close[1] || !close[2])
        return '?';
    mpb_fmt(comm, len, "%.*s", (int)(close - open - 1), open + 1);
    return close[2];
}

/* Every process below mpbench but main, breadth first. */
static size_t descendants(pid_t main, pid_t *out, size_t max) {
    pid_t top[MAXP];
    size_t ntop = 0, n = 0;
    children_of(getpid(), top, &ntop, MAXP);
    for (size_t i = 0; i < ntop && n < max; i++)
        if (top[i] != main)
            out[n++] = top[i];
    children_of(main, out, &n, max);
    for (size_t i = 0; i < n; i++)
        children_of(out[i], out, &n, max);
    return n;
}

void mpb_strays_stop(pid_t main, mpb_strays_t *s) {
    pid_t p[MAXP];
    size_t n = descendants(main, p, MAXP), off = 0;
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        char comm[64] = "?";
        char st = proc_state(p[i], comm, sizeof comm);
        kill(p[i], SIGKILL);
        if (st == 'Z' || st == 'X' || st == '?')
            continue; /* already gone: nothing kept running */
        if (s->n++ < 6 && off < sizeof s->what)
            off += (size_t)mpb_fmt(s->what + off, sizeof s->what - off, "%spid %ld (%s)",
                                   off ? ", " : "", (long)p[i], comm);
    }
    if (s->n > 6 && off < sizeof s->what)
        mpb_fmt(s->what + off, sizeof s->what - off, ", ...");
    kill(-main, SIGKILL);
}

void mpb_strays_reap(void) {
    struct timespec nap = {0, 5 * 1000 * 1000};
    for (int round = 0; round < 400; round++) {
        pid_t c[MAXP];
        size_t n = 0;
        children_of(getpid(), c, &n, MAXP);
        if (!n)
            return;
        for (size_t i = 0; i < n; i++) {
            kill(c[i], SIGKILL);
            while (waitpid(c[i], NULL, WNOHANG) < 0 && errno == EINTR)
                ;
        }
        nanosleep(&nap, NULL);
    }
}
