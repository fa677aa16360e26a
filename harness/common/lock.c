/* Results-folder locks (lock.h): flock(2) on DIR/.mpbench.lock, whose text
 * records the holder (pid, command, start time) for the refusal message.
 * The file is never removed (removing it would let two processes lock two
 * different files); a release empties it. Holds are counted per folder
 * (by device and inode) within the process. */
#include "common/lock.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_NAME ".mpbench.lock"
#define MAX_HELD  16

/* A folder this process holds the lock of. */
typedef struct held {
    dev_t dev;
    ino_t ino;
    int fd;    /* the open, flocked lock file */
    int count; /* nested holds */
} held_t;

static held_t held[MAX_HELD];

/* The entry for dir (by device and inode), or NULL. */
static held_t *find_held(const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0)
        return NULL;
    for (int i = 0; i < MAX_HELD; i++)
        if (held[i].count && held[i].dev == st.st_dev && held[i].ino == st.st_ino)
            return &held[i];
    return NULL;
}

/* The holder record of an open lock file, into buf ("" when empty). */
static void read_record(int fd, char *buf, size_t len) {
    ssize_t n = pread(fd, buf, len - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
}

/* pid from a record, or 0. */
static long record_pid(const char *rec) {
    const char *p = strstr(rec, "pid=");
    return p ? strtol(p + 4, NULL, 10) : 0;
}

/* "pid 123, `mpbench run`, since 2024-..." from a record. */
static void describe(const char *rec, char *buf, size_t len) {
    char cmd[256] = "?", since[64] = "?";
    const char *c = strstr(rec, "command="), *s = strstr(rec, "since=");
    if (c)
        mpb_fmt(cmd, sizeof cmd, "%.*s", (int)strcspn(c + 8, "\n"), c + 8);
    if (s)
        mpb_fmt(since, sizeof since, "%.*s", (int)strcspn(s + 6, "\n"), s + 6);
    mpb_fmt(buf, len, "pid %ld, `%s`, since %s", record_pid(rec), cmd, since);
}

/* Opens dir's lock file; -1 with a message. */
static int open_lock(const char *dir) {
    char path[PATH_MAX + 32];
    mpb_fmt(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        fprintf(stderr, "mpbench: cannot create the lock file %s: %s\n", path, strerror(errno));
    return fd;
}

/* Records this process as the holder; notes a stale record taken over. */
static void write_record(int fd, const char *dir, const char *what) {
    char rec[512], now[32];
    read_record(fd, rec, sizeof rec);
    long old = record_pid(rec);
    if (old > 0 && old != (long)getpid() && kill((pid_t)old, 0) != 0 && errno == ESRCH)
        fprintf(stderr,
                "mpbench: note: taking over the lock of %s left by pid %ld, which is "
                "no longer running\n",
                dir, old);
    mpb_iso_now(now, sizeof now);
    int n = mpb_fmt(rec, sizeof rec, "pid=%ld\ncommand=%s\nsince=%s\n", (long)getpid(), what, now);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, rec, (size_t)n, 0) != n)
        fprintf(stderr, "mpbench: warning: cannot record the lock holder in %s/%s\n", dir,
                LOCK_NAME);
}

int mpb_lock_take(const char *dir, const char *what) {
    held_t *h = find_held(dir);
    if (h) {
        h->count++;
        return 0;
    }
    int slot = 0;
    while (slot < MAX_HELD && held[slot].count)
        slot++;
    struct stat st;
    if (slot == MAX_HELD || stat(dir, &st) != 0) {
        fprintf(stderr, "mpbench: cannot lock %s: %s\n", dir,
                slot == MAX_HELD ? "too many folders held" : strerror(errno));
        return -1;
    }
    int fd = open_lock(dir);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char rec[512], who[400];
        read_record(fd, rec, sizeof rec);
        describe(rec, who, sizeof who);
        fprintf(stderr,
                "mpbench: %s is in use by another mpbench (%s); wait for it to "
                "finish, or use another folder\n",
                dir, who);
        close(fd);
        return MPB_EXIT_BUSY;
    }
    write_record(fd, dir, what);
    held[slot] = (held_t){st.st_dev, st.st_ino, fd, 1};
    return 0;
}

void mpb_lock_release(const char *dir) {
    held_t *h = find_held(dir);
    if (!h || --h->count > 0)
        return;
    if (ftruncate(h->fd, 0) != 0)
        h->count = 0; /* the record stays; the lock goes with the close */
    close(h->fd);
    memset(h, 0, sizeof *h);
}

int mpb_lock_busy(const char *dir, const char *who) {
    char path[PATH_MAX + 32], rec[512], desc[400];
    if (find_held(dir))
        return 0;
    mpb_fmt(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    if (busy) {
        read_record(fd, rec, sizeof rec);
        describe(rec, desc, sizeof desc);
        fprintf(stderr, "%s: %s is being written by another mpbench (%s)\n", who, dir, desc);
    }
    close(fd);
    return busy;
}
