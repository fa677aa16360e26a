/* Fork handlers (the top of the core layer), through the PAL: they take
 * every allocator lock (in the order of allocator/src/README.md) so that a
 * fork child of a multi-threaded parent finds none held, and are registered
 * from the override layer's constructor (mpa_hooks_init). A higher layer
 * with locks of its own (mspace.c) joins them through
 * mpa_hooks_fork_extend, so that this file names no file above it. (The
 * thread-exit handler is the core's own: core.c registers it at heap
 * start.) A platform without fork (the kernel PAL) refuses the
 * registration: nothing happens there. */
#include "core.h"

/* The extension registered, and the one the current fork's prepare used
 * (parent and child undo exactly what prepare did). Per thread: a fork's
 * three handlers run on the thread that forks, and glibc may run two
 * forks' handlers at once (it drops its atfork lock around each one). */
static const mpa_fork_ext_t *_Atomic fork_ext;
static __thread const mpa_fork_ext_t *fork_ext_taken __attribute__((tls_model("initial-exec")));

void mpa_hooks_fork_extend(const mpa_fork_ext_t *ext) { atomic_store(&fork_ext, ext); }

/* mspace pool and mspaces (outer), orphan, init, pool, per-core caches,
 * quarantines, global backend (core), mspace backends (inner); fork_after
 * goes the other way. */
static void fork_prepare(void) {
    mpa_local_t *l = &mpa_local;
    if (l->state == MPA_THREAD_ACTIVE)
        mpa_remote_post_all(l->core); /* nothing of ours stays in limbo */
    const mpa_fork_ext_t *ext = atomic_load(&fork_ext);
    if (ext != NULL)
        ext->outer(MPA_FORK_PREPARE);
    mpa_core_fork(MPA_FORK_PREPARE);
    if (ext != NULL)
        ext->inner(MPA_FORK_PREPARE);
    fork_ext_taken = ext;
    /* Until fork_after: malloc and free from other fork handlers on this
     * thread pass every lock (mpa_lock_forking_here). */
    atomic_store(&mpa_fork_holder, &mpa_lock_token);
}

/* After fork, in the parent (MPA_FORK_PARENT) or the child (MPA_FORK_CHILD). */
static void fork_after(mpa_fork_stage_t stage) {
    atomic_store(&mpa_fork_holder, NULL);
    const mpa_fork_ext_t *ext = fork_ext_taken;
    if (ext != NULL)
        ext->inner(stage);
    mpa_core_fork(stage);
    if (ext != NULL)
        ext->outer(stage);
}

static void fork_parent(void) { fork_after(MPA_FORK_PARENT); }

static void fork_child(void) {
    fork_after(MPA_FORK_CHILD);
    mpa_core_fork_child_threads();
    mpa_purger_fork_child();
}

/* Once, from a library constructor of the layer above (never on a
 * malloc/free path: pthread_atfork takes the C library's fork-handler lock,
 * which fork holds while it runs handlers that may call malloc; and
 * registering may allocate). The handlers need nothing of a started heap.
 * Until then a fork runs unguarded, as it does before the constructors
 * (when no other thread can hold an allocator lock). A failure (out of
 * memory; no fork on this platform) leaves fork unguarded. */
void mpa_hooks_init(void) {
    static atomic_int registered;
    if (atomic_load_explicit(&registered, memory_order_relaxed) == 0 &&
        atomic_exchange(&registered, 1) == 0)
        (void)mpa_pal_on_fork(fork_prepare, fork_parent, fork_child);
}
