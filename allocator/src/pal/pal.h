/* Platform abstraction layer: the allocator's only way to reach the OS.
 * The contract below is implemented by pal_posix.c for user space and by
 * kernel-sim's PAL for the simulated kernel. Functions return 0 on success;
 * `pre:` lines state what callers guarantee. No OS header is included by
 * any allocator file outside this folder. */
#ifndef MPA_PAL_H
#define MPA_PAL_H

#include <stddef.h>
#include <stdint.h>

/* Feature bits reported by mpa_pal_features(). */
#define MPA_PAL_LAZY_COMMIT      1u  /* reserved memory is usable without notify_using */
#define MPA_PAL_ZERO_ON_DECOMMIT 2u  /* notify_not_using leaves pages reading as zero */
#define MPA_PAL_ENTROPY          4u  /* mpa_pal_entropy draws on a real entropy source */
#define MPA_PAL_CLOCK            8u  /* mpa_pal_time_ms advances */
#define MPA_PAL_THREAD_EXIT      16u /* threads exit: mpa_pal_on_thread_exit works */
#define MPA_PAL_FORK             32u /* the process may fork: mpa_pal_on_fork works */
#define MPA_PAL_BACKGROUND       64u /* mpa_pal_thread_start works */
#define MPA_PAL_SOFT_DECOMMIT \
    128u /* notify_not_using keeps the range committed (usable,
                                       * reading zero, still counted against the platform's
                                       * limits); only mpa_pal_uncommit makes it reserved again */

/* Prints msg (one line, no newline needed) to the error stream and aborts.
 * pre: msg is NUL-terminated. Never allocates, never returns. */
void mpa_pal_error(const char *msg) __attribute__((noreturn, cold));

/* Writes len bytes to the error stream without allocating. */
void mpa_pal_message(const char *msg, size_t len);

/* Writes len bytes to `stream`, a stream of the platform's C library (a
 * FILE * on POSIX: malloc_info's argument). Returns 0, or -1 when the write
 * failed or the platform has no streams. May allocate (the stream's own
 * buffer): never call it under an allocator lock. */
int mpa_pal_stream_write(void *stream, const char *buf, size_t len);

/* Reserves size bytes of address space; returns NULL when none is left.
 * pre: size is a multiple of the page size. */
void *mpa_pal_reserve(size_t size);

/* Like mpa_pal_reserve, but the result is aligned to size.
 * pre: size is a power of two, at least the page size. */
void *mpa_pal_reserve_aligned(size_t size);

/* Reserves exactly [at, at + size) when none of it is in use; NULL
 * otherwise (the backend keeps a limited heap inside its window with it).
 * pre: at and size are multiples of the page size. */
void *mpa_pal_reserve_at(void *at, size_t size);

/* How mpa_pal_remap may resize a reservation. */
#define MPA_PAL_REMAP_IN_PLACE 0 /* keep its address: the addresses after it must be free */
#define MPA_PAL_REMAP_MOVE     1 /* in place, else where the platform finds room */
#define MPA_PAL_REMAP_ONTO     2 /* onto `to`, a reservation of the caller that it replaces */

/* Resizes the reservation [p, p + size) to new_size bytes keeping its
 * contents (up to the smaller size; the rest reads as zero), `how` as above:
 * a move takes its pages along (no copy) and [p, p + size) is no longer
 * reserved; growing in place or by a platform-chosen move counts only the
 * growth against an address-space limit. Returns the new address, or NULL
 * when refused or unsupported: p is unchanged, and for MPA_PAL_REMAP_ONTO
 * `to` has been released (or, where the platform cannot tell whether the
 * refusal unmapped it, left reserved: lost address space, never another
 * thread's mapping unmapped). pre: all
 * page-aligned; new_size > size unless ONTO; `to` does not overlap
 * [p, p + size). Refused where [p, p + size) spans several mappings (parts
 * moved separately, or of different access), and where moving onto `to`
 * while growing would count the range twice against an address-space limit. */
void *mpa_pal_remap(void *p, size_t size, size_t new_size, void *to, int how);

/* Returns a reservation (or a page-aligned part of one) to the OS. */
void mpa_pal_release(void *p, size_t size);

/* The range is about to be used: make it readable and writable. Returns 0,
 * or -1 when the platform has no memory to back it (the range stays unusable).
 * pre: p and size page-aligned, inside a reservation. */
int mpa_pal_notify_using(void *p, size_t size);

/* The range is no longer used: the OS may take its pages back. Its contents
 * are lost (and read as zero where MPA_PAL_ZERO_ON_DECOMMIT is set).
 * pre: p and size page-aligned, inside a reservation. */
void mpa_pal_notify_not_using(void *p, size_t size);

