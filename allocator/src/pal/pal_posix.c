/* POSIX platform layer (Linux): reservations are PROT_NONE mappings
 * (MAP_NORESERVE), which count against neither RLIMIT_DATA nor strict
 * overcommit (only private writable mappings do, MAP_NORESERVE or not);
 * committing makes a range readable and writable (mprotect: adjacent ranges
 * of the same access merge into one mapping, so the backend commits in
 * large contiguous granules); decommitting is madvise(MADV_DONTNEED), which
 * drops pages from RSS at once and makes them read back as zero but keeps
 * them committed; uncommitting maps PROT_NONE over the range, which also
 * gives its commit charge back (mprotect to PROT_NONE would not, for pages
 * once touched: Documentation/mm/overcommit-accounting.rst). The pagemap's
 * untouched parts are PROT_READ (zero pages, uncounted). Entropy from getrandom, time from
 * CLOCK_MONOTONIC. Thread exit through a pthread key's destructor, fork
 * through pthread_atfork, the background thread through pthread_create.
 * This is the only allocator file that includes OS headers. */
#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <threads.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "pal.h"

void mpa_pal_message(const char *msg, size_t len) {
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, msg, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return;
        }
        msg += n;
        len -= (size_t)n;
    }
}

void mpa_pal_error(const char *msg) {
    mpa_pal_message(msg, strlen(msg));
    mpa_pal_message("\n", 1);
    abort();
}

int mpa_pal_stream_write(void *stream, const char *buf, size_t len) {
    return fwrite(buf, 1, len, (FILE *)stream) == len ? 0 : -1;
}

