/* libmpatrace.so: the LD_PRELOAD allocation recorder behind
 * `mpbench record`. It interposes the malloc family, forwards every call to
 * the next definition (dlsym(RTLD_NEXT); a static bootstrap buffer serves
 * dlsym's own calloc), and logs each call into a per-thread buffer obtained
 * with mmap: no lock and no heap allocation per call. A full buffer, or one
 * older than MPT_FLUSH_NS, is compressed (zstd, static context in mmap'd
 * memory, one compressor behind a spinlock taken only per flush) and
 * appended to the trace with one write(2). Format: trace_format.h.
 *
 * Policy. Only the process whose pid is $MPATRACE_PID records, into
 * $MPATRACE_FILE (created with its header by mpbench record). A forked child
 * stops recording (its calls are forwarded only) and writes a CHILD note, as
 * does a program exec'd by a descendant; exec of the recorded process
 * flushes every buffer and the new image continues the same trace after a
 * START block. exit(), return from main and _exit()/_Exit() flush and write
 * the END block, and so does a stop or fatal signal's default action (see
 * the signals section: the trace is whole and names the signal); a program
 * killed by SIGKILL leaves a trace without END, readable up to its last
 * whole block (buffers are flushed at least every MPT_FLUSH_NS while a
 * thread allocates). A write that fails stops the recording and puts its
 * errno in the header (rec_error). A call made from a signal handler
 * that interrupted the recorder on the same thread is forwarded and counted
 * as dropped. Calls glibc makes after a thread's TLS destructors ran (it
 * frees the thread's DTV) are forwarded unrecorded. */
#define ZSTD_STATIC_LINKING_ONLY
#include "trace_format.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define EXPORT      __attribute__((visibility("default")))
#define TLS         __thread __attribute__((tls_model("initial-exec")))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define MPT_RAW_CAP  (128u << 10) /* bytes of encoded events per buffer */
#define MPT_FLUSH_NS 50000000ull  /* flush a buffer at least this often (50 ms) */
#ifndef MPT_ZSTD_LEVEL
#define MPT_ZSTD_LEVEL 1 /* zstd level of event blocks (1: see notes) */
#endif
#define BOOT_SIZE (64u << 10) /* bootstrap heap for dlsym */

enum { ST_UNINIT, ST_INIT, ST_RECORD, ST_PASS };

/* A thread's event buffer. The owner appends at `committed` and publishes
 * with a release store; a flusher (the owner, or exit/exec on behalf of
 * every thread) holds `flushing` while it writes [start, committed). */
typedef struct tbuf {
    struct tbuf *next;           /* global list, never shrinks */
    atomic_int in_use;           /* owned by a live thread */
    atomic_int flushing;         /* flush in progress */
    uint32_t tid;                /* thread number in this image */
    atomic_uint committed;       /* bytes of whole events */
    atomic_uint committed_ev;    /* events in them */
    uint32_t start, start_ev;    /* already written (under flushing) */
    uint64_t prev_ts, prev_addr; /* encoder state (owner) */
    uint64_t last_flush;         /* ns (owner) */
    uint8_t data[MPT_RAW_CAP];
} tbuf_t;

/* The functions interposed, as found next in the lookup order. */
static struct {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    void (*free)(void *);
    void (*free_sized)(void *, size_t);
    void (*free_aligned_sized)(void *, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    void (*exit_)(int);
    void (*Exit_)(int);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    int (*sigaction)(int, const struct sigaction *, struct sigaction *);
    void (*(*signal)(int, void (*)(int)))(int);
} real;

static atomic_int state;
static int trace_fd = -1;
static char trace_path[4096]; /* $MPATRACE_FILE, kept for the header's rec_error */
static tbuf_t *_Atomic buffers;
static atomic_uint next_tid;
static atomic_ulong written_events, dropped_events;
static atomic_int zlock;
static ZSTD_CCtx *cctx;
static uint8_t *zout; /* block header + compressed payload */
static size_t zout_cap;
static pthread_key_t exit_key;

static TLS tbuf_t *my_buf;
static inline void leave_recorder(int to); /* busy = to, then a deferred signal's action */
static TLS int busy;                       /* 1: in a forwarded call, 2: in the recorder */
static TLS int thread_done;                /* TLS destructor ran */

static _Alignas(16) unsigned char boot_heap[BOOT_SIZE];
static size_t boot_used;

/* ---------------------------------------------------------------- helpers */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Time stamps. Where the kernel's clocksource is the TSC (the kernel found
 * it in step across cores), stamps are the TSC mapped linearly to
 * nanoseconds of CLOCK_MONOTONIC (calibrated over 1 ms at start): the vDSO's
 * clock_gettime costs 40-60 ns in this VM and was a fifth of a recorded
 * python3's time. The read is LFENCE; RDTSC, as the kernel's own
 * rdtsc_ordered() in that clock_gettime: it waits for the instructions
 * before it (the allocation it stamps has returned, the pointer a free
 * releases has been loaded) and happens before the stores after it become
 * visible (the free itself). The map is the same for every thread of an
 * image, so stamps order across threads as the TSC does. Elsewhere:
 * clock_gettime(CLOCK_MONOTONIC). */
