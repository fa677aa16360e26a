/* A matrix run, as `mpbench run` (cli/run_cmd.c), sweep and replay make
 * one: its options (mpb_run_opts_t) and mpb_run_matrix; and the state
 * shared by its files: run.c (options to matrix), run_setup.c (results
 * folder, allocators, workloads, resume), run_loop.c (the interleaved
 * matrix, progress), run_one.c (one measured run) and run_command.c
 * (--command workloads and --prepare). */
#ifndef MPB_RUN_H
#define MPB_RUN_H

#include <limits.h>
#include <stddef.h>

#include "catalog/alloc.h"
#include "catalog/build.h"
#include "common/json.h"
#include "measure/child.h"
#include "catalog/matrix.h"
#include "measure/provenance.h"
#include "run/machload.h"
#include "catalog/workload.h"

/* Exit statuses of mpbench run (3, folder in use, is MPB_EXIT_BUSY of lock.h). */
enum {
    MPB_EXIT_OK = 0,
    MPB_EXIT_FAIL = 1,
    MPB_EXIT_USAGE = 2,
    MPB_EXIT_WRITE = 4,
    MPB_EXIT_INTERRUPTED = 130
};

typedef struct mpb_run {
    mpb_matrix_t m;
    int alloc_explicit;  /* --alloc given: a missing one is an error */
    mpb_alloc_t *allocs; /* resolved, matrix order */
    size_t nalloc;
    char **preload;  /* LD_PRELOAD value per allocator (with the probe) */
    mpb_prov_t prov; /* the provenance probe and its temp links */
    mpb_workload_t *wls;
    size_t nwl;
    char dir[PATH_MAX];    /* results folder */
    char absdir[PATH_MAX]; /* the same, absolute (for files a command that cd's writes) */
    int resume;            /* --resume */
    char cmdline[4096];
    char resumed_at[32];
    int csv_fd;
    int locked;            /* this run holds dir's lock (lock.h) */
    unsigned char *done;   /* done[cell * repeat + rep - 1]: row present */
    long warmups;          /* warm-up runs made (with those of earlier attempts) */
    json_t *prev_meta;     /* --resume: meta.json as the earlier attempts left it */
    mpb_build_t *builds;   /* per allocator: its build (catalog/build.h) */
    mpb_load_snap_t load0; /* the machine's CPU time when the loop started (machload.h) */
} mpb_run_t;

/* The command-line pieces of --command workloads. */
typedef struct mpb_run_cmdargs {
    mpb_strlist_t commands; /* --command texts, "NAME=CMD" allowed */
    mpb_strlist_t names;    /* --command-name: the i-th names the i-th command */
    mpb_strlist_t prepare;  /* --prepare: once for all, or once per command */
    mpb_strlist_t ops_from; /* --ops-from: once for all commands, or once per command */
} mpb_run_cmdargs_t;

/* What a run is asked for, before defaults: `mpbench run`'s options as
 * cli/run_cmd.c parsed them, or what sweep and replay ask for. Values
 * left unset (NULL, 0, or below 0 as MPB_RUN_OPTS_INIT sets them) take
 * the defaults of --help. */
typedef struct mpb_run_opts {
    const char *out;      /* results folder (required) */
    int resume;           /* continue out's run: the matrix comes from its matrix.txt */
    const char *alloc;    /* comma-separated names, paths, NAME=PATH; NULL: the defaults */
    const char *workload; /* comma-separated, NAME@F allowed; NULL: every wl-* */
    const char *threads;  /* "1,2,4"; NULL: 1, 2, 4, ... up to the cores */
    const char *shard;    /* "I/N"; NULL: every cell */
    const char *measure;  /* "time" or "instructions"; NULL: time */
    int repeat;           /* 0: 5 (3 when quick) */
    int quick;            /* --quick's smaller defaults */
    int pin;              /* 0 no, 1 yes, -1 default (yes) */
    double scale, timeout, warmup, sample_ms; /* < 0: default */
    long seed;                                /* < 0: default (42) */
    mpb_run_cmdargs_t cmd;                    /* --command workloads */
    const char *cmdline;                      /* the command line, for meta.json */
} mpb_run_opts_t;

#define MPB_RUN_OPTS_INIT \
    { .pin = -1, .scale = -1, .timeout = -1, .warmup = -1, .sample_ms = -1, .seed = -1 }

/* The matrix a (not resuming) describes, defaults applied, into m (zeroed
 * first; the caller frees it). who ("mpbench run") names the command in
 * usage messages. Returns MPB_EXIT_OK or MPB_EXIT_USAGE (message printed). */
int mpb_run_opts_matrix(const mpb_run_opts_t *a, mpb_matrix_t *m, const char *who);

/* Runs the matrix o asks for into o->out (or resumes it): setup, then every
 * pending run. r is left holding the folder's lock, so an analysis can
 * follow before mpb_run_end releases it and frees r (call it whatever this
 * returned). Returns an exit status (MPB_EXIT_*). */
int mpb_run_matrix(mpb_run_t *r, const mpb_run_opts_t *o);
void mpb_run_end(mpb_run_t *r);

/* Cells = allocators x workloads x thread counts; index (a*nwl + w)*nthreads + t. */
size_t mpb_run_cell(const mpb_run_t *r, size_t a, size_t w, size_t t);
size_t mpb_run_ncells(const mpb_run_t *r);

/* The scale workload w runs at: its own (NAME@F) or the matrix's. */
double mpb_run_scale(const mpb_run_t *r, size_t w);

/* Folder checks, resolution, matrix.txt, meta.json, results.csv, resume
 * marks. Returns MPB_EXIT_OK or the exit status to stop with. */
int mpb_run_setup(mpb_run_t *r);
/* Runs every pending (cell, rep) in interleaved order. Returns an exit status. */
int mpb_run_loop(mpb_run_t *r);
/* One run of cell (a, w, t); rep 0 is the warm-up. Fills res, and ir with the
 * callgrind count under --measure instructions. */
void mpb_run_one(const mpb_run_t *r, size_t a, size_t w, size_t t, int rep, mpb_result_t *res,
                 char *ir, size_t irlen);
/* Checks the --command options and puts them into m (commands as
 * "NAME\tTEXT", NAME "" when it is to be made from the text). Returns
 * MPB_EXIT_OK or MPB_EXIT_USAGE (message printed). */
int mpb_run_command_matrix(mpb_matrix_t *m, const mpb_run_cmdargs_t *c);
/* Appends m's commands to r->wls (names made unique or checked, matrix.txt
 * entries rewritten with the final names; prepare and ops regex set; one
 * --prepare also goes to the other workloads). Returns an exit status. */
int mpb_run_command_workloads(mpb_run_t *r);
/* Runs workload w's --prepare command (no allocator preloaded; output into
 * log). Returns 0 when it succeeded, else -1 with res the run's row (status
 * error, or interrupted / harness from the spawn). */
int mpb_run_prepare(const mpb_run_t *r, size_t w, const char *log, mpb_result_t *res);
/* Frees what the command workloads own. */
void mpb_run_command_free(mpb_run_t *r);

/* The RSS samples of the last counted run (filled by mpb_run_one). */
extern mpb_timeline_t mpb_run_timeline;

#endif /* MPB_RUN_H */
