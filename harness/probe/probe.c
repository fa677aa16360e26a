/* mpbench-probe.so: preloaded by `mpbench run` beside the allocator under
 * test (alone for glibc) so the runner can verify which object serves the
 * program's malloc. In every process that loads it (the workload and, for
 * script workloads, each dynamically linked program they start) a
 * constructor appends one line to the file named by $MPB_PROBE_FILE:
 *   pid=<pid>\tmalloc=<object>\tnext=<object>\tlibc=<object>\texe=<program>\n
 * malloc: the file that defines the `malloc` the global symbol scope
 * resolves to (what the program's own calls bind to), "(program)" when that
 * is the program itself: it defines malloc, or only holds a canonical PLT
 * entry for it (it takes malloc's address; the runner tells the two apart
 * from the program's symbol table). next: the first definition after the
 * probe, which mpbench preloads first: the allocator's, or libc's. "?" when
 * not found. It writes with one write(2), allocates nothing itself and never
 * changes the process. */
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The object defining symbol `sym` in scope `where`, into buf. */
static const char *provider(void *where, const char *sym, char *buf, size_t len) {
    void *addr = dlsym(where, sym);
    Dl_info info;
    struct link_map *lm = NULL;
    if (!addr || !dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm)
        return "?";
    if (!lm->l_name || !lm->l_name[0])
        return "(program)";
    snprintf(buf, len, "%s", lm->l_name);
    return buf;
}

__attribute__((constructor)) static void mpb_probe_report(void) {
    const char *out = getenv("MPB_PROBE_FILE");
    if (!out || !*out)
        return;
    char m[4096], nx[4096], l[4096], exe[4096], line[20480];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    int len = snprintf(line, sizeof line, "pid=%ld\tmalloc=%s\tnext=%s\tlibc=%s\texe=%s\n",
                       (long)getpid(), provider(RTLD_DEFAULT, "malloc", m, sizeof m),
                       provider(RTLD_NEXT, "malloc", nx, sizeof nx),
                       provider(RTLD_DEFAULT, "gnu_get_libc_version", l, sizeof l), exe);
    int fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (len > 0 && write(fd, line, (size_t)len) < 0)
        len = -1;
    close(fd);
}
