/* gnuplot runs behind gnuplot.h: fork, chdir in the child, exec gnuplot with
 * an argument vector. No shell sees a path, so quotes, spaces or $ in a
 * results folder's name are only bytes. */
#include "plot/gnuplot.h"

#include "common/outfmt.h"
#include "common/util.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs gnuplot with argv in dir (NULL: here), stdin from /dev/null, stderr
 * to /dev/null when quiet. Returns its exit status, or -1. */
static int run_gnuplot(const char *dir, char *const argv[], int quiet) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            if (quiet)
                dup2(null, 1), dup2(null, 2);
        }
        if (dir && chdir(dir) != 0)
            _exit(126);
        execvp("gnuplot", argv);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char *mpb_gnuplot_png(int w, int h) {
    static char line[128];
    char *cairo[] = {"gnuplot", "-e", "set terminal pngcairo", NULL};
    char *png[] = {"gnuplot", "-e", "set terminal png", NULL};
    if (run_gnuplot(NULL, cairo, 1) == 0)
        mpb_fmt(line, sizeof line, "set terminal pngcairo size %d,%d noenhanced font ',10'", w, h);
    else if (run_gnuplot(NULL, png, 1) == 0)
        mpb_fmt(line, sizeof line, "set terminal png size %d,%d noenhanced", w, h);
    else
        return NULL;
    return line;
}

int mpb_gnuplot(const char *dir, const char *name, const char *script) {
    char path[PATH_MAX + 256];
    mpb_path(path, sizeof path, dir, name);
    if (mpb_write_file(path, script) != 0) {
        perror(path);
        return -1;
    }
    return mpb_gnuplot_file(dir, name);
}

int mpb_gnuplot_file(const char *dir, const char *name) {
    char *argv[] = {"gnuplot", (char *)name, NULL};
    if (run_gnuplot(dir, argv, 0) == 0)
        return 0;
    fprintf(stderr, "mpbench: gnuplot failed on %s/%s\n", dir, name);
    return -1;
}

void mpb_gnuplot_quote(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}
