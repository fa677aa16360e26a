/* A thread's handle on its core (mpa_local_t, core.h): the thread-local
 * part every fast path reads, and the empty lists it points to while the
 * thread has no core's lists in use. The lowest file of the core layer, so
 * that every file of it may reach the calling thread's lists (checked.c's
 * quarantine, large.c) without calling up into core.c. */
#include "core.h"

mpa_core_t mpa_local_none; /* never written: empty lists, owner of nothing */

__thread mpa_local_t mpa_local __attribute__((tls_model("initial-exec"))) = {
    .me = &mpa_local_none,
};