/* Makes the range reserved again: its pages go and it stops counting
 * against the platform's limits (RLIMIT_DATA, strict overcommit), so it
 * needs notify_using before the next use. Returns 0; 1 when the platform
 * refused that and only dropped the pages (the range stays committed and
 * usable, reading zero); -1 when the range is lost (no longer reserved,
 * possibly another mapping's now: never touch it again).
 * pre: p and size page-aligned, inside a reservation. */
int mpa_pal_uncommit(void *p, size_t size);

/* The range will only be read (it must read as zero until written through
 * notify_using): used for the pagemap's untouched parts. */
void mpa_pal_notify_using_readonly(void *p, size_t size);

/* The OS page size (the allocator commits in MPA_PAGE_SIZE multiples of it). */
size_t mpa_pal_page_size(void);

/* MPA_PAL_* bits this platform provides. */
unsigned mpa_pal_features(void);

/* 64 bits of entropy, for free-list encoding keys and randomisation. */
uint64_t mpa_pal_entropy(void);

/* The address range every reservation falls in: the pagemap covers only it.
 * User space answers the whole user half of the address space. */
void mpa_pal_heap_range(uintptr_t *base, size_t *size);

/* Bytes of address space the process may map in all (RLIMIT_AS), or
 * SIZE_MAX when unlimited: the backend sizes its reservations to it. */
size_t mpa_pal_address_space_limit(void);

/* Bytes the process may commit (RLIMIT_DATA; under strict overcommit,
 * vm.overcommit_memory = 2, at most the system's CommitLimit), or SIZE_MAX
 * when unlimited: reservations do not count against it, committed ranges
 * do; the backend then gives large objects only the chunks they use. */
size_t mpa_pal_commit_limit(void);

/* A monotonic clock in milliseconds, for decay of cached memory. */
uint64_t mpa_pal_time_ms(void);

/* True when the process's main thread has exited (pthread_exit) while
 * others run on: the idle purger then leaves, so that it is never the
 * thread that keeps a process alive. False when unknown. */
int mpa_pal_main_thread_gone(void);

/* Sleeps about ms milliseconds (the idle purger's period). */
void mpa_pal_sleep_ms(unsigned ms);

/* Parks the calling thread while *word == expected, for at most timeout_ms
 * milliseconds (a futex wait on Linux); returns early on mpa_pal_unpark, on a
 * spurious wake-up, or at once when *word differs. The idle purger parks
 * with it. */
void mpa_pal_park(uint32_t *word, uint32_t expected, unsigned timeout_ms);

/* Wakes one thread parked on word. A single system call that never blocks
 * and takes no lock: callable from every context malloc and free run in
 * (glibc's stack-cache lock or the loader lock held, fork handlers, thread
 * destructors, after exit). Both keep errno. */
void mpa_pal_unpark(uint32_t *word);

/* A lock waiter that spun long enough: sleeps while *word still reads
 * `expected` (returns at once when it does not), until mpa_pal_wake on the
 * same word, or spuriously; the caller looks at the word again either way.
 * A platform whose lock holders cannot be descheduled (a kernel that runs
 * them with preemption off) spins instead: it returns after a pause.
 * Never allocates; errno is preserved. */
void mpa_pal_wait(_Atomic int *word, int expected);

/* Wakes one thread sleeping in mpa_pal_wait on word (every one when all is
 * nonzero). Never allocates; errno is preserved. */
void mpa_pal_wake(_Atomic int *word, int all);

/* ---- threads and processes. A platform without one of these facilities
 * (the simulated kernel: its CPUs never exit, nothing forks, no thread of
 * the allocator's own) leaves its feature bit clear and answers -1: a
 * documented refusal, not an error. ---- */

/* Registers handler, called on each exiting thread that armed it (below),
 * after the thread's own code, while its thread-local storage still exists.
 * Called once, under the allocator's init lock: must not allocate.
 * Returns 0, or -1 (without MPA_PAL_THREAD_EXIT, or the OS refused). */
int mpa_pal_on_thread_exit(void (*handler)(void));

/* Arms the thread-exit handler for the calling thread (again after it ran,
 * when the thread allocates on). May allocate: the caller's core is in
 * place. Returns 0, or -1. */
int mpa_pal_thread_exit_arm(void);

/* Registers fork handlers: prepare runs in the parent before fork, parent
 * after it in the parent, child after it in the child (on the forking
 * thread, the only one the child has). May allocate. Returns 0, or -1
 * (without MPA_PAL_FORK). */
int mpa_pal_on_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

/* The calling thread's id, as mpa_pal_thread_parked takes it (0 where
 * the platform has none). */
int mpa_pal_thread_id(void);

/* True when thread tid of this process is asleep in a system call the
 * kernel may keep it in for long (a futex, I/O, a sleep; Linux: state S in
 * /proc/self/task/TID/stat), not one a signal handler waits in (pause,
 * sigsuspend, sigtimedwait: the code it interrupted may be anywhere), nor
 * vfork (the child runs on the thread's thread-local storage), nor one
 * a signal handler made (the code the signal interrupted may be anywhere:
 * handler_mark, from mpa_pal_handler_mark in that thread, NULL when
 * unknown). False when it runs, or the platform cannot tell. Reads two
 * small files. */
