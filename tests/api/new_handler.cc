// The C++ allocation contract ([new.delete.single], [new.delete.array]):
// every form of operator new that cannot allocate calls the installed
// std::new_handler in a loop until it succeeds, the handler throws, or no
// handler is left; the throwing forms then throw std::bad_alloc and the
// nothrow forms return nullptr (also when the handler throws). Checked for
// new, new[], their aligned forms and the nothrow forms of all four, with a
// handler that gives up after three calls, one that throws, and none. Built
// with the C++ compiler; run linked and under LD_PRELOAD of each build (and
// under glibc alone, where it must pass too).
#include <criterion/criterion.h>

#include <cstddef>
#include <cstdint>
#include <new>

namespace {

// A size no allocator can serve; volatile so the compiler cannot fold it.
volatile std::size_t impossible = SIZE_MAX / 4;
const std::align_val_t big_align = std::align_val_t(64);

int calls;

void gives_up_after_three() {
    if (++calls == 3)
        std::set_new_handler(nullptr);
}

void throws_bad_alloc() {
    ++calls;
    throw std::bad_alloc();
}

enum form { SCALAR, ARRAY, SCALAR_ALIGNED, ARRAY_ALIGNED, NFORMS };
const char *const names[NFORMS] = {"new", "new[]", "new(align)", "new[](align)"};

void *nothrow_new(form f, std::size_t n) {
    switch (f) {
    case SCALAR:
        return ::operator new(n, std::nothrow);
    case ARRAY:
        return ::operator new[](n, std::nothrow);
    case SCALAR_ALIGNED:
        return ::operator new(n, big_align, std::nothrow);
    default:
        return ::operator new[](n, big_align, std::nothrow);
    }
}

void *throwing_new(form f, std::size_t n) {
    switch (f) {
    case SCALAR:
        return ::operator new(n);
    case ARRAY:
        return ::operator new[](n);
    case SCALAR_ALIGNED:
        return ::operator new(n, big_align);
    default:
        return ::operator new[](n, big_align);
    }
}

void release(form f, void *p) {
    switch (f) {
    case SCALAR:
        ::operator delete(p);
        break;
    case ARRAY:
        ::operator delete[](p);
        break;
    case SCALAR_ALIGNED:
        ::operator delete(p, big_align);
        break;
    default:
        ::operator delete[](p, big_align);
    }
}

// Calls of the handler a failing throwing form made, or -1 when it did not throw.
int throwing_calls(form f, std::new_handler h) {
    calls = 0;
    std::set_new_handler(h);
    try {
        void *p = throwing_new(f, impossible);
        release(f, p);
    } catch (const std::bad_alloc &) {
        std::set_new_handler(nullptr);
        return calls;
    }
    std::set_new_handler(nullptr);
    return -1;
}

} // namespace

Test(new_handler, nothrow_forms_loop_until_handler_gives_up) {
    for (int f = 0; f < NFORMS; f++) {
        calls = 0;
        std::set_new_handler(gives_up_after_three);
        void *p = nothrow_new(form(f), impossible);
        std::set_new_handler(nullptr);
        cr_assert_null(p, "%s(nothrow) of an impossible size returned %p", names[f], p);
        cr_assert_eq(calls, 3, "%s(nothrow) called the new_handler %d times, not 3", names[f],
                     calls);
    }
}

Test(new_handler, nothrow_forms_return_null_when_handler_throws) {
    for (int f = 0; f < NFORMS; f++) {
        calls = 0;
        std::set_new_handler(throws_bad_alloc);
        void *p = nullptr;
        bool escaped = false;
        try {
            p = nothrow_new(form(f), impossible);
        } catch (...) {
            escaped = true;
        }
        std::set_new_handler(nullptr);
        cr_assert_not(escaped, "%s(nothrow) let the handler's exception out", names[f]);
        cr_assert_null(p, "%s(nothrow) returned %p", names[f], p);
        cr_assert_eq(calls, 1, "%s(nothrow) called the throwing handler %d times", names[f], calls);
    }
}

Test(new_handler, nothrow_forms_without_handler_return_null) {
    std::set_new_handler(nullptr);
    for (int f = 0; f < NFORMS; f++)
        cr_assert_null(nothrow_new(form(f), impossible), "%s(nothrow) did not fail", names[f]);
}

Test(new_handler, throwing_forms_loop_then_throw) {
    for (int f = 0; f < NFORMS; f++) {
        cr_assert_eq(throwing_calls(form(f), gives_up_after_three), 3,
                     "%s: the handler loop did not run 3 times before bad_alloc", names[f]);
        cr_assert_eq(throwing_calls(form(f), throws_bad_alloc), 1,
                     "%s: the handler's bad_alloc did not come out", names[f]);
        cr_assert_eq(throwing_calls(form(f), nullptr), 0, "%s: no bad_alloc without a handler",
                     names[f]);
    }
}

Test(new_handler, nothrow_forms_allocate) {
    for (int f = 0; f < NFORMS; f++) {
        void *p = nothrow_new(form(f), 100);
        cr_assert_not_null(p, "%s(nothrow) of 100 bytes failed", names[f]);
        if (f >= SCALAR_ALIGNED)
            cr_assert_eq((std::uintptr_t)p % 64, 0u, "%s(nothrow): %p not aligned", names[f], p);
        static_cast<char *>(p)[99] = 1;
        release(form(f), p);
    }
}
