/* mpbench subcommands. main.c dispatches `mpbench <cmd> ...` to these; each
 * takes the arguments after the command name (argv[0] is the command) and
 * returns the process exit status. Each prints its own --help. */
#ifndef MPB_COMMANDS_H
#define MPB_COMMANDS_H

int mpb_cmd_run(int argc, char **argv);        /* run.c */
int mpb_cmd_list(int argc, char **argv);       /* list.c */
int mpb_cmd_merge(int argc, char **argv);      /* merge.c */
int mpb_cmd_summary(int argc, char **argv);    /* summary.c: writes summary.csv */
int mpb_cmd_plot(int argc, char **argv);       /* plot.c */
int mpb_cmd_report(int argc, char **argv);     /* report.c */
int mpb_cmd_compare(int argc, char **argv);    /* compare.c */
int mpb_cmd_kernel(int argc, char **argv);     /* kernel.c (kernel-sim matrix) */
int mpb_cmd_sweep(int argc, char **argv);      /* sweep.c */
int mpb_cmd_record(int argc, char **argv);     /* record.c: run a program under the recorder */
int mpb_cmd_trace_stat(int argc, char **argv); /* trace_stat.c */
int mpb_cmd_replay(int argc, char **argv);     /* replay_cmd.c: mpbench run of a trace */

/* The end of `mpbench run` (analysis/digest.c): the digest of folder dir on
 * stdout when print, and the exports that are not NULL. Returns 0, or -1
 * when an export could not be written (message printed). */
int mpb_digest_after_run(const char *dir, int print, const char *json, const char *markdown);

/* Non-zero while a command runs another (run -> summary/plot/report, sweep
 * -> run, merge -> report): the inner one then leaves the final line, the
 * report's path, to the outer one, so it is printed once. run.c. */
extern int mpb_nested;

#endif /* MPB_COMMANDS_H */
