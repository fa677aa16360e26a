/* The writer's lock on a results folder: every command that writes into a
 * folder (run, run --resume, merge into OUT, summary, plot, report, sweep)
 * holds DIR/.mpbench.lock (flock) for as long as it writes, so a second
 * writer is refused instead of interleaving rows. The lock dies with its
 * process: a lock left by a killed mpbench is simply taken over. Taking a
 * lock the process already holds nests (run calls summary/plot/report). */
#ifndef MPB_LOCK_H
#define MPB_LOCK_H

/* Exit status of any command refused because another mpbench holds the lock. */
#define MPB_EXIT_BUSY 3

/* Takes the lock on the existing folder dir for this process; `what` names
 * the command for the holder's record ("mpbench run"). Returns 0;
 * MPB_EXIT_BUSY with a message naming the holder when another process holds
 * it; -1 with a message when the lock file cannot be made. */
int mpb_lock_take(const char *dir, const char *what);

/* Drops one hold on dir's lock (the lock is released with the last). */
void mpb_lock_release(const char *dir);

/* 1 (with a message starting with `who`) when another process holds dir's
 * lock, else 0: for commands that only read a folder another may write. */
int mpb_lock_busy(const char *dir, const char *who);

#endif /* MPB_LOCK_H */
