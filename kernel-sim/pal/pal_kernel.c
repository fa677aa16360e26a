/* The kernel PAL: mpalloc's platform contract (allocator/src/pal/pal.h)
 * implemented over the simulated kernel. It lives here, not in allocator/,
 * because it depends on kernel-sim (the library never includes a kernel-sim
 * header); kernel-sim/build.mk compiles it with the allocator's flags and
 * -DMPA_NO_OVERRIDE, beside its own copy of the allocator core. Address space
 * comes from the VM area's VA-range manager inside the kernel heap arena,
 * commit maps physical frames on demand, decommit unmaps them; none of it
 * allocates, so the PAL never calls the allocator it serves. */
#include "pal/pal.h"

#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ks_cpu.h"
#include "ks_page.h"
#include "ks_sys.h"
#include "ks_vm.h"

void mpa_pal_message(const char *msg, size_t len) {
    while (len > 0) {
        ssize_t n = write(2, msg, len);
        if (n <= 0)
            return;
        msg += n;
        len -= (size_t)n;
    }
}

void mpa_pal_error(const char *msg) {
    mpa_pal_message(msg, strlen(msg));
    mpa_pal_message("\n", 1);
    ks_panic("mpalloc error (kernel PAL)");
}

/* The simulated kernel has no C streams (malloc_info is user space's). */
int mpa_pal_stream_write(void *stream, const char *buf, size_t len) {
    (void)stream;
    (void)buf;
    (void)len;
    return -1;
}

void *mpa_pal_reserve(size_t size) { return ks_vm_reserve(size, KS_PAGE_SIZE); }

void *mpa_pal_reserve_aligned(size_t size) { return ks_vm_reserve(size, size); }

/* Every reservation lies in the arena, which the pagemap covers whole: the
 * backend never needs a placed one. */
void *mpa_pal_reserve_at(void *at, size_t size) {
    (void)at;
    (void)size;
    return NULL;
}

void mpa_pal_release(void *p, size_t size) { ks_vm_release(p, size); }

/* The VA-range manager neither grows nor moves a range: refused (the
 * allocator copies instead); an MPA_PAL_REMAP_ONTO target is released, as
 * the contract says. */
void *mpa_pal_remap(void *p, size_t size, size_t new_size, void *to, int how) {
    (void)p;
    (void)size;
    if (how == MPA_PAL_REMAP_ONTO)
        ks_vm_release(to, new_size);
    return NULL;
}

/* The contract has no failure return: running out of simulated RAM here is a
 * kernel panic (an OOM a real kernel would have to handle by reclaim). */
int mpa_pal_notify_using(void *p, size_t size) {
    return ks_vm_map(p, size, KS_GFP_NORMAL) != 0 ? -1 : 0; /* out of physical pages */
}

void mpa_pal_notify_not_using(void *p, size_t size) { ks_vm_unmap(p, size); }

/* Unmapping returns the frames: nothing else counts. */
int mpa_pal_uncommit(void *p, size_t size) {
    ks_vm_unmap(p, size);
    return 0;
}

void mpa_pal_notify_using_readonly(void *p, size_t size) { ks_vm_map_zero(p, size); }

size_t mpa_pal_page_size(void) { return KS_PAGE_SIZE; }

unsigned mpa_pal_features(void) {
    return MPA_PAL_ZERO_ON_DECOMMIT | MPA_PAL_ENTROPY | MPA_PAL_CLOCK;
}

uint64_t mpa_pal_entropy(void) { return ks_entropy(); }

void mpa_pal_heap_range(uintptr_t *base, size_t *size) { ks_vm_arena(base, size); }

/* No per-process limit: the arena bounds reservations by refusing them,
 * and the backend keeps its region-sized reservations (as before limits). */
size_t mpa_pal_address_space_limit(void) { return SIZE_MAX; }

/* Physical frames run out as a kernel's do (notify_using fails): no limit. */
size_t mpa_pal_commit_limit(void) { return SIZE_MAX; }

uint64_t mpa_pal_time_ms(void) { return ks_time_ms(); }

/* Lock waits spin: a kernel CPU holds the allocator's locks with preemption
 * off, so the holder is running and leaves soon; sleeping would be wrong
 * (and impossible with interrupts off). A wait is a burst of pauses while
 * the word is unchanged. Only because the simulated CPUs are host threads,
 * which may outnumber the host's cores, does a burst that saw no change end
 * by giving the core away, as ks_spin_lock does. */
void mpa_pal_wait(_Atomic int *word, int expected) {
    for (unsigned i = 0; i < 256; i++) {
        if (atomic_load_explicit(word, memory_order_relaxed) != expected)
            return;
        __builtin_ia32_pause();
    }
    sched_yield();
}

/* Nothing sleeps: nothing to wake. */
void mpa_pal_wake(_Atomic int *word, int all) {
    (void)word;
    (void)all;
}

void mpa_pal_sleep_ms(unsigned ms) {
    ks_might_sleep();
    usleep(ms * 1000u);
}

int mpa_pal_main_thread_gone(void) { return 0; }

/* Nothing parks here (no background thread): a wait is a short sleep. */
void mpa_pal_park(uint32_t *word, uint32_t expected, unsigned timeout_ms) {
    (void)word;
    (void)expected;
    usleep(timeout_ms * 1000u);
}

void mpa_pal_unpark(uint32_t *word) { (void)word; }

/* Threads and processes: simulated CPUs never exit, nothing forks, and the
 * allocator gets no thread of its own here (the MPA_PAL_THREAD_EXIT, _FORK
 * and _BACKGROUND bits are clear): each request is refused. Decay of cached
 * memory then runs on the allocator's own calls only. */
int mpa_pal_on_thread_exit(void (*handler)(void)) {
    (void)handler;
    return -1;
}

int mpa_pal_thread_exit_arm(void) { return -1; }

int mpa_pal_on_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void)) {
    (void)prepare;
    (void)parent;
    (void)child;
    return -1;
}

int mpa_pal_on_thread_create(void (*hook)(void)) {
    (void)hook;
    return -1;
}

int mpa_pal_multi_threaded(void) { return 0; }

/* No purger here: nothing asks which simulated CPU sleeps. */
int mpa_pal_thread_id(void) { return 0; }

int mpa_pal_thread_parked(int tid, const void *handler_mark) {
    (void)tid;
    (void)handler_mark;
    return 0;
}

const void *mpa_pal_handler_mark(void) { return NULL; }

int mpa_pal_thread_start(void (*fn)(void), const char *name) {
    (void)fn;
    (void)name;
    return -1;
}

/* No environment: every option keeps its build-time default. */
const char *mpa_pal_option(const char *name) {
    (void)name;
    return NULL;
}

void *mpa_pal_libc_function(const char *name) {
    (void)name;
    return NULL; /* no C library in the kernel */
}
