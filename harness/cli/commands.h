/* mpbench subcommands. main.c dispatches `mpbench <cmd> ...` to these; each
 * takes the arguments after the command name (argv[0] is the command) and
 * returns the process exit status. Each prints its own --help. They only
 * turn a command line into the options struct of the concern that does the
 * work (run/run.h, export/analyse.h, sweep/sweep.h, ...) and call it: no
 * command calls another through an argument list. */
#ifndef MPB_COMMANDS_H
#define MPB_COMMANDS_H

int mpb_cmd_run(int argc, char **argv);        /* run_cmd.c */
int mpb_cmd_list(int argc, char **argv);       /* list.c */
int mpb_cmd_merge(int argc, char **argv);      /* merge_cmd.c */
int mpb_cmd_summary(int argc, char **argv);    /* analysis_cmd.c: writes summary.csv */
int mpb_cmd_plot(int argc, char **argv);       /* analysis_cmd.c */
int mpb_cmd_report(int argc, char **argv);     /* analysis_cmd.c */
int mpb_cmd_compare(int argc, char **argv);    /* compare_cmd.c */
int mpb_cmd_kernel(int argc, char **argv);     /* kernel.c (kernel-sim matrix) */
int mpb_cmd_sweep(int argc, char **argv);      /* sweep_cmd.c */
int mpb_cmd_record(int argc, char **argv);     /* record.c: run a program under the recorder */
int mpb_cmd_trace_stat(int argc, char **argv); /* trace_stat.c */
int mpb_cmd_replay(int argc, char **argv);     /* replay_cmd.c: mpbench run of a trace */

#endif /* MPB_COMMANDS_H */
