/* Provenance of a run: proof that the allocator a row is filed under is the
 * one that served the workload's malloc. mpbench preloads its probe library
 * (build/lib/mpbench-probe.so, harness/probe/probe.c) beside the allocator;
 * the probe writes, from inside every process that loads it, which object
 * the global `malloc` resolves to. After the run the report is checked
 * against the allocator's file (glibc: against the process's own libc). */
#ifndef MPB_PROVENANCE_H
#define MPB_PROVENANCE_H

#include <limits.h>
#include <stddef.h>

/* Environment variable naming the file the probe appends its lines to. */
#define MPB_PROBE_ENV "MPB_PROBE_FILE"

typedef struct mpb_prov {
    char probe[PATH_MAX];   /* the probe as LD_PRELOAD names it */
    char libc[PATH_MAX];    /* glibc's libc.so, preloaded for glibc runs */
    char linkdir[PATH_MAX]; /* temp folder of links for names LD_PRELOAD cannot carry, or "" */
    unsigned nlinks;        /* links made in linkdir */
} mpb_prov_t;

/* What one finished run is checked against. */
typedef struct mpb_prov_check {
    const char *report;  /* file the probe wrote */
    const char *lib;     /* allocator library; "" or NULL for glibc */
    long pid;            /* the workload's process id */
    const char *err_log; /* the run's stderr log (ld.so messages), may not exist */
    const char *program; /* the workload executable (static-link check) */
} mpb_prov_check_t;

#define MPB_WATCH_MAX 512 /* processes of one run the outside check remembers */

/* The outside check of a run: its process tree is scanned while it runs
 * (from /proc), and each process (again after an exec) is checked once: a
 * statically linked program, or one whose environment lost the probe from
 * LD_PRELOAD, ran without the allocator, and the inside reports cannot
 * see it. */
typedef struct mpb_prov_watch {
    const char *preload;              /* the run's LD_PRELOAD value */
    const char *probe;                /* the probe's real path (as /proc/PID/maps shows it) */
    double period_s, next;            /* scan period; next scan (mpb_now) */
    long pid[MPB_WATCH_MAX];          /* processes checked ... */
    unsigned long exe[MPB_WATCH_MAX]; /* ... with the inode of the program they ran */
    size_t n;
    char why[768]; /* the first process that ran without it, or "" */
} mpb_prov_watch_t;

/* Scans root's process tree when the period has passed; returns the
 * milliseconds until the next scan is due. */
int mpb_prov_watch_scan(mpb_prov_watch_t *w, long root);

/* Finds the probe beside mpbench (../lib/mpbench-probe.so). Returns 0, or
 * -1 with a message on stderr. */
int mpb_prov_init(mpb_prov_t *p);

/* The LD_PRELOAD value for library lib into buf: the probe, then lib, or
 * for glibc ("" or NULL) libc.so itself, so that glibc's malloc serves even
 * a program linked with another allocator (Debian's redis-server). LD_PRELOAD splits at spaces and colons, so a path that
 * holds one is preloaded through a link in a private temp folder. Returns
 * 0, or -1 with a message on stderr. */
int mpb_prov_preload(mpb_prov_t *p, const char *lib, char *buf, size_t len);

/* Removes the temp links (call once the runs are over). */
void mpb_prov_cleanup(mpb_prov_t *p);

/* The build that served the run's malloc, as the probe saw it from inside
 * the workload's own process (else the first process that reported). */
typedef struct mpb_prov_seen {
    char build[96]; /* "mpa:<id>", "gnu:<hex>", or "" (catalog/build.h) */
    char *record;   /* a libmpalloc's build record (JSON text, malloc'd) or NULL */
} mpb_prov_seen_t;

/* Checks a run's probe report. Returns 1 when every process that reported
 * had its malloc served by the allocator (glibc: by its libc) and the
 * workload's own process reported; 0 when not, -1 when no process reported
 * at all; in both cases why (len bytes) says what was seen. seen (may be
 * NULL) gets the build that served it; free seen->record. */
int mpb_prov_verify(const mpb_prov_check_t *c, char *why, size_t len, mpb_prov_seen_t *seen);

/* Warns on stderr, once per call, when lib cannot serve as a preloaded
 * malloc (not an ELF shared library, no malloc export). Returns 1 if so. */
int mpb_prov_warn_lib(const char *name, const char *lib);

/* Warns on stderr when the workload program is statically linked. */
int mpb_prov_warn_program(const char *name, const char *program);

#endif /* MPB_PROVENANCE_H */
