/* Process and thread lifecycle hooks of the override layer: a pthread key
 * whose destructor hands an exiting thread's core back to the pool, and
 * pthread_atfork handlers that take every allocator lock (see the lock
 * order in allocator/src/README.md) so that a fork child of a
 * multi-threaded parent finds none held. The kernel build has no threads
 * that exit and no fork, so there these are empty. */
#include "core.h"

#if defined(MPA_PAL_KERNEL)

void mpa_hooks_init_locked(void) {}
void mpa_hooks_init(void) {}
void mpa_hooks_thread_started(void) {}

#else

#include <pthread.h>

static pthread_key_t exit_key;

/* Starts the heap before main, so that the pagemap exists even for a free()
 * that comes before any allocation (it reads the pagemap on its fast path).
 * Allocations made earlier still start the heap lazily. */
__attribute__((constructor(101))) static void heap_ctor(void) { mpa_heap_init(); }

/* glibc calls destructors in up to PTHREAD_DESTRUCTOR_ITERATIONS rounds and
 * frees TLS blocks after the last; this one cannot know which round is the
 * last, so it pools the core at once, and whatever the thread does later
 * binds no core (the orphan path in core.c): nothing is left to give back. */
static void on_thread_exit(void *unused) {
    (void)unused;
    mpa_thread_teardown();
}

/* Under the init lock: must not allocate (glibc's key creation does not). */
void mpa_hooks_init_locked(void) {
    if (pthread_key_create(&exit_key, on_thread_exit) != 0)
        mpa_pal_error("mpalloc: cannot create the thread-exit key");
}

/* Every lock, in the order of allocator/src/README.md: mspace pool, each
 * mspace, orphan, init, pool, per-core caches, global backend and pagemap
 * leaves, mspace backends. */
static void fork_prepare(void) {
    mpa_local_t *l = &mpa_local;
    if (l->state == MPA_THREAD_ACTIVE)
        mpa_remote_post_all(l->core); /* nothing of ours stays in limbo */
    mpa_mspace_fork_prepare();
    mpa_core_fork_prepare();
    mpa_mspace_backends_lock();
}

static void fork_parent(void) {
    mpa_mspace_backends_unlock();
    mpa_core_fork_parent();
    mpa_mspace_fork_parent();
}

static void fork_child(void) {
    mpa_mspace_backends_reset();
    mpa_core_fork_child();
    mpa_mspace_fork_child();
    mpa_purger_fork_child();
}

/* After the heap is ready, outside the init lock: registering may allocate. */
void mpa_hooks_init(void) { pthread_atfork(fork_prepare, fork_parent, fork_child); }

void mpa_hooks_thread_started(void) {
    /* Any non-NULL value arms the destructor; setting it may call calloc,
     * which finds this thread's core already in place. */
    pthread_setspecific(exit_key, (void *)1);
}

#endif
