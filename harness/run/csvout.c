/* results.csv on disk: created with its header, reopened on --resume with
 * any torn last line cut off (so appended rows never glue onto it), and
 * appended with one write(2) plus fsync(2) per row; a row the disk had
 * no room for is cut off again, so the file always ends with a whole row. */
#include "run/csvout.h"

#include "common/schema.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mpb_csv_header(void) { return mpb_schema_header(&mpb_schema_run); }

/* Length of the file up to and including its last newline. */
static off_t complete_length(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    char c;
    for (off_t pos = st.st_size; pos > 0; pos--)
        if (pread(fd, &c, 1, pos - 1) == 1 && c == '\n')
            return pos;
    return 0;
}

int mpb_csv_open(const char *path, int resume) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (resume ? 0 : O_EXCL), 0644);
    if (fd < 0)
        return -1;
    int rfd = open(path, O_RDWR | O_CLOEXEC);
    off_t keep = rfd >= 0 ? complete_length(rfd) : -1;
    if (keep < 0 || (rfd >= 0 && ftruncate(rfd, keep) != 0)) {
        int e = errno;
        if (rfd >= 0)
            close(rfd);
        close(fd);
        errno = e;
        return -1;
    }
    close(rfd);
    if (keep == 0) {
        char line[1024];
        mpb_fmt(line, sizeof line, "%s\n", mpb_csv_header());
        if (mpb_csv_append(fd, line) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
    }
    return fd;
}

int mpb_csv_header_ok(const char *path) {
    char *text = mpb_read_file(path);
    const char *h = mpb_csv_header();
    size_t n = strlen(h);
    int ok = !text || !text[0] || (!strncmp(text, h, n) && (text[n] == '\n' || text[n] == '\r'));
    free(text);
    return ok;
}

int mpb_csv_append(int fd, const char *line) {
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    size_t n = strlen(line);
    ssize_t w = write(fd, line, n);
    if (w >= 0 && (size_t)w == n)
        return fsync(fd) == 0 ? 0 : -1;
    int e = w < 0 ? errno : ENOSPC;
    if (ftruncate(fd, st.st_size) != 0) {
        /* the torn row stays; --resume cuts it off */
    }
    errno = e;
    return -1;
}