int mpa_pal_thread_parked(int tid, const void *handler_mark);

/* The calling thread's signal-handler mark, as mpa_pal_thread_parked
 * takes it (valid while the thread lives; NULL where the platform has
 * none). */
const void *mpa_pal_handler_mark(void);

/* Registers hook, called in the calling thread each time the program is
 * about to create a thread (before the thread exists; on POSIX the PAL
 * passes the program's pthread_create through, so the hook runs outside
 * every malloc/free path of the C library and the loader). The layer above
 * the core starts its background thread from it, so that a process gets
 * one only once it is multi-threaded. Returns 0, or -1 where the platform
 * cannot see thread creation (no MPA_PAL_BACKGROUND, or a build without the
 * malloc overrides, where the sanitizer owns pthread_create). */
int mpa_pal_on_thread_create(void (*hook)(void));

/* True when the process has (or had) more than one thread; false when it
 * never had, or the platform cannot tell. */
int mpa_pal_multi_threaded(void);

/* Starts fn on a detached background thread with a small stack (64 KiB),
 * every signal blocked (signals are the program's), named name (at most
 * 15 characters) where the OS keeps names. May allocate and takes the C
 * library's thread locks: never call it on a malloc/free path (only from
 * the hook above or a library constructor). Returns 0, or -1
 * (without MPA_PAL_BACKGROUND, or no thread could be made: out of memory or
 * a thread limit; the caller may try again later). */
int mpa_pal_thread_start(void (*fn)(void), const char *name);

/* The run-time option name (an environment variable on POSIX), or NULL when
 * unset or the platform has none. Never allocates; the string is the
 * platform's, valid for the life of the process. */
const char *mpa_pal_option(const char *name);

/* The hardened builds' bounds-checked copies (copies.c): the C library's
 * own definition of the function `name` (the next one after this library,
 * where a program that preloads it would have found it), or NULL when the
 * platform has none. May take the loader's lock: called from the library
 * constructor only, never from a malloc, free or copy. */
void *mpa_pal_libc_function(const char *name);

/* The debug build's guard pages (needed only where MPA_CHECKED is 2).
 * Makes the range inaccessible (access 0) or readable and writable again
 * (access 1); returns 0, or -1 when the platform refuses.
 * pre: p and size page-aligned, inside a reservation. */
int mpa_pal_protect(void *p, size_t size, int access);

/* A memory access fault: the address accessed, the faulting instruction,
 * its stack and frame pointers (NULL when the platform cannot tell), and
 * whether it wrote (1), read (0) or either (-1: unknown). */
typedef struct {
    void *address;
    void *pc, *sp, *fp;
    int write;
} mpa_pal_fault_t;

/* Calls handler(fault) on a memory access fault, on the faulting thread.
 * The handler reports and aborts when the address is the allocator's; if it
 * returns, the fault goes to the handler the program had installed before,
 * or takes its default course. Returns 0, or -1. */
int mpa_pal_on_fault(void (*handler)(const mpa_pal_fault_t *fault));

/* ---- the debug build's own services (pal_debug.c; MPA_CHECKED 2 only,
 * the kernel PAL has none) ---- */

/* Aborts the process (after a report's last line). Never returns. */
void mpa_pal_abort(void) __attribute__((noreturn, cold));

/* Makes the range inaccessible and gives its pages back at once: once made
 * accessible again (mpa_pal_protect) it reads as zero. Returns 0, or -1
 * (nothing changed). pre: p and size page-aligned, inside a reservation. */
int mpa_pal_protect_discard(void *p, size_t size);

/* An address above every frame of the calling thread's stack, such that
 * everything from the stack pointer up to it is readable; NULL when the
 * platform cannot tell. Bounds frame-pointer walks. Never allocates. */
void *mpa_pal_stack_top(void);

/* A call stack for mpa_pal_print_sites: a title line and up to
 * MPA_PAL_SITE_FRAMES return addresses, innermost first (with `exact`, the
 * first is the faulting instruction itself, not a return address). */
#define MPA_PAL_SITE_FRAMES 8
typedef struct {
    const char *title;
    unsigned n;
    int exact;
    void *pc[MPA_PAL_SITE_FRAMES];
} mpa_pal_site_t;

/* Prints the sites on the error stream, each frame with its function, file
 * and line where the platform can tell, else its module and offset. Runs
 * child_init first in whatever process does the symbol lookup (which may
 * allocate: child_init gives it memory of its own). Reporting only: may
 * take seconds; never returns an error. */
void mpa_pal_print_sites(const mpa_pal_site_t *sites, size_t n, void (*child_init)(void));

#endif /* MPA_PAL_H */
