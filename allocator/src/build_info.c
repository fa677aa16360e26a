/* The build record every libmpalloc carries (mpa_build_info): what it was
 * built from and how, so that a benchmark can credit its numbers to the
 * build that ran and tell a stale build from a fresh one. One JSON object,
 * a constant in the library's own ".mpa_build" section (readable from the
 * file without running it) and returned by mpa_build_info():
 *   build_id    hash of source_id, flags, compiler options and compiler
 *   source_id   hash of every allocator source file (scripts/build-info)
 *   source_dir, commit, dirty (allocator/ differed from the commit), built
 *   flags       the variant's FLAGS; cflags, cc: the whole compile line
 *   compiler    __VERSION__ of the compiler that compiled this file
 *   tunables    every MPA_* tunable of tunables.h as compiled (FLAGS applied)
 * The generated header comes from scripts/build-info through the Makefile;
 * a build without it (kernel-sim's copy of these sources) says so. */
#include "common.h"
#include "mpalloc.h"
#include "tunables.h"

#if defined(__has_include)
#if __has_include("mpa_build.h")
#include "mpa_build.h"
#endif
#endif

#define MPA_BI_STR_(x) #x
#define MPA_BI_STR(x)  MPA_BI_STR_(x)
#define MPA_T1(n)      "\"" #n "\":\"" MPA_BI_STR(n) "\""
#define MPA_TN(n)      ",\"" #n "\":\"" MPA_BI_STR(n) "\""

#ifdef MPA_BUILD_ID
#define MPA_BUILD_JSON                                                              \
    "{\"format\":1,\"library\":\"libmpalloc\",\"version\":\"" MPA_VERSION           \
    "\",\"build_id\":\"" MPA_BUILD_ID "\",\"source_id\":\"" MPA_BUILD_SOURCE_ID     \
    "\",\"source_dir\":\"" MPA_BUILD_SOURCE_DIR "\",\"commit\":\"" MPA_BUILD_COMMIT \
    "\",\"dirty\":" MPA_BUILD_DIRTY ",\"built\":\"" MPA_BUILD_TIME                  \
    "\",\"flags\":\"" MPA_BUILD_FLAGS "\",\"cflags\":\"" MPA_BUILD_CFLAGS           \
    "\",\"cc\":\"" MPA_BUILD_CC "\",\"compiler\":\"" __VERSION__                    \
    "\",\"tunables\":{" MPA_BUILD_TUNABLES "}}"
#else
#define MPA_BUILD_JSON                                                                     \
    "{\"format\":1,\"library\":\"libmpalloc\",\"version\":\"" MPA_VERSION                  \
    "\",\"build_id\":\"\",\"note\":\"built without scripts/build-info: no build record\"," \
    "\"compiler\":\"" __VERSION__ "\"}"
#endif

__attribute__((used, section(".mpa_build"))) static const char mpa_build_json[] = MPA_BUILD_JSON;

MPA_EXPORT const char *mpa_build_info(void) { return mpa_build_json; }
