/* POSIX platform services of the debug build (MPA_CHECKED 2; the other
 * builds compile none of this): the bounds of the calling thread's stack
 * (for frame-pointer walks), freed blocks made inaccessible with their
 * pages given back, and the site lines of a report: function, file and
 * line of each return address. Symbols are looked up at report time only,
 * in a child process (a raw clone: no fork handler runs, so no allocator
 * lock is waited for) that loads elfutils' libdw (libdw1) with dlopen and
 * writes the lines into a pipe; the child's allocations come from a private
 * arena (child_init), never from the heap whose corruption is reported.
 * When the child cannot run, fails or takes longer than SITES_TIMEOUT_MS,
 * the parent prints each address with its module and offset, read from
 * /proc/self/maps without allocating (addr2line can finish the job). */
#include "pal.h"
#include "tunables.h"

#if MPA_CHECKED >= 2

#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SITES_TIMEOUT_MS 10000 /* for the child to load libdw and look up every site */
#define SITES_OUT        16384 /* bytes of site lines a report prints at most */

void mpa_pal_abort(void) { abort(); }

int mpa_pal_protect_discard(void *p, size_t size) {
    void *q =
        mmap(p, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    return q == p ? 0 : -1;
}

/* glibc places a thread's descriptor (pthread_self) at the top of its stack,
 * and the main thread's stack ends at __libc_stack_end (the arguments and
 * environment lie above). */
extern void *__libc_stack_end;

void *mpa_pal_stack_top(void) {
    char here;
    uintptr_t at = (uintptr_t)&here, self = (uintptr_t)pthread_self();
    uintptr_t end = (uintptr_t)__libc_stack_end;
    if (self > at && self - at < ((uintptr_t)1 << 30))
        return (void *)self;
    if (end > at && end - at < ((uintptr_t)1 << 30))
        return (void *)end;
    return NULL;
}

/* ---- formatting without allocation ---- */

typedef struct {
    char *buf;
    size_t at, cap;
} out_t;

static void put(out_t *o, const char *s) {
    while (*s && o->at + 1 < o->cap)
        o->buf[o->at++] = *s++;
}

static void put_hex(out_t *o, uintptr_t v) {
    char d[20];
    int n = 0;
    do {
        d[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    put(o, "0x");
    while (n && o->at + 1 < o->cap)
        o->buf[o->at++] = d[--n];
}

static void put_dec(out_t *o, uintptr_t v) {
    char d[24];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && o->at + 1 < o->cap)
        o->buf[o->at++] = d[--n];
}

static void write_all(int fd, const char *s, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

/* ---- module and offset of an address, from /proc/self/maps ---- */

static uintptr_t parse_hex(const char **s) {
    uintptr_t v = 0;
    for (;; (*s)++) {
        char c = **s;
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                            : 16u;
        if (d == 16)
            return v;
        v = v << 4 | d;
    }
}

/* One line of the maps file: when it maps pc, writes " (path+0xoffset)"
 * and tells whether the mapping is executable (*exec). */
static bool maps_line(const char *line, uintptr_t pc, out_t *o, bool *exec) {
    const char *s = line;
    uintptr_t lo = parse_hex(&s);
    if (*s++ != '-')
        return false;
    uintptr_t hi = parse_hex(&s);
    if (pc < lo || pc >= hi)
        return false;
    while (*s == ' ')
        s++;
    *exec = s[0] != '\0' && s[1] != '\0' && s[2] == 'x';
    s += 5; /* perms and a space */
    uintptr_t off = parse_hex(&s);
    const char *path = strchr(s, '/');
    if (path == NULL)
        path = strchr(s, '[');
    put(o, " (");
    put(o, path ? path : "?");
    put(o, "+");
    put_hex(o, pc - lo + off);
    put(o, ")");
    return true;
}

/* Appends " (module+0xoffset)" for pc, or nothing when no mapping holds
 * it; true when an executable mapping holds it. */
static bool put_module(out_t *o, uintptr_t pc) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true; /* (unknown: kept) */
    char chunk[4096], line[512];
    size_t len = 0;
    bool done = false, exec = false;
    ssize_t n;
    while (!done && (n = read(fd, chunk, sizeof chunk)) > 0) {
        for (ssize_t i = 0; i < n && !done; i++) {
            if (chunk[i] != '\n') {
                if (len + 1 < sizeof line)
                    line[len++] = chunk[i];
                continue;
            }
            line[len] = '\0';
            done = maps_line(line, pc, o, &exec);
            len = 0;
        }
    }
    close(fd);
    return exec;
}

/* True when the bytes before pc end with a call instruction, as before a
 * return address (x86-64: call rel32, or call through a register or
 * memory, 2 to 7 bytes); elsewhere always true. A frame-pointer walk
 * through code without frame pointers may pick up any stack word: this
 * tells a return address from such a word. pre: pc - 7 is readable. */
static bool after_call(uintptr_t pc) {
#if defined(__x86_64__)
    const unsigned char *b = (const unsigned char *)pc;
    if (b[-5] == 0xe8)
        return true;
    for (int k = 2; k <= 7; k++)
        if (b[-k] == 0xff && ((b[-k + 1] >> 3) & 7) == 2)
            return true;
    return false;
#else
    (void)pc;
    return true;
#endif
}

static void frame_prefix(out_t *o, unsigned i, uintptr_t pc) {
    put(o, "      #");
    put_dec(o, i);
    put(o, " ");
    put_hex(o, pc);
}

/* The sites with addresses only, written by the reporting process. */
static void print_raw(const mpa_pal_site_t *sites, size_t n) {
    char buf[1024];
    for (size_t s = 0; s < n; s++) {
        out_t o = {buf, 0, sizeof buf};
        put(&o, "    ");
        put(&o, sites[s].title);
        put(&o, "\n");
        write_all(STDERR_FILENO, buf, o.at);
        for (unsigned i = 0, shown = 0; i < sites[s].n; i++) {
            uintptr_t pc = (uintptr_t)sites[s].pc[i];
            o.at = 0;
            frame_prefix(&o, shown, pc);
            if (!put_module(&o, pc - (sites[s].exact && i == 0 ? 0 : 1)) && i > 0)
                continue; /* not a return address: a stray stack word */
            put(&o, "\n");
            write_all(STDERR_FILENO, buf, o.at);
            shown++;
        }
    }
}

/* ---- the child: symbols through libdw ---- */

typedef struct {
    Dwfl *(*begin)(const Dwfl_Callbacks *);
    int (*proc_report)(Dwfl *, pid_t);
    int (*report_end)(Dwfl *, int (*)(Dwfl_Module *, void *, const char *, Dwarf_Addr, void *),
                      void *);
    Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
    const char *(*addrinfo)(Dwfl_Module *, GElf_Addr, GElf_Off *, GElf_Sym *, GElf_Word *, Elf **,
                            Dwarf_Addr *);
    Dwfl_Line *(*getsrc)(Dwfl_Module *, Dwarf_Addr);
    const char *(*lineinfo)(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *, Dwarf_Word *);
    const char *(*modinfo)(Dwfl_Module *, void ***, Dwarf_Addr *, Dwarf_Addr *, Dwarf_Addr *,
                           Dwarf_Addr *, const char **, const char **);
    Dwfl_Callbacks cb;
    /* The C++ runtime's demangler, when the program has one loaded
     * (NULL otherwise: names are printed as the symbol table has them). */
    char *(*demangle)(const char *, char *, size_t *, int *);
} dw_t;

/* Loads libdw; false when it is not installed. */
static bool dw_load(dw_t *dw) {
    void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return false;
    *(void **)&dw->begin = dlsym(h, "dwfl_begin");
    *(void **)&dw->proc_report = dlsym(h, "dwfl_linux_proc_report");
    *(void **)&dw->report_end = dlsym(h, "dwfl_report_end");
    *(void **)&dw->addrmodule = dlsym(h, "dwfl_addrmodule");
    *(void **)&dw->addrinfo = dlsym(h, "dwfl_module_addrinfo");
    *(void **)&dw->getsrc = dlsym(h, "dwfl_module_getsrc");
    *(void **)&dw->lineinfo = dlsym(h, "dwfl_lineinfo");
    *(void **)&dw->modinfo = dlsym(h, "dwfl_module_info");
    dw->cb = (Dwfl_Callbacks){0}; /* (not memset: the library's own is the checked one) */
    *(void **)&dw->cb.find_elf = dlsym(h, "dwfl_linux_proc_find_elf");
    *(void **)&dw->cb.find_debuginfo = dlsym(h, "dwfl_standard_find_debuginfo");
    *(void **)&dw->demangle = dlsym(RTLD_DEFAULT, "__cxa_demangle");
    return dw->begin && dw->proc_report && dw->report_end && dw->addrmodule && dw->addrinfo &&
           dw->getsrc && dw->lineinfo && dw->modinfo && dw->cb.find_elf && dw->cb.find_debuginfo;
}

/* " in fn+0x1c at file.c:62 (module+0x1234)" for the address pc (looked
 * up at `at`: pc, or pc - 1 for a return address); false, with nothing
 * written, when a return address lies in no module or after no call. */
static bool dw_frame(const dw_t *dw, Dwfl *d, uintptr_t pc, uintptr_t at, out_t *o) {
    Dwfl_Module *m = dw->addrmodule(d, at);
    if (m == NULL)
        return pc == at && put_module(o, at);
    if (pc != at && !after_call(pc))
        return false;
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *fn = dw->addrinfo(m, at, &off, &sym, NULL, NULL, NULL);
    if (fn != NULL) {
        int status = -1;
        /* (its buffer comes from the child's arena: the heap is not touched) */
        char *plain = fn[0] == '_' && fn[1] == 'Z' && dw->demangle
                          ? dw->demangle(fn, NULL, NULL, &status)
                          : NULL;
        put(o, " in ");
        put(o, status == 0 && plain != NULL ? plain : fn);
        put(o, "+");
        put_hex(o, off + (pc - at));
    }
    Dwfl_Line *line = dw->getsrc(m, at);
    int lineno = 0;
    const char *file = line ? dw->lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (file != NULL) {
        put(o, " at ");
        put(o, file);
        put(o, ":");
        put_dec(o, (uintptr_t)lineno);
    }
    Dwarf_Addr start = 0;
    const char *mod = dw->modinfo(m, NULL, &start, NULL, NULL, NULL, NULL, NULL);
    put(o, " (");
    put(o, mod ? mod : "?");
    put(o, "+");
    put_hex(o, at - start + (pc - at));
    put(o, ")");
    return true;
}

/* Writes the site lines, with symbols where libdw finds them, then "\1" (the
 * parent's sign that the child finished), into fd. */
static void child_sites(const mpa_pal_site_t *sites, size_t n, int fd) {
    static char buf[SITES_OUT];
    out_t o = {buf, 0, sizeof buf - 2};
    dw_t dw;
    Dwfl *d = NULL;
    if (dw_load(&dw) && (d = dw.begin(&dw.cb)) != NULL) {
        if (dw.proc_report(d, getpid()) != 0 || dw.report_end(d, NULL, NULL) != 0)
            d = NULL;
    }
    for (size_t s = 0; s < n; s++) {
        put(&o, "    ");
        put(&o, sites[s].title);
        put(&o, "\n");
        for (unsigned i = 0, shown = 0; i < sites[s].n; i++) {
            uintptr_t pc = (uintptr_t)sites[s].pc[i];
            uintptr_t at = pc - (sites[s].exact && i == 0 ? 0 : 1);
            size_t mark = o.at;
            frame_prefix(&o, shown, pc);
            bool ok = d != NULL ? dw_frame(&dw, d, pc, at, &o) : put_module(&o, at);
            if (!ok && i > 0) {
                o.at = mark; /* not a return address: a stray stack word */
                continue;
            }
            put(&o, "\n");
            shown++;
        }
    }
    buf[o.at++] = '\1';
    write_all(fd, buf, o.at);
}

/* Reads the child's lines until it closes the pipe or the time is up;
 * returns the bytes read, or 0 when incomplete (no closing "\1"). */
static size_t read_child(int fd, char *buf, size_t cap) {
    size_t len = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (ms >= SITES_TIMEOUT_MS)
            return 0;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(SITES_TIMEOUT_MS - ms));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (len += (size_t)n) == cap)
            break;
    }
    return len > 0 && buf[len - 1] == '\1' ? len - 1 : 0;
}

void mpa_pal_print_sites(const mpa_pal_site_t *sites, size_t n, void (*child_init)(void)) {
    static char buf[SITES_OUT];
    int fds[2];
    if (n == 0)
        return;
    /* MPALLOC_SYMBOLS=0: addresses, modules and offsets only (no child). */
    const char *symbols = getenv("MPALLOC_SYMBOLS");
    if ((symbols != NULL && symbols[0] == '0') || pipe2(fds, O_CLOEXEC) != 0) {
        print_raw(sites, n);
        return;
    }
    /* A raw clone with fork's semantics: pthread_atfork handlers (the
     * allocator's take every lock) do not run. */
    pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        close(fds[0]);
        child_init();
        child_sites(sites, n, fds[1]);
        _exit(0);
    }
    close(fds[1]);
    size_t len = pid > 0 ? read_child(fds[0], buf, sizeof buf) : 0;
    close(fds[0]);
    if (pid > 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (len > 0)
        write_all(STDERR_FILENO, buf, len);
    else
        print_raw(sites, n);
}

#endif