#ifndef MPT_USE_TSC
#define MPT_USE_TSC 1 /* 0: always clock_gettime */
#endif
static int use_tsc;
static uint64_t tsc0, ns0, tsc_mult; /* ns = ns0 + ((tsc - tsc0) * mult >> 32) */

static inline uint64_t stamp(void) {
#if defined(__x86_64__)
    if (use_tsc) {
        __builtin_ia32_lfence();
        int64_t d = (int64_t)(__builtin_ia32_rdtsc() - tsc0);
        return ns0 + (uint64_t)(int64_t)(((__int128)d * (__int128)tsc_mult) >> 32);
    }
#endif
    return now_ns();
}

/* Chooses the TSC when the clocksource is "tsc" and calibrates it. */
static void setup_clock(void) {
#if defined(__x86_64__) && MPT_USE_TSC
    char buf[16] = "";
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                  O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 3 || strncmp(buf, "tsc", 3) != 0 || (n > 3 && buf[3] != '\n'))
        return;
    uint64_t a = now_ns(), ta = __builtin_ia32_rdtsc(), b, tb;
    do {
        b = now_ns();
        tb = __builtin_ia32_rdtsc();
    } while (b - a < 1000000);
    if (tb <= ta)
        return;
    tsc_mult = (uint64_t)(((unsigned __int128)(b - a) << 32) / (tb - ta));
    tsc0 = tb, ns0 = b;
    use_tsc = tsc_mult != 0;
#endif
}

static void say(const char *msg) {
    ssize_t r = write(2, msg, strlen(msg));
    (void)r;
}