/* A reservation: no access, no commit charge. */
static void *map_none(size_t size) {
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *mpa_pal_reserve(size_t size) { return map_none(size); }

void *mpa_pal_reserve_aligned(size_t size) {
    /* The kernel often places a mapping aligned already (below the last
     * one); otherwise over-reserve, then trim the unaligned head and tail. */
    char *exact = map_none(size);
    if (exact != NULL && ((uintptr_t)exact & (size - 1)) == 0)
        return exact;
    if (exact != NULL)
        munmap(exact, size);
    size_t span = size * 2;
    if (span < size)
        return NULL;
    char *raw = map_none(span);
    if (raw == NULL)
        return NULL;
    char *aligned = (char *)(((uintptr_t)raw + size - 1) & ~(uintptr_t)(size - 1));
    if (aligned > raw)
        munmap(raw, (size_t)(aligned - raw));
    size_t tail = (size_t)(raw + span - (aligned + size));
    if (tail)
        munmap(aligned + size, tail);
    return aligned;
}

void *mpa_pal_reserve_at(void *at, size_t size) {
#ifdef MAP_FIXED_NOREPLACE
    int fixed = MAP_FIXED_NOREPLACE;
#else
    int fixed = 0; /* a hint: checked below */
#endif
    void *p = mmap(at, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | fixed, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (p != at) { /* a kernel that took the flag for a hint placed it elsewhere */
        munmap(p, size);
        return NULL;
    }
    return p;
}

void mpa_pal_release(void *p, size_t size) { munmap(p, size); }

void *mpa_pal_remap(void *p, size_t size, size_t new_size, void *to, int how) {
    if (how != MPA_PAL_REMAP_ONTO) {
        void *q = mremap(p, size, new_size, how == MPA_PAL_REMAP_MOVE ? MREMAP_MAYMOVE : 0);
        return q == MAP_FAILED ? NULL : q;
    }
    void *q = mremap(p, size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
    if (q != MAP_FAILED)
        return q;
    /* Linux unmaps `to` before some of its checks: where it did, the range
     * may already hold another thread's mapping, so only a range taken
     * back whole (MAP_FIXED_NOREPLACE) is released. Where the kernel
     * refused before unmapping, `to` stays reserved and is lost to the heap
     * (address space only, one range per such refusal; the preconditions
     * exclude the refusals known). */
    void *again = mpa_pal_reserve_at(to, new_size);
    if (again != NULL)
        munmap(again, new_size);
    return NULL;
}

/* ENOMEM under RLIMIT_DATA, strict overcommit or vm.max_map_count. */
int mpa_pal_notify_using(void *p, size_t size) {
    return mprotect(p, size, PROT_READ | PROT_WRITE) == 0 ? 0 : -1;
}

void mpa_pal_notify_not_using(void *p, size_t size) { madvise(p, size, MADV_DONTNEED); }

int mpa_pal_uncommit(void *p, size_t size) {
    void *q =
        mmap(p, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (q == p)
        return 0;
    /* Refused (a mapping split past vm.max_map_count): the range may
     * still be ours, readable and writable, or (older kernels unmap
     * before they fail) a hole that is taken back if still free. */
    if (mprotect(p, size, PROT_READ | PROT_WRITE) == 0) {
        madvise(p, size, MADV_DONTNEED);
        return 1;
    }
    return mpa_pal_reserve_at(p, size) == p ? 0 : -1;
}

void mpa_pal_notify_using_readonly(void *p, size_t size) {
    mprotect(p, size, PROT_READ); /* untouched anonymous pages read as zero */
}

size_t mpa_pal_page_size(void) {
    static size_t cached;
    if (cached == 0)
        cached = (size_t)sysconf(_SC_PAGESIZE);
    return cached;
}

unsigned mpa_pal_features(void) {
    return MPA_PAL_ZERO_ON_DECOMMIT | MPA_PAL_ENTROPY | MPA_PAL_CLOCK | MPA_PAL_THREAD_EXIT |
           MPA_PAL_FORK | MPA_PAL_BACKGROUND | MPA_PAL_SOFT_DECOMMIT;
}

uint64_t mpa_pal_entropy(void) {
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^ (uintptr_t)&v;
    }
    return v;
}

void mpa_pal_heap_range(uintptr_t *base, size_t *size) {
    *base = 0;
    *size = (size_t)1 << 47; /* the user half of x86-64 and arm64 (48-bit VA) */
}

/* Reads up to len - 1 bytes of a small /proc file into buf (NUL-terminated)
 * with raw system calls: no stdio, which may allocate. Returns the length,
 * or 0 when the file cannot be read. */
static size_t read_small_file(const char *path, char *buf, size_t len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t n = 0;
    while (n + 1 < len) {
        ssize_t r = read(fd, buf + n, len - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    return n;
}

/* Under strict overcommit (vm.overcommit_memory = 2, Documentation/mm/
 * overcommit-accounting.rst) every private writable mapping counts in full
 * against the system's CommitLimit, MAP_NORESERVE or not: no process can
 * commit more than that. Returns CommitLimit in bytes, or SIZE_MAX in the
 * other overcommit modes (or when /proc cannot be read). */
static size_t strict_commit_limit(void) {
    char buf[4096];
    if (read_small_file("/proc/sys/vm/overcommit_memory", buf, sizeof buf) == 0 || buf[0] != '2')
        return SIZE_MAX;
    if (read_small_file("/proc/meminfo", buf, sizeof buf) == 0)
        return SIZE_MAX;
    const char *line = strstr(buf, "CommitLimit:");
    if (!line)
        return SIZE_MAX;
    size_t kb = 0;
    for (line += 12; *line == ' '; line++)
        ;
    for (; *line >= '0' && *line <= '9'; line++)
        kb = kb * 10 + (size_t)(*line - '0');
    return kb == 0 || kb > SIZE_MAX / 1024 ? SIZE_MAX : kb * 1024;
}

/* The soft limit of resource r, or SIZE_MAX when there is none. */
static size_t rlimit_bytes(int r) {
    struct rlimit rl;
    if (getrlimit(r, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= SIZE_MAX)
        return SIZE_MAX;
    return (size_t)rl.rlim_cur;
}

size_t mpa_pal_address_space_limit(void) { return rlimit_bytes(RLIMIT_AS); }

size_t mpa_pal_commit_limit(void) {
    size_t data = rlimit_bytes(RLIMIT_DATA), strict = strict_commit_limit();
    return data < strict ? data : strict;
}

uint64_t mpa_pal_time_ms(void) {
    struct timespec ts; /* the coarse clock (a few ms) is plenty for decay, and cheaper */
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Lock sleeps are private futexes: the words live in this process. */
void mpa_pal_wait(_Atomic int *word, int expected) {
    int saved = errno;
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
    errno = saved;
}

void mpa_pal_wake(_Atomic int *word, int all) {
    int saved = errno;
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, all ? INT_MAX : 1, NULL, NULL, 0);
    errno = saved;
}

int mpa_pal_protect(void *p, size_t size, int access) {
    return mprotect(p, size, access ? PROT_READ | PROT_WRITE : PROT_NONE);
}

static void (*fault_handler)(const mpa_pal_fault_t *fault);
static struct sigaction fault_prev; /* the program's handler before ours */

static __thread int in_fault; /* a fault inside the handler is not ours */

/* The faulting instruction and the kind of access, from the signal's
 * context where this platform is known. */
static void fault_details(mpa_pal_fault_t *f, void *context) {
    f->pc = f->sp = f->fp = NULL;
    f->write = -1;
#if defined(__x86_64__)
    const ucontext_t *uc = context;
    f->pc = (void *)uc->uc_mcontext.gregs[REG_RIP];
    f->sp = (void *)uc->uc_mcontext.gregs[REG_RSP];
    f->fp = (void *)uc->uc_mcontext.gregs[REG_RBP];
    f->write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0; /* page-fault error code: W bit */
#elif defined(__aarch64__)
    const ucontext_t *uc = context;
    f->pc = (void *)uc->uc_mcontext.pc;
    f->sp = (void *)uc->uc_mcontext.sp;
    f->fp = (void *)uc->uc_mcontext.regs[29];
#else
    (void)context;
#endif
}

static void on_segv(int sig, siginfo_t *info, void *context) {
    if (!in_fault) {
        mpa_pal_fault_t f = {info->si_addr, NULL, NULL, NULL, -1};
        fault_details(&f, context);
        in_fault = 1;
        fault_handler(&f);
        in_fault = 0;
    }
    /* Not ours: the program's own handler (a garbage collector's write
     * barrier, a JIT) gets it as if we were not there; with none, the
     * access faults again and takes the default course. */
    if (fault_prev.sa_flags & SA_SIGINFO) {
        fault_prev.sa_sigaction(sig, info, context);
        return;
    }
    if (fault_prev.sa_handler != SIG_DFL && fault_prev.sa_handler != SIG_IGN) {
        fault_prev.sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
}

int mpa_pal_on_fault(void (*handler)(const mpa_pal_fault_t *fault)) {
    /* (An initialiser, not memset: the hardened builds export a checked
     * memset, which the platform layer must not call up into.) */
    struct sigaction sa = {.sa_flags = SA_SIGINFO | SA_NODEFER};
    sa.sa_sigaction = on_segv;
    sigemptyset(&sa.sa_mask);
    fault_handler = handler;
    return sigaction(SIGSEGV, &sa, &fault_prev);
}

int mpa_pal_main_thread_gone(void) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)getpid());
    if (read_small_file(path, buf, sizeof buf) == 0)
        return 0;
    char *end = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
    return end != NULL && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
}

void mpa_pal_sleep_ms(unsigned ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Both keep errno: unpark runs inside free, which must not change it. */
void mpa_pal_park(uint32_t *word, uint32_t expected, unsigned timeout_ms) {
    struct timespec ts = {.tv_sec = timeout_ms / 1000,
                          .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
    int saved = errno;
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, &ts, NULL, 0);
    errno = saved;
}

void mpa_pal_unpark(uint32_t *word) {
    int saved = errno;
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    errno = saved;
}

/* ---- threads and processes ---- */

static pthread_key_t exit_key;
static void (*exit_handler)(void);

/* glibc calls key destructors in up to PTHREAD_DESTRUCTOR_ITERATIONS rounds
 * and frees TLS blocks after the last; the handler cannot know which round
 * is the last, so it must leave nothing behind that a later one would need. */
static void on_exit_key(void *unused) {
    (void)unused;
    exit_handler();
}

/* Key indices below this live in the thread descriptor itself (glibc's
 * PTHREAD_KEY_2NDLEVEL_SIZE); a value at a higher index goes in a 512-byte
 * block that pthread_setspecific callocs and thread exit frees. */
#define MPA_PAL_KEY_INLINE 32

/* Creates the exit key at the highest free key index below 32, or, when
 * those are all taken, at the highest free one. glibc (and musl) run each
 * destructor round over the keys in index order, reading every value as
 * they reach it: a thread whose first allocation comes from a lower key's
 * destructor, even in the last round (where a new value starts no further
 * round), arms this key before the round reaches it, so the handler still
 * runs. Not above 31: a value there lives in a block glibc allocates, and
 * glibc frees that block at thread exit before it clears its pointer; a
 * fork in that window leaves the pointer in the child's cached thread
 * descriptor, and the next thread the child starts on that stack uses the
 * freed block and frees it again (found by the debug build: "double free
 * ... (512 requested)", allocated in pthread_setspecific, freed twice in
 * __nptl_deallocate_tsd). Every mpalloc thread had such a block when the
 * key was 1023; now only programs with 32 keys of their own do, as under
 * glibc's malloc. Takes the free keys up to the first above 31 for a moment
 * (every free key when none is below; a pthread_key_create racing with it
 * on another thread would fail; this runs once, at heap
 * start, before main in practice). glibc's key creation and deletion do not
 * allocate. Returns 0, or -1 when no key is free. */
int mpa_pal_on_thread_exit(void (*handler)(void)) {
    exit_handler = handler;
    pthread_key_t keys[PTHREAD_KEYS_MAX];
    size_t n = 0, pick = 0;
    while (n < PTHREAD_KEYS_MAX && pthread_key_create(&keys[n], on_exit_key) == 0) {
        bool inline_n = keys[n] < MPA_PAL_KEY_INLINE, inline_pick = keys[pick] < MPA_PAL_KEY_INLINE;
        if (inline_n == inline_pick ? keys[n] > keys[pick] : inline_n)
            pick = n;
        n++;
        if (!inline_n && keys[pick] < MPA_PAL_KEY_INLINE)
            break; /* every free index below 32 seen (they come lowest first) */
    }
    for (size_t i = 0; i < n; i++)
        if (i != pick)
            pthread_key_delete(keys[i]);
    if (n == 0)
        return -1;
    exit_key = keys[pick];
    return 0;
}

/* Any non-NULL value arms the destructor; setting it allocates nothing
 * while the key is below 32 (see mpa_pal_on_thread_exit). */
int mpa_pal_thread_exit_arm(void) { return pthread_setspecific(exit_key, (void *)1) == 0 ? 0 : -1; }

int mpa_pal_on_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void)) {
    return pthread_atfork(prepare, parent, child) == 0 ? 0 : -1;
}

int mpa_pal_multi_threaded(void) { return !__libc_single_threaded; }

int mpa_pal_thread_id(void) { return (int)gettid(); }

/* The interrupted thread's user stack pointer as /proc/self/task/TID/syscall
 * gives it (after the number and six arguments: sp, pc), or 0. */
static uintptr_t syscall_sp(const char *line) {
    const char *q = line;
    for (int field = 0; field < 7; field++) {
        q = strchr(q, ' ');
        if (q == NULL)
            return 0;
        q++;
    }
    return (uintptr_t)strtoull(q, NULL, 16);
}

int mpa_pal_thread_parked(int tid, const void *handler_mark) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    if (read_small_file(path, buf, sizeof buf) == 0)
        return 0;
    char *end = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
    if (end == NULL || end[1] != ' ' || end[2] != 'S')
        return 0;
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    if (read_small_file(path, buf, sizeof buf) == 0 || buf[0] < '0' || buf[0] > '9')
        return 0; /* "running", or unreadable */
    /* Not a thread a signal handler may have stopped anywhere (waiting for
     * a signal), nor one in vfork, whose child runs on its thread's TLS. */
    long nr = strtol(buf, NULL, 10);
    if (nr == SYS_rt_sigsuspend || nr == SYS_rt_sigtimedwait || nr == SYS_clone)
        return 0;
#ifdef SYS_pause
    if (nr == SYS_pause)
        return 0;
#endif
#ifdef SYS_vfork
    if (nr == SYS_vfork)
        return 0;
#endif
#ifdef SYS_clone3
    if (nr == SYS_clone3)
        return 0;
#endif
    /* Nor one whose system call a signal handler made: below (deeper than)
     * the frame of a handler it runs (see "signal handlers" below). A mark
     * left by a handler that jumped out reads as stale once the thread's
     * stack is above it again. */
    uintptr_t mark = 0, sp = syscall_sp(buf);
    if (handler_mark != NULL)
        mark = atomic_load_explicit((const _Atomic uintptr_t *)handler_mark, memory_order_acquire);
    return mark == 0 || (sp != 0 && sp > mark);
}

/* ---- signal handlers: which thread runs one ----
 * A thread that a signal interrupted anywhere (inside a malloc fast path
 * too) and whose handler then sleeps in a system call (read, nanosleep,
 * poll: async-signal-safe) reads as parked, yet its interrupted fast path
 * holds the core's lists: the purger must not drain it. So every handler
 * the program installs through sigaction, signal and their aliases runs
 * inside a wrapper that keeps, in the thread's TLS, the address of its own
 * frame while the handler runs (the previous mark restored after: nested
 * handlers). mpa_pal_thread_parked reads a thread whose system call is
 * below that frame as not parked. Handlers installed with the raw system
 * call (not through the C library) are not seen; nor are the C library's
 * own (its thread cancellation and set*id handlers, which do not sleep). */
static __thread _Atomic uintptr_t handler_frame __attribute__((tls_model("initial-exec")));

const void *mpa_pal_handler_mark(void) { return (const void *)&handler_frame; }

#ifndef MPA_NO_OVERRIDE
typedef void (*handler1_t)(int);
typedef void (*handler3_t)(int, siginfo_t *, void *);
/* The program's handler of each signal that a wrapper stands for (either
 * form: a one-argument handler also takes the extra arguments unharmed). */
static void *_Atomic program_handler[_NSIG];

static void handler_run(int sig, siginfo_t *info, void *uc, bool three) {
    uintptr_t prev = atomic_load_explicit(&handler_frame, memory_order_relaxed);
    atomic_store_explicit(&handler_frame, (uintptr_t)__builtin_frame_address(0),
                          memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    void *h = atomic_load_explicit(&program_handler[sig], memory_order_acquire);
    if (three)
        ((handler3_t)h)(sig, info, uc);
    else
        ((handler1_t)h)(sig);
    atomic_signal_fence(memory_order_seq_cst);
    atomic_store_explicit(&handler_frame, prev, memory_order_relaxed);
}

static void __attribute__((noinline)) wrap1(int sig) { handler_run(sig, NULL, NULL, false); }
static void __attribute__((noinline)) wrap3(int sig, siginfo_t *info, void *uc) {
    handler_run(sig, info, uc, true);
}

/* True for a handler the program wrote (not SIG_DFL, SIG_IGN, SIG_HOLD, SIG_ERR). */
static bool is_program_handler(int sig, void *h) {
    return sig > 0 && sig < _NSIG && (uintptr_t)h > 2 && h != (void *)SIG_ERR &&
           h != (void *)wrap1 && h != (void *)wrap3;
}

/* What the program installed, where the kernel holds a wrapper. */
static void *program_view(void *installed, void *prev) {
    return installed == (void *)wrap1 || installed == (void *)wrap3 ? prev : installed;
}

/* The next definition of name (the C library's), looked up once. */
static void *next_fn(void *_Atomic *slot, const char *name) {
    void *f = atomic_load_explicit(slot, memory_order_acquire);
    if (f == NULL) {
        f = dlsym(RTLD_NEXT, name);
        atomic_store_explicit(slot, f, memory_order_release);
    }
    return f;
}

typedef int (*sigaction_fn_t)(int, const struct sigaction *, struct sigaction *);
typedef void (*(*signal_fn_t)(int, void (*)(int)))(int);
static void *_Atomic next_sigaction, *_Atomic next_signal, *_Atomic next_bsd_signal,
    *_Atomic next_ssignal, *_Atomic next_sysv_signal, *_Atomic next_sigset;

/* Looked up before main, outside any handler (dlsym is not
 * async-signal-safe; sigaction is). */
__attribute__((constructor)) static void find_signal_functions(void) {
    next_fn(&next_sigaction, "sigaction");
    next_fn(&next_signal, "signal");
    next_fn(&next_bsd_signal, "bsd_signal");
    next_fn(&next_ssignal, "ssignal");
    next_fn(&next_sysv_signal, "sysv_signal");
    next_fn(&next_sigset, "sigset");
}

/* glibc's own entry (a static program has no next definition to find). */
extern int __sigaction(int, const struct sigaction *, struct sigaction *);

__attribute__((visibility("default"))) int sigaction(int sig, const struct sigaction *act,
                                                     struct sigaction *old) {
    sigaction_fn_t next = (sigaction_fn_t)next_fn(&next_sigaction, "sigaction");
    if (next == NULL || next == sigaction)
        next = __sigaction;
    void *prev = sig > 0 && sig < _NSIG ? atomic_load(&program_handler[sig]) : NULL;
    struct sigaction wrapped;
    if (act != NULL && is_program_handler(sig, (void *)act->sa_handler)) {
        wrapped = *act;
        bool three = (act->sa_flags & SA_SIGINFO) != 0;
        atomic_store(&program_handler[sig],
                     three ? (void *)act->sa_sigaction : (void *)act->sa_handler);
        if (three)
            wrapped.sa_sigaction = wrap3;
        else
            wrapped.sa_handler = wrap1;
        act = &wrapped;
    }
    int rc = next(sig, act, old);
    if (rc == 0 && old != NULL)
        old->sa_handler = (handler1_t)program_view((void *)old->sa_handler, prev);
    return rc;
}

/* signal and its aliases: the C library's own (its flags and mask), with
 * the wrapper standing for the program's handler; without one (a static
 * program), sigaction with the flags given (glibc's: BSD signal restarts
 * and blocks the signal in its handler, sysv_signal resets and does not). */
static handler1_t signal_through(void *_Atomic *slot, const char *name, int sig, handler1_t h,
                                 int flags) {
    signal_fn_t next = (signal_fn_t)next_fn(slot, name);
    if (next == NULL) {
        struct sigaction act = {.sa_handler = h, .sa_flags = flags}, old;
        sigemptyset(&act.sa_mask);
        if (!(flags & SA_NODEFER) && sig > 0 && sig < _NSIG)
            sigaddset(&act.sa_mask, sig);
        return sigaction(sig, &act, &old) == 0 ? old.sa_handler : SIG_ERR;
    }
    void *prev = sig > 0 && sig < _NSIG ? atomic_load(&program_handler[sig]) : NULL;
    if (is_program_handler(sig, (void *)h)) {
        atomic_store(&program_handler[sig], (void *)h);
        h = wrap1;
    }
    handler1_t was = next(sig, h);
    return was == SIG_ERR ? was : (handler1_t)program_view((void *)was, prev);
}

__attribute__((visibility("default"))) handler1_t signal(int sig, handler1_t h) {
    return signal_through(&next_signal, "signal", sig, h, SA_RESTART);
}
__attribute__((visibility("default"))) handler1_t bsd_signal(int sig, handler1_t h) {
    return signal_through(&next_bsd_signal, "bsd_signal", sig, h, SA_RESTART);
}
__attribute__((visibility("default"))) handler1_t ssignal(int sig, handler1_t h) {
    return signal_through(&next_ssignal, "ssignal", sig, h, SA_RESTART);
}
__attribute__((visibility("default"))) handler1_t sysv_signal(int sig, handler1_t h) {
    return signal_through(&next_sysv_signal, "sysv_signal", sig, h, SA_RESETHAND | SA_NODEFER);
}
/* System V's sigset also unblocks the signal (SIG_HOLD blocks it). */
__attribute__((visibility("default"))) handler1_t sigset(int sig, handler1_t h) {
    if (next_fn(&next_sigset, "sigset") == NULL && h == SIG_HOLD) {
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        struct sigaction old;
        return pthread_sigmask(SIG_BLOCK, &one, NULL) == 0 && sigaction(sig, NULL, &old) == 0
                   ? old.sa_handler
                   : SIG_ERR;
    }
    handler1_t was = signal_through(&next_sigset, "sigset", sig, h, 0);
    if (next_fn(&next_sigset, "sigset") == NULL && was != SIG_ERR) {
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    }
    return was;
}
#endif

#ifdef MPA_NO_OVERRIDE
/* The sanitizer (or the program) owns pthread_create: no hook. */
int mpa_pal_on_thread_create(void (*hook)(void)) {
    (void)hook;
    return -1;
}
#else
/* The program's pthread_create passes through here (the library exports
 * it, as it exports malloc) to the next definition, the C library's, found
 * once with dlsym(RTLD_NEXT). The hook runs first, in the creating thread,
 * with no lock of the C library held: a program calls pthread_create from
 * its own code (a library constructor during dlopen holds the loader lock,
 * which is recursive, and pthread_create takes it in that thread anyway). */
typedef int (*create_fn_t)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static create_fn_t _Atomic next_create;
static void (*_Atomic create_hook)(void);

static create_fn_t find_next_create(void) {
    create_fn_t f = atomic_load_explicit(&next_create, memory_order_acquire);
    if (f == NULL) {
        f = (create_fn_t)dlsym(RTLD_NEXT, "pthread_create");
        atomic_store_explicit(&next_create, f, memory_order_release);
    }
    return f;
}

int mpa_pal_on_thread_create(void (*hook)(void)) {
    if (find_next_create() == NULL)
        return -1; /* a static program: nothing to pass calls to */
    atomic_store(&create_hook, hook);
    return 0;
}

static void run_create_hook(void) {
    void (*hook)(void) = atomic_load_explicit(&create_hook, memory_order_acquire);
    if (hook != NULL)
        hook();
}

__attribute__((visibility("default"))) int pthread_create(pthread_t *t, const pthread_attr_t *attr,
                                                          void *(*fn)(void *), void *arg) {
    run_create_hook();
    create_fn_t next = find_next_create();
    return next != NULL ? next(t, attr, fn, arg) : EAGAIN;
}

/* C11 threads: glibc's thrd_create calls its pthread_create internally,
 * past the definition above. */
typedef int (*thrd_create_fn_t)(thrd_t *, thrd_start_t, void *);
static thrd_create_fn_t _Atomic next_thrd_create;

__attribute__((visibility("default"))) int thrd_create(thrd_t *t, thrd_start_t fn, void *arg) {
    run_create_hook();
    thrd_create_fn_t next = atomic_load_explicit(&next_thrd_create, memory_order_acquire);
    if (next == NULL) {
        next = (thrd_create_fn_t)dlsym(RTLD_NEXT, "thrd_create");
        atomic_store_explicit(&next_thrd_create, next, memory_order_release);
    }
    return next != NULL ? next(t, fn, arg) : thrd_error;
}
#endif

/* What a background thread runs: one slot per distinct function started
 * (slots are never reused, so a running thread's slot stays valid). */
typedef struct {
    atomic_int claimed;       /* 1 once a caller took the slot */
    void (*_Atomic fn)(void); /* published after name */
    const char *name;
} start_slot_t;

#define START_SLOTS 4
static start_slot_t start_slots[START_SLOTS];

static void *thread_main(void *arg) {
    start_slot_t *s = arg;
    if (s->name != NULL)
        pthread_setname_np(pthread_self(), s->name);
    atomic_load (&s->fn)();
    return NULL;
}

/* The slot of fn, claimed on its first start; NULL when all are taken. */
static start_slot_t *start_slot(void (*fn)(void), const char *name) {
    for (unsigned i = 0; i < START_SLOTS; i++) {
        start_slot_t *s = &start_slots[i];
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&s->claimed, &free_slot, 1)) {
            s->name = name;
            atomic_store(&s->fn, fn);
            return s;
        }
        void (*seen)(void);
        while ((seen = atomic_load(&s->fn)) == NULL)
            sched_yield(); /* claimed by a caller that is publishing it now */
        if (seen == fn)
            return s;
    }
    return NULL;
}

int mpa_pal_thread_start(void (*fn)(void), const char *name) {
    start_slot_t *slot = start_slot(fn, name);
    if (slot == NULL)
        return -1;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the new thread inherits the mask */
    pthread_attr_t attr;
    pthread_t t;
    int ok = pthread_attr_init(&attr) == 0;
    ok = ok && pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0;
    ok = ok && pthread_attr_setstacksize(&attr, 64 << 10) == 0;
#ifdef MPA_NO_OVERRIDE
    ok = ok && pthread_create(&t, &attr, thread_main, slot) == 0;
#else
    create_fn_t next = find_next_create(); /* not through the hook */
    ok = ok && next != NULL && next(&t, &attr, thread_main, slot) == 0;
#endif
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok ? 0 : -1;
}

const char *mpa_pal_option(const char *name) { return getenv(name); }

void *mpa_pal_libc_function(const char *name) { return dlsym(RTLD_NEXT, name); }
