/* The debug build's malloc API (MPA_CHECKED == 2, debug.c): every object
 * is tracked at its exact requested size between a keyed header and a
 * canary, with the call sites that allocated and freed it (sites.c);
 * filled when handed out, poisoned and quarantined when freed; blocks above
 * the small classes may end against a guard page and become inaccessible
 * once freed. The override layer calls these instead of the core when
 * MPA_DEBUG_HEAP is set. */
#ifndef MPA_DEBUG_H
#define MPA_DEBUG_H

#include "core.h"

/* size bytes aligned to align (a power of two >= MPA_MIN_ALLOC), zeroed
 * when zero is set; NULL with errno ENOMEM when none can be had. */
MPA_HIDDEN void *mpa_dbg_alloc(size_t align, size_t size, bool zero);
/* Frees p (NULL: nothing); sized is the size a sized free names, or
 * MPA_SIZE_UNKNOWN. Reports and aborts on any misuse found. */
MPA_HIDDEN void mpa_dbg_free(void *p, size_t sized);
/* Resizes in place while the object's room allows, else moves (a new
 * object, copy, free of p). pre: p != NULL. */
MPA_HIDDEN void *mpa_dbg_realloc(void *p, size_t size);
/* The requested size of the live object p. pre: p != NULL. */
MPA_HIDDEN size_t mpa_dbg_usable(const void *p);

/* override.c, for free_sized and C++ sized delete (cxx.c): frees p after
 * checking, in hardened builds, that size is its requested size. */
MPA_HIDDEN void mpa_free_sized_as(void *p, size_t size);

/* ---- call sites (sites.c, debug build only) ---- */

/* A call stack kept in the site table: 0 is none (not recorded). */
typedef uint32_t mpa_site_t;

/* The stack of the API call in progress (the caller, and more frames where
 * frame pointers allow), as set by MPA_CALL; 0 when none was set or the
 * table is full. Lock-free; never allocates. */
MPA_HIDDEN mpa_site_t mpa_site_here(void);

/* The calling thread's number in reports: 1 for the first thread that
 * called the debug heap, then 2, 3, ... */
MPA_HIDDEN uint32_t mpa_site_thread(void);

/* What the next report is about (its lines after the first one). */
typedef struct {
    mpa_site_t alloc, freed;              /* the object's sites, 0: none */
    uint32_t alloc_thread, free_thread;   /* their threads */
    void *fault_pc, *fault_sp, *fault_fp; /* a fault's instruction, stack and frame, or NULL */
} mpa_site_report_t;

/* Sets what the next report of the calling thread names: the object's
 * allocation and free, or a fault's instruction; reports without it name
 * the call in progress only. */
MPA_HIDDEN void mpa_site_report_about(const mpa_site_report_t *about);

/* Starts the site table and the report hook (once, before any site is
 * taken); child_init is run by the process that looks symbols up. */
MPA_HIDDEN void mpa_site_init(void (*child_init)(void));

#endif /* MPA_DEBUG_H */