/* Writes all of buf; returns 0 or -1. */
static int write_all(const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(trace_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int boot_owns(const void *p) {
    return (const unsigned char *)p >= boot_heap &&
           (const unsigned char *)p < boot_heap + BOOT_SIZE;
}

/* Bump allocation for dlsym's needs before the real functions are known. */
static void *boot_alloc(size_t n) {
    size_t need = (n + 31) & ~(size_t)15;
    if (boot_used + need > BOOT_SIZE)
        return NULL;
    unsigned char *p = boot_heap + boot_used;
    boot_used += need;
    memcpy(p, &n, sizeof n);
    return p + 16;
}

static size_t boot_size(const void *p) {
    size_t n;
    memcpy(&n, (const unsigned char *)p - 16, sizeof n);
    return n;
}

/* ------------------------------------------------------------- writing */

static void spin_lock(atomic_int *l) {
    int z = 0;
    while (!atomic_compare_exchange_weak_explicit(l, &z, 1, memory_order_acquire,
                                                  memory_order_relaxed)) {
        z = 0;
        sched_yield();
    }
}

static void spin_unlock(atomic_int *l) { atomic_store_explicit(l, 0, memory_order_release); }

/* Records in the trace's header that a write failed (errno e): the header's
 * bytes exist already, so this pwrite needs no new room on a full disk. A
 * descriptor of its own: pwrite on the O_APPEND one would append. */
static void note_write_error(int e) {
    uint32_t v = e ? (uint32_t)e : EIO;
    int fd = open(trace_path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t w = pwrite(fd, &v, sizeof v, offsetof(mpt_file_header_t, rec_error));
    (void)w;
    close(fd);
}

/* Appends one block (header + payload) with one write. Caller holds zlock
 * and has placed the payload at zout + sizeof(mpt_block_t). */
static void put_block(uint32_t type, uint32_t tid, uint32_t nev, uint32_t raw, uint32_t comp,
                      uint32_t codec) {
    mpt_block_t h = {MPT_BLOCK_MAGIC, type, tid, nev, raw, comp, 0, codec};
    h.crc = mpt_block_crc(&h, zout + sizeof h);
    memcpy(zout, &h, sizeof h);
    if (write_all(zout, sizeof h + comp) != 0) {
        note_write_error(errno);
        say("mpatrace: cannot write the trace; recording stops (the trace is cut short)\n");
        atomic_store(&state, ST_PASS);
        return;
    }
    if (type == MPT_BLK_EVENTS)
        atomic_fetch_add(&written_events, nev);
}

/* Writes an uncompressed small block. */
static void put_raw_block(uint32_t type, const void *payload, uint32_t len) {
    spin_lock(&zlock);
    memcpy(zout + sizeof(mpt_block_t), payload, len);
    put_block(type, 0, 0, len, len, 0);
    spin_unlock(&zlock);
}

/* Writes b's committed, unwritten events as one block. Caller holds
 * b->flushing. own: the caller is b's owner (the buffer restarts at 0). */
static void flush_locked(tbuf_t *b, int own) {
    uint32_t c = atomic_load_explicit(&b->committed, memory_order_acquire);
    uint32_t e = atomic_load_explicit(&b->committed_ev, memory_order_acquire);
    if (c > b->start && atomic_load(&state) == ST_RECORD) {
        uint32_t n = c - b->start;
        spin_lock(&zlock);
        uint8_t *dst = zout + sizeof(mpt_block_t);
        size_t z = ZSTD_compressCCtx(cctx, dst, zout_cap - sizeof(mpt_block_t), b->data + b->start,
                                     n, MPT_ZSTD_LEVEL);
        if (ZSTD_isError(z) || z >= n) {
            memcpy(dst, b->data + b->start, n);
            put_block(MPT_BLK_EVENTS, b->tid, e - b->start_ev, n, n, 0);
        } else {
            put_block(MPT_BLK_EVENTS, b->tid, e - b->start_ev, n, (uint32_t)z, 1);
        }
        spin_unlock(&zlock);
    }
    b->start = c, b->start_ev = e;
    if (own) {
        b->start = b->start_ev = 0;
        atomic_store_explicit(&b->committed, 0, memory_order_relaxed);
        atomic_store_explicit(&b->committed_ev, 0, memory_order_relaxed);
    }
}

static void flush_buf(tbuf_t *b, int own) {
    spin_lock(&b->flushing);
    flush_locked(b, own);
    spin_unlock(&b->flushing);
}

/* Flushes every thread's committed events (exit, exec). A buffer whose
 * flush cannot start soon is skipped: its owner may be this very thread,
 * interrupted inside a flush by a signal handler that called exit(). */
static void flush_all(int inside) {
    for (tbuf_t *b = atomic_load(&buffers); b; b = b->next) {
        if (b == my_buf && inside)
            continue;
        int z = 0, tries = 0;
        while (!atomic_compare_exchange_weak(&b->flushing, &z, 1) && ++tries < 10000) {
            z = 0;
            sched_yield();
        }
        if (tries < 10000) {
            flush_locked(b, b == my_buf);
            spin_unlock(&b->flushing);
        }
    }
}

/* ------------------------------------------------------------ buffers */

static void thread_exit(void *arg) {
    tbuf_t *b = arg;
    busy = 2;
    if (b && b == my_buf) {
        flush_buf(b, 1);
        my_buf = NULL;
        atomic_store(&b->in_use, 0);
    }
    thread_done = 1;
    leave_recorder(0);
}

/* The calling thread's buffer: a released one reused, or a new mapping. */
static tbuf_t *acquire_buf(void) {
    tbuf_t *b;
    for (b = atomic_load(&buffers); b; b = b->next) {
        int z = 0;
        if (atomic_compare_exchange_strong(&b->in_use, &z, 1))
            break;
    }
    if (!b) {
        b = mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (b == MAP_FAILED)
            return NULL;
        atomic_store(&b->in_use, 1);
        b->next = atomic_load(&buffers);
        while (!atomic_compare_exchange_weak(&buffers, &b->next, b))
            ;
    }
    spin_lock(&b->flushing);
    b->tid = atomic_fetch_add(&next_tid, 1);
    b->start = b->start_ev = 0;
    atomic_store(&b->committed, 0);
    atomic_store(&b->committed_ev, 0);
    b->prev_ts = b->prev_addr = 0;
    b->last_flush = stamp();
    spin_unlock(&b->flushing);
    my_buf = b;
    pthread_setspecific(exit_key, b);
    return b;
}

/* --------------------------------------------------------------- init */

#define FIND(f) (*(void **)&real.f = dlsym(RTLD_NEXT, #f))

static void resolve(void) {
    FIND(malloc), FIND(calloc), FIND(realloc), FIND(reallocarray), FIND(free);
    FIND(free_sized), FIND(free_aligned_sized), FIND(aligned_alloc), FIND(posix_memalign);
    FIND(memalign), FIND(valloc), FIND(pvalloc), FIND(malloc_usable_size);
    FIND(execve), FIND(execvpe), FIND(fexecve), FIND(sigaction), FIND(signal);
    *(void **)&real.exit_ = dlsym(RTLD_NEXT, "_exit");
    *(void **)&real.Exit_ = dlsym(RTLD_NEXT, "_Exit");
}

/* 1 when this process is the one `mpbench record` asked for. */
static int followed; /* 1: this process is a child recorded into its own trace */

/* dst = src, then "." and the decimal pid when pid > 0; dst holds
 * sizeof trace_path bytes. Returns 0, or -1 when it does not fit. */
static int trace_name(char *dst, const char *src, long pid) {
    char num[24];
    size_t n = strlen(src), k = 0;
    for (long v = pid; v > 0 && k < sizeof num; v /= 10)
        num[k++] = (char)('0' + v % 10);
    if (n + k + 2 > sizeof trace_path)
        return -1;
    memcpy(dst, src, n);
    if (k)
        dst[n++] = '.';
    while (k)
        dst[n++] = num[--k];
    dst[n] = '\0';
    return 0;
}

/* The header of a followed child's trace at path, written unless the file
 * holds one of this process already (its pre-exec image, in this
 * recording: a stamp after the first trace's start). 0 or -1. */
static int child_header(const char *path, const char *root) {
    mpt_file_header_t h, r;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), rfd = open(root, O_RDONLY | O_CLOEXEC);
    int keep = fd >= 0 && rfd >= 0 && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
               pread(rfd, &r, sizeof r, 0) == (ssize_t)sizeof r &&
               !memcmp(h.magic, MPT_FILE_MAGIC, 8) && h.pid == (uint32_t)getpid() &&
               h.start_ns >= r.start_ns;
    if (rfd >= 0)
        close(rfd);
    if (fd < 0)
        return -1;
    if (!keep) {
        memset(&h, 0, sizeof h);
        memcpy(h.magic, MPT_FILE_MAGIC, 8);
        h.version = MPT_VERSION, h.header_size = MPT_HEADER_SIZE;
        h.start_ns = now_ns(), h.pid = (uint32_t)getpid();
        int c = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
        ssize_t n = c >= 0 ? read(c, h.cmd, sizeof h.cmd - 1) : 0;
        for (ssize_t i = 0; i + 1 < n; i++)
            h.cmd[i] = h.cmd[i] ? h.cmd[i] : ' ';
        if (c >= 0)
            close(c);
        keep = ftruncate(fd, 0) == 0 && pwrite(fd, &h, sizeof h, 0) == (ssize_t)sizeof h;
    }
    close(fd);
    return keep ? 0 : -1;
}

static int wanted(void) {
    const char *pid = getenv("MPATRACE_PID"), *file = getenv("MPATRACE_FILE");
    if (!pid || !file)
        return 0;
    if (strtol(pid, NULL, 10) == (long)getpid()) {
        if (trace_name(trace_path, file, 0) != 0)
            return 0;
    } else if (getenv("MPATRACE_FOLLOW") && trace_name(trace_path, file, (long)getpid()) == 0) {
        if (child_header(trace_path, file) != 0)
            return 0;
        followed = 1;
    } else {
        return 0;
    }
    trace_fd = open(trace_path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (trace_fd < 0) {
        say("mpatrace: cannot open $MPATRACE_FILE; not recording\n");
        return 0;
    }
    return 1;
}

/* Static compressor context and output buffer, in mmap'd memory. */
static int setup_zstd(void) {
    ZSTD_compressionParameters cp = ZSTD_getCParams(MPT_ZSTD_LEVEL, MPT_RAW_CAP, 0);
    size_t ws = 2 * ZSTD_estimateCCtxSize_usingCParams(cp);
    zout_cap = sizeof(mpt_block_t) + ZSTD_compressBound(MPT_RAW_CAP) + MPT_RAW_CAP;
    void *w = mmap(NULL, ws + zout_cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED)
        return -1;
    cctx = ZSTD_initStaticCCtx(w, ws);
    zout = (uint8_t *)w + ws;
    return cctx ? 0 : -1;
}

static void note_child(int fd, uint32_t kind, uint32_t traced);

/* In the child of a fork: it is named in the trace and not recorded. */
static void fork_child(void) {
    int was = atomic_exchange(&state, ST_PASS);
    if (trace_fd >= 0 && was == ST_RECORD)
        note_child(trace_fd, MPT_CHILD_FORK, 0);
    if (trace_fd >= 0)
        close(trace_fd);
    trace_fd = -1;
}

static pid_t rec_pid; /* the recording process (a vfork child shares our memory) */

/* ------------------------------------------------------------ signals
 *
 * A program stopped by a signal leaves a whole trace: for SIGINT, SIGTERM
 * and SIGHUP (the ways a server is stopped) the recorder keeps its own
 * handler installed for the whole run and shows the program what it set
 * (sigaction, signal, bsd_signal and sysv_signal are interposed for these
 * three): the program's handler is called from ours as the kernel would
 * call it (its mask and flags, SA_RESETHAND emulated); at the default
 * action every thread's events are written, then END with the signal, and
 * the signal is raised again at its default action. A signal that arrives
 * while this thread is inside the recorder waits until it leaves (its
 * locks may be held). The other fatal signals (SIGSEGV, SIGABRT, ...) are
 * caught only while at their default action (on_fatal): a program's own
 * handler for those replaces the recorder's, which never gets between a
 * JIT or GC and its faults. SIGKILL cannot be caught: its trace is cut. */

#define NSIGS 65
static struct sigaction prog_act[NSIGS];   /* the program's view of each wrapped signal */
static unsigned char wrapped[NSIGS];       /* 1: on_stop is installed for it */
static volatile sig_atomic_t stop_sig;     /* the last stop signal received */
static TLS volatile sig_atomic_t deferred; /* default action waiting for busy == 2 to end */

/* Writes every thread's events and END (signal sig, ended as `how`);
 * recording stops. Only in the recording process, outside the recorder. */
static void end_trace(int sig, int how) {
    if (getpid() != rec_pid || atomic_load(&state) != ST_RECORD)
        return;
    busy = 2;
    flush_all(0);
    mpt_end_t e = {atomic_load(&written_events), atomic_load(&dropped_events),
                   atomic_load(&next_tid), (uint16_t)sig, (uint16_t)how};
    put_raw_block(MPT_BLK_END, &e, sizeof e);
    atomic_store(&state, ST_PASS);
}

/* The default action of sig, the trace first made whole. */
static void die_of(int sig) {
    end_trace(sig, MPT_END_KILLED);
    struct sigaction d;
    memset(&d, 0, sizeof d);
    d.sa_handler = SIG_DFL;
    real.sigaction(sig, &d, NULL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    raise(sig); /* blocked while its handler runs: delivered when it returns */
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
}

/* A deferred default action, once the thread has left the recorder. */
static inline void leave_recorder(int to) {
    busy = to;
    if (UNLIKELY(deferred) && to != 2) {
        int sig = deferred;
        deferred = 0;
        die_of(sig);
    }
}

/* The handler of the wrapped stop signals. */
static void on_stop(int sig, siginfo_t *si, void *uc) {
    int e = errno;
    struct sigaction a = prog_act[sig];
    stop_sig = sig;
    if (!(a.sa_flags & SA_SIGINFO) && a.sa_handler == SIG_DFL) {
        if (busy == 2)
            deferred = sig;
        else
            die_of(sig);
    } else if ((a.sa_flags & SA_SIGINFO) || a.sa_handler != SIG_IGN) {
        if (a.sa_flags & SA_RESETHAND) {
            prog_act[sig].sa_handler = SIG_DFL;
            prog_act[sig].sa_flags &= ~(SA_SIGINFO | SA_RESETHAND);
        }
        errno = e;
        if (a.sa_flags & SA_SIGINFO)
            a.sa_sigaction(sig, si, uc);
        else
            a.sa_handler(sig);
    }
    errno = e;
}

/* Installs on_stop for sig with the mask and flags the program gave (act,
 * or none); an ignored signal is ignored for real. */
static void install_stop(int sig, const struct sigaction *act) {
    struct sigaction w;
    memset(&w, 0, sizeof w);
    if (act && !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_IGN) {
        real.sigaction(sig, act, NULL);
        return;
    }
    w.sa_sigaction = on_stop;
    if (act)
        w.sa_mask = act->sa_mask;
    else
        sigemptyset(&w.sa_mask);
    w.sa_flags =
        SA_SIGINFO | (act ? act->sa_flags & (SA_RESTART | SA_ONSTACK | SA_NODEFER) : SA_RESTART);
    real.sigaction(sig, &w, NULL);
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
    if (!real.sigaction)
        resolve();
    if (sig <= 0 || sig >= NSIGS || !wrapped[sig])
        return real.sigaction(sig, act, old);
    struct sigaction prev = prog_act[sig];
    if (act) {
        prog_act[sig] = *act;
        install_stop(sig, act);
    }
    if (old)
        *old = prev;
    return 0;
}

/* signal() and its BSD / System V forms for a wrapped signal. */
static void (*wrapped_signal(int sig, void (*h)(int), int flags))(int) {
    struct sigaction a, o;
    memset(&a, 0, sizeof a);
    a.sa_handler = h;
    a.sa_flags = flags;
    sigemptyset(&a.sa_mask);
    if (sigaction(sig, &a, &o) != 0)
        return SIG_ERR;
    return o.sa_handler;
}

EXPORT void (*signal(int sig, void (*h)(int)))(int) {
    if (!real.signal)
        resolve();
    if (sig <= 0 || sig >= NSIGS || !wrapped[sig])
        return real.signal(sig, h);
    return wrapped_signal(sig, h, SA_RESTART);
}

EXPORT void (*bsd_signal(int sig, void (*h)(int)))(int) { return signal(sig, h); }

EXPORT void (*sysv_signal(int sig, void (*h)(int)))(int) {
    if (sig <= 0 || sig >= NSIGS || !wrapped[sig])
        return signal(sig, h);
    return wrapped_signal(sig, h, SA_RESETHAND | SA_NODEFER);
}

/* SIGINT, SIGTERM, SIGHUP: wrapped for the whole run (a signal the program
 * inherited as ignored stays ignored, and the program sees it so). */
static void catch_stop(void) {
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old;
        if (real.sigaction(sigs[i], NULL, &old) != 0)
            continue;
        prog_act[sigs[i]] = old;
        wrapped[sigs[i]] = 1;
        install_stop(sigs[i], &old);
    }
}

/* A fatal signal's default action: write out every thread's events and END
 * (the program died of sig), then die of the signal. An idle thread's buffer
 * is otherwise only written by its next call, so a server killed after its
 * start-up left an empty trace. Skipped when the signal interrupted the
 * recorder on this thread (its locks may be held: the trace is cut). */
static void on_fatal(int sig) {
    int e = errno;
    if (busy == 0)
        end_trace(sig, MPT_END_KILLED);
    errno = e;
    raise(sig); /* SA_RESETHAND: the default action now */
}

/* on_fatal for the other fatal signals still at their default action at
 * start-up (the program's own handlers, installed later, replace it). */
static void catch_fatal(void) {
    static const int sigs[] = {SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGXCPU, SIGXFSZ};
    rec_pid = getpid();
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old, sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal;
        sa.sa_flags = SA_RESETHAND | SA_NODEFER | SA_RESTART;
        if (real.sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
            !(old.sa_flags & SA_SIGINFO))
            real.sigaction(sigs[i], &sa, NULL);
    }
    catch_stop();
}

/* ------------------------------------------------------------ children */

/* Appends a CHILD block about process pid (kind MPT_CHILD_*) to the trace
 * open on fd, built on the stack and written with one write(2): a child of
 * a fork may not take the recorder's locks (another thread held them). */
static void note_child(int fd, uint32_t kind, uint32_t traced) {
    struct {
        mpt_block_t h;
        mpt_child_t c;
    } b;
    memset(&b, 0, sizeof b);
    b.c.pid = (uint32_t)getpid();
    b.c.ppid = (uint32_t)getppid();
    b.c.kind = kind;
    b.c.trace = traced;
    ssize_t n = readlink("/proc/self/exe", b.c.exe, sizeof b.c.exe - 1);
    b.c.exe[n > 0 ? n : 0] = '\0';
    b.h = (mpt_block_t){MPT_BLOCK_MAGIC, MPT_BLK_CHILD, 0, 0, sizeof b.c, sizeof b.c, 0, 0};
    b.h.crc = mpt_block_crc(&b.h, &b.c);
    ssize_t w = write(fd, &b, sizeof b);
    (void)w;
}

/* In a new image that is not the recorded process (a program its
 * descendants exec'd): named in the first trace, as recorded into its own
 * trace (followed) or not. */
static void note_exec_child(int traced) {
    const char *pid = getenv("MPATRACE_PID"), *file = getenv("MPATRACE_FILE");
    if (!pid || !file || strtol(pid, NULL, 10) == (long)getpid())
        return;
    int fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return;
    mpt_crc32("", 0);
    note_child(fd, MPT_CHILD_EXEC, (uint32_t)traced);
    close(fd);
}

static void init(void) {
    int z = ST_UNINIT;
    if (!atomic_compare_exchange_strong(&state, &z, ST_INIT))
        return;
    resolve();
    if (!real.malloc || !real.free) {
        say("mpatrace: cannot find the real malloc/free\n");
        abort();
    }
    mpt_crc32("", 0);
    if (!wanted() || setup_zstd() != 0) {
        atomic_store(&state, ST_PASS);
        note_exec_child(0);
        return;
    }
    if (followed)
        note_exec_child(1);
    setup_clock();
    pthread_key_create(&exit_key, thread_exit);
    pthread_atfork(NULL, NULL, fork_child);
    mpt_start_t s = {now_ns(), (uint32_t)getpid(), followed ? (uint32_t)getppid() : 0};
    atomic_store(&state, ST_RECORD);
    put_raw_block(MPT_BLK_START, &s, sizeof s);
    catch_fatal();
}

/* Flushes everything and writes END; recording stops. */
static void finish(void) {
    if (atomic_load(&state) != ST_RECORD)
        return;
    if (busy == 2) { /* exit from a signal handler that interrupted the
                               recorder: its locks may be ours; leave the trace
                               without END (read as cut short) */
        atomic_store(&state, ST_PASS);
        return;
    }
    int sig = stop_sig;
    end_trace(sig, sig ? MPT_END_HANDLED : MPT_END_EXIT);
    close(trace_fd);
    trace_fd = -1;
}

__attribute__((constructor)) static void mpt_ctor(void) { init(); }

__attribute__((destructor)) static void mpt_dtor(void) { finish(); }

/* ------------------------------------------------------------ logging */

/* The buffer to log into, with busy set; NULL when this call is not logged. */
static inline tbuf_t *enter(void) {
    if (UNLIKELY(atomic_load_explicit(&state, memory_order_relaxed) != ST_RECORD || thread_done))
        return NULL;
    if (UNLIKELY(busy)) {
        /* busy 1: the allocator's own inner call (glibc's reallocarray calls
         * realloc), part of the call already logged; 2: a signal handler */
        if (busy == 2)
            atomic_fetch_add_explicit(&dropped_events, 1, memory_order_relaxed);
        return NULL;
    }
    busy = 2;
    tbuf_t *b = my_buf;
    if (UNLIKELY(!b) && !(b = acquire_buf()))
        leave_recorder(0);
    else
        leave_recorder(1);
    return b;
}

/* Space for one event (flushing when full); returns the write position. */
static inline uint8_t *begin(tbuf_t *b, unsigned kind, uint64_t ts) {
    busy = 2;
    uint32_t pos = atomic_load_explicit(&b->committed, memory_order_relaxed);
    if (UNLIKELY(pos + MPT_EVENT_MAX > MPT_RAW_CAP)) {
        flush_buf(b, 1);
        b->last_flush = ts;
        pos = 0;
    }
    uint8_t *p = b->data + pos;
    *p++ = (uint8_t)kind;
    p = mpt_put_varint(p, ts - b->prev_ts);
    b->prev_ts = ts;
    return p;
}

/* Publishes the event ending at p; flushes a buffer that waited too long. */
static inline void commit(tbuf_t *b, uint8_t *p, uint64_t ts) {
    atomic_store_explicit(&b->committed, (uint32_t)(p - b->data), memory_order_release);
    atomic_store_explicit(&b->committed_ev,
                          atomic_load_explicit(&b->committed_ev, memory_order_relaxed) + 1,
                          memory_order_release);
    if (UNLIKELY(ts - b->last_flush > MPT_FLUSH_NS)) {
        flush_buf(b, 1);
        b->last_flush = ts;
    }
    leave_recorder(0);
}

/* Logs kind with up to three size-like fields (na of them) and result ret. */
static void log_alloc(tbuf_t *b, unsigned kind, uint64_t ts, int na, uint64_t a1, uint64_t a2,
                      const void *ret) {
    uint8_t *p = begin(b, kind, ts);
    if (na > 0)
        p = mpt_put_varint(p, a1);
    if (na > 1)
        p = mpt_put_varint(p, a2);
    p = mpt_put_addr(p, (uintptr_t)ret, &b->prev_addr);
    commit(b, p, ts);
}

/* Logs a free-like call: pointer and na size-like fields. */
static void log_free(tbuf_t *b, unsigned kind, uint64_t ts, const void *ptr, int na, uint64_t a1,
                     uint64_t a2) {
    uint8_t *p = begin(b, kind, ts);
    p = mpt_put_addr(p, (uintptr_t)ptr, &b->prev_addr);
    if (na > 0)
        p = mpt_put_varint(p, a1);
    if (na > 1)
        p = mpt_put_varint(p, a2);
    commit(b, p, ts);
}

/* Logs realloc/reallocarray: start time, duration, old, sizes, result. */
static void log_realloc(tbuf_t *b, unsigned kind, uint64_t t0, uint64_t t1, const void *old, int na,
                        uint64_t a1, uint64_t a2, const void *ret) {
    uint8_t *p = begin(b, kind, t0);
    p = mpt_put_varint(p, t1 - t0);
    p = mpt_put_addr(p, (uintptr_t)old, &b->prev_addr);
    p = mpt_put_varint(p, a1);
    if (na > 1)
        p = mpt_put_varint(p, a2);
    p = mpt_put_addr(p, (uintptr_t)ret, &b->prev_addr);
    commit(b, p, t1);
}

/* ----------------------------------------------------- the malloc API */

/* State before the first call resolved the real functions: init, and
 * while dlsym runs, serve from the bootstrap heap. Returns 1 when the
 * caller must use the bootstrap heap. */
static inline int not_ready(void) {
    if (UNLIKELY(atomic_load_explicit(&state, memory_order_acquire) <= ST_INIT)) {
        init();
        return atomic_load(&state) == ST_INIT;
    }
    return 0;
}

EXPORT void *malloc(size_t n) {
    if (not_ready())
        return boot_alloc(n);
    tbuf_t *b = enter();
    void *p = real.malloc(n);
    if (b)
        log_alloc(b, MPT_MALLOC, stamp(), 1, n, 0, p);
    return p;
}

EXPORT void *calloc(size_t m, size_t n) {
    if (not_ready())
        return boot_alloc(m * n); /* boot heap is zeroed and never reused */
    tbuf_t *b = enter();
    void *p = real.calloc(m, n);
    if (b)
        log_alloc(b, MPT_CALLOC, stamp(), 2, m, n, p);
    return p;
}

EXPORT void free(void *p) {
    if (UNLIKELY(boot_owns(p)))
        return;
    if (not_ready())
        return;
    tbuf_t *b = enter();
    if (b)
        log_free(b, MPT_FREE, stamp(), p, 0, 0, 0);
    real.free(p);
}

/* realloc of a bootstrap object: a real one with the contents copied. */
static void *boot_realloc(void *p, size_t n) {
    void *q = malloc(n);
    if (q)
        memcpy(q, p, boot_size(p) < n ? boot_size(p) : n);
    return q;
}

EXPORT void *realloc(void *p, size_t n) {
    if (not_ready())
        return boot_alloc(n);
    if (UNLIKELY(boot_owns(p)))
        return boot_realloc(p, n);
    tbuf_t *b = enter();
    uint64_t t0 = b ? stamp() : 0;
    void *q = real.realloc(p, n);
    if (b)
        log_realloc(b, MPT_REALLOC, t0, stamp(), p, 1, n, 0, q);
    return q;
}

EXPORT void *reallocarray(void *p, size_t m, size_t n) {
    if (not_ready() || !real.reallocarray || UNLIKELY(boot_owns(p))) {
        size_t t;
        if (__builtin_mul_overflow(m, n, &t)) {
            errno = ENOMEM;
            return NULL;
        }
        return realloc(p, t);
    }
    tbuf_t *b = enter();
    uint64_t t0 = b ? stamp() : 0;
    void *q = real.reallocarray(p, m, n);
    if (b)
        log_realloc(b, MPT_REALLOCARRAY, t0, stamp(), p, 2, m, n, q);
    return q;
}

EXPORT void free_sized(void *p, size_t n) {
    if (UNLIKELY(boot_owns(p)) || not_ready())
        return;
    tbuf_t *b = enter();
    if (b)
        log_free(b, MPT_FREE_SIZED, stamp(), p, 1, n, 0);
    if (real.free_sized)
        real.free_sized(p, n);
    else
        real.free(p);
}

EXPORT void free_aligned_sized(void *p, size_t al, size_t n) {
    if (UNLIKELY(boot_owns(p)) || not_ready())
        return;
    tbuf_t *b = enter();
    if (b)
        log_free(b, MPT_FREE_ALIGNED_SIZED, stamp(), p, 2, al, n);
    if (real.free_aligned_sized)
        real.free_aligned_sized(p, al, n);
    else
        real.free(p);
}

EXPORT void *aligned_alloc(size_t al, size_t n) {
    if (not_ready())
        return NULL;
    tbuf_t *b = enter();
    void *p = real.aligned_alloc(al, n);
    if (b)
        log_alloc(b, MPT_ALIGNED_ALLOC, stamp(), 2, al, n, p);
    return p;
}

EXPORT void *memalign(size_t al, size_t n) {
    if (not_ready())
        return NULL;
    tbuf_t *b = enter();
    void *p = real.memalign(al, n);
    if (b)
        log_alloc(b, MPT_MEMALIGN, stamp(), 2, al, n, p);
    return p;
}

EXPORT int posix_memalign(void **out, size_t al, size_t n) {
    if (not_ready())
        return ENOMEM;
    tbuf_t *b = enter();
    int rc = real.posix_memalign(out, al, n);
    if (b) {
        uint64_t ts = stamp();
        uint8_t *p = begin(b, MPT_POSIX_MEMALIGN, ts);
        p = mpt_put_varint(p, al);
        p = mpt_put_varint(p, n);
        p = mpt_put_addr(p, rc == 0 ? (uintptr_t)*out : 0, &b->prev_addr);
        p = mpt_put_varint(p, (uint64_t)(unsigned)rc);
        commit(b, p, ts);
    }
    return rc;
}

EXPORT void *valloc(size_t n) {
    if (not_ready())
        return NULL;
    tbuf_t *b = enter();
    void *p = real.valloc(n);
    if (b)
        log_alloc(b, MPT_VALLOC, stamp(), 1, n, 0, p);
    return p;
}

EXPORT void *pvalloc(size_t n) {
    if (not_ready())
        return NULL;
    tbuf_t *b = enter();
    void *p = real.pvalloc ? real.pvalloc(n) : real.valloc(n);
    if (b)
        log_alloc(b, MPT_PVALLOC, stamp(), 1, n, 0, p);
    return p;
}

EXPORT size_t malloc_usable_size(void *p) {
    if (UNLIKELY(boot_owns(p)))
        return boot_size(p);
    if (not_ready() || !real.malloc_usable_size)
        return 0;
    tbuf_t *b = enter();
    uint64_t ts = b ? stamp() : 0;
    size_t n = real.malloc_usable_size(p);
    if (b)
        log_free(b, MPT_USABLE_SIZE, ts, p, 1, n, 0);
    return n;
}

/* ------------------------------------------------- process lifetime */

EXPORT void _exit(int status) {
    finish();
    if (!real.exit_)
        resolve();
    real.exit_(status);
    __builtin_unreachable();
}

EXPORT void _Exit(int status) {
    finish();
    if (!real.Exit_)
        resolve();
    real.Exit_(status);
    __builtin_unreachable();
}

/* Before exec of the recorded process: write out every thread's events (a
 * failed exec just carries on). A vfork child (another pid) writes nothing. */
static void before_exec(void) {
    if (not_ready() || atomic_load(&state) != ST_RECORD || getpid() != rec_pid)
        return;
    int was = busy;
    if (was == 2)
        return;
    busy = 2;
    flush_all(0);
    leave_recorder(was);
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
    before_exec();
    return real.execve(path, argv, envp);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
    before_exec();
    return real.execvpe(file, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

EXPORT int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }

EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
    before_exec();
    return real.fexecve(fd, argv, envp);
}

#define MAX_LARGS 4096

/* Collects execl-style arguments into argv (on the stack); envp for execle. */
static int collect(const char *arg0, va_list ap, char **argv, char *const **envp) {
    int n = 0;
    argv[n++] = (char *)arg0;
    while (arg0 && n < MAX_LARGS && (argv[n] = va_arg(ap, char *)))
        n++;
    if (n >= MAX_LARGS) {
        errno = E2BIG;
        return -1;
    }
    argv[n] = NULL;
    if (envp)
        *envp = va_arg(ap, char *const *);
    return 0;
}

EXPORT int execl(const char *path, const char *arg, ...) {
    char *argv[MAX_LARGS + 1];
    va_list ap;
    va_start(ap, arg);
    int rc = collect(arg, ap, argv, NULL);
    va_end(ap);
    return rc ? rc : execve(path, argv, environ);
}

EXPORT int execlp(const char *file, const char *arg, ...) {
    char *argv[MAX_LARGS + 1];
    va_list ap;
    va_start(ap, arg);
    int rc = collect(arg, ap, argv, NULL);
    va_end(ap);
    return rc ? rc : execvpe(file, argv, environ);
}

EXPORT int execle(const char *path, const char *arg, ...) {
    char *argv[MAX_LARGS + 1];
    char *const *envp = NULL;
    va_list ap;
    va_start(ap, arg);
    int rc = collect(arg, ap, argv, &envp);
    va_end(ap);
    return rc ? rc : execve(path, argv, envp);
}
