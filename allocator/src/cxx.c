/* C++ operator new and delete, written in C under their Itanium-mangled
 * names (x86-64: size_t is 'm', std::align_val_t is passed as a size_t), so
 * that a C++ program under LD_PRELOAD allocates straight through mpalloc:
 * in the fast build `new` is malloc's fast path and a (sized) `delete`
 * free's, without libstdc++'s wrappers in between (its operator new calls
 * malloc through the PLT and tests the result, its sized delete calls the
 * unsized one, which calls free: larson-sized spent 9.5 instructions per
 * call there, callgrind); in the hardened builds they go through mpalloc's
 * checks and a sized delete with the wrong size is reported. Failing plain
 * new calls the new-handler in a loop, then throws std::bad_alloc through
 * libstdc++ when the program has it (weak references: a C program never
 * calls these). The nothrow forms of new are the C++ runtime's own: they
 * call the throwing form (ours) inside a try/catch, so that they run the
 * same new-handler loop and return NULL when it throws or there is none
 * ([new.delete.single]), which C cannot write. */
#include "core.h"
#include "debug.h"

#ifndef MPA_NO_OVERRIDE

typedef void (*mpa_new_handler_t)(void);
extern mpa_new_handler_t _ZSt15get_new_handlerv(void) __attribute__((weak));
extern void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn));

/* size bytes aligned to align (0: malloc's alignment), or NULL. These
 * helpers are always inlined: MPA_CALL must run in the exported function
 * (the debug build takes its caller's address); the new-handler's retries
 * (cxx_new_retry, out of line) allocate with the call recorded before. */
MPA_INLINE void *cxx_alloc_as_recorded(size_t size, size_t align) {
    if (MPA_DEBUG_HEAP)
        return mpa_dbg_alloc(align > MPA_MIN_ALLOC ? align : MPA_MIN_ALLOC, size, false);
    if (align > MPA_MIN_ALLOC)
        return size > MPA_MAX_REQUEST ? NULL : mpa_heap_aligned(&mpa_local, align, size);
    return mpa_alloc(size);
}

MPA_INLINE void *cxx_alloc(size_t size, size_t align) {
    MPA_CALL("operator new");
    return cxx_alloc_as_recorded(size, align);
}

/* Throwing new after a failed allocation: retries through the
 * new-handler, then throws. */
static __attribute__((noinline, cold)) void *cxx_new_retry(size_t size, size_t align) {
    for (;;) {
        mpa_new_handler_t h = _ZSt15get_new_handlerv ? _ZSt15get_new_handlerv() : NULL;
        if (h == NULL)
            break;
        h();
        void *p = cxx_alloc_as_recorded(size, align);
        if (p != NULL)
            return p;
    }
    if (_ZSt17__throw_bad_allocv)
        _ZSt17__throw_bad_allocv();
    mpa_pal_error("mpalloc: operator new: out of memory (no libstdc++ to throw std::bad_alloc)");
}

/* Throwing new: the allocation, inlined; the new-handler loop apart. */
MPA_INLINE void *cxx_new(size_t size, size_t align) {
    void *p = cxx_alloc(size, align);
    if (MPA_LIKELY(p != NULL))
        return p;
    return cxx_new_retry(size, align);
}

/* Unsized delete. */
MPA_INLINE void cxx_delete(void *p) {
    MPA_CALL("operator delete");
    if (MPA_DEBUG_HEAP)
        mpa_dbg_free(p, MPA_SIZE_UNKNOWN);
    else
        mpa_dealloc(p);
}

/* Sized delete: size must be what new was asked for (hardened builds). */
MPA_INLINE void cxx_delete_sized(void *p, size_t size) {
    MPA_CALL("operator delete");
    if (MPA_CHECKED)
        mpa_free_sized_as(p, size);
    else
        mpa_dealloc(p); /* the pagemap entry tells the class as cheaply as the size */
}

#define CXX MPA_EXPORT
typedef struct mpa_nothrow mpa_nothrow_t; /* std::nothrow_t, passed by reference */

CXX void *_Znwm(size_t n) { return cxx_new(n, 0); }
CXX void *_Znam(size_t n) { return cxx_new(n, 0); }
CXX void *_ZnwmSt11align_val_t(size_t n, size_t a) { return cxx_new(n, a); }
CXX void *_ZnamSt11align_val_t(size_t n, size_t a) { return cxx_new(n, a); }

CXX void _ZdlPv(void *p) { cxx_delete(p); }
CXX void _ZdaPv(void *p) { cxx_delete(p); }
CXX void _ZdlPvm(void *p, size_t n) { cxx_delete_sized(p, n); }
CXX void _ZdaPvm(void *p, size_t n) { cxx_delete_sized(p, n); }
CXX void _ZdlPvRKSt9nothrow_t(void *p, const mpa_nothrow_t *t) {
    (void)t;
    cxx_delete(p);
}
CXX void _ZdaPvRKSt9nothrow_t(void *p, const mpa_nothrow_t *t) {
    (void)t;
    cxx_delete(p);
}
CXX void _ZdlPvSt11align_val_t(void *p, size_t a) {
    (void)a;
    cxx_delete(p);
}
CXX void _ZdaPvSt11align_val_t(void *p, size_t a) {
    (void)a;
    cxx_delete(p);
}
CXX void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t a) {
    (void)a;
    cxx_delete_sized(p, n);
}
CXX void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t a) {
    (void)a;
    cxx_delete_sized(p, n);
}
CXX void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a, const mpa_nothrow_t *t) {
    (void)a, (void)t;
    cxx_delete(p);
}
CXX void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a, const mpa_nothrow_t *t) {
    (void)a, (void)t;
    cxx_delete(p);
}

#endif
