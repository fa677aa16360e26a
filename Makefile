# mpalloc — top-level build. Everything is built out of tree under $(BUILD).
#   make              library, mpbench, workloads, kernel-sim
#   make test         install deps, build, run every test; last line "N passed, N failed"
#   make bench        install deps, build, run the default matrix (QUICK=1: < 5 min)
#   make variant NAME=x FLAGS='-DMPA_...'   library variant in build/variants/x
#   make asan|ubsan|tsan   sanitizer builds of the tests, run
#   make assert       the tests against MPA_DEBUG=2 builds (every assertion on)
#   make install PREFIX=/usr/local   library, header, pkg-config, mpbench and its toolkit, man pages
# Sources are found by wildcard: a new .c in a folder is built without edits here.

BUILD   ?= build
CC      ?= cc
WERROR  ?= 0
OPT     ?= -O2
SAN     ?=
FLAGS   ?=
PREFIX  ?= /usr/local
QUICK   ?= 0

WARN     := -Wall -Wextra -Wshadow -Wundef $(if $(filter 1,$(WERROR)),-Werror)
CPPBASE  := -D_GNU_SOURCE -MMD -MP
# Compile-and-link rules keep their dependency files away from the binaries.
DEPOUT    = -MF $(BUILD)/dep/$(subst /,_,$@).d
CBASE    := -std=c11 $(OPT) -g $(WARN) $(SAN)

ALLOC_INC    := -Iallocator/include -Iallocator/src
ALLOC_CFLAGS := $(CBASE) -fPIC -fvisibility=hidden -ftls-model=initial-exec \
                -fno-builtin -fno-stack-protector $(ALLOC_INC) $(FLAGS)
ALLOC_SRC    := $(wildcard allocator/src/*.c) allocator/src/pal/pal_posix.c allocator/src/pal/pal_debug.c
ALLOC_OBJ    := $(ALLOC_SRC:%.c=$(BUILD)/obj/%.o)

LIB_SO  := $(BUILD)/lib/libmpalloc.so
LIB_A   := $(BUILD)/lib/libmpalloc.a
LIB_CHECKED := $(BUILD)/lib/libmpalloc-checked.so  # hardened build (MPA_CHECKED=1)
LIB_DEBUG   := $(BUILD)/lib/libmpalloc-debug.so    # debug build (MPA_CHECKED=2)

# The toolkit's folders by concern, lowest first: each includes only its own
# and lower folders' headers (harness/README.md; tests/harness/layers.sh).
HARNESS_DIRS := common trace catalog measure run analysis plot export sweep cli
HARNESS_SRC := $(foreach d,$(HARNESS_DIRS),$(wildcard harness/$(d)/*.c))
# The allocation recorder (LD_PRELOAD) and the replay child of mpbench replay.
TRACE_LIB   := $(BUILD)/lib/libmpatrace.so
REPLAY_BIN  := $(BUILD)/bin/mpb-replay
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/obj/%.o)
HARNESS_LIBS := -ljansson -lcsv -lzstd -lhwloc -lm -pthread
MPBENCH     := $(BUILD)/bin/mpbench
PROBE_SO    := $(BUILD)/lib/mpbench-probe.so  # preloaded by mpbench run: which malloc served a run

WL_SRC  := $(wildcard workloads/*.c)
WL_BIN  := $(patsubst workloads/%.c,$(BUILD)/bin/wl-%,$(WL_SRC))
WL_SH   := $(wildcard workloads/*.sh)
WL_SHB  := $(patsubst workloads/%.sh,$(BUILD)/bin/wl-%,$(WL_SH))

KS_MK   := $(wildcard kernel-sim/build.mk)

UNIT_SRC   := $(wildcard tests/unit/*.c)
UNIT_BIN   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
API_SRC    := $(wildcard tests/api/*.c)
API_LINKED := $(patsubst tests/%.c,$(BUILD)/tests/%-linked,$(API_SRC))
API_PLAIN  := $(patsubst tests/%.c,$(BUILD)/tests/%-plain,$(API_SRC))
STRESS_SRC := $(wildcard tests/stress/*.c)
STRESS_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(STRESS_SRC))
# Unit tests of the toolkit's modules (CSV, stats): linked with mpbench's
# objects except main.o, run with the allocator's unit tests.
HUNIT_SRC  := $(wildcard tests/harness/unit/*.c)
HUNIT_BIN  := $(patsubst tests/harness/unit/%.c,$(BUILD)/tests/unit/harness-%,$(HUNIT_SRC))
# -plain stress tests run under LD_PRELOAD of the hardened builds (run-tests);
# those that reach into allocator internals (include "core.h") cannot.
STRESS_INTERNAL := $(shell grep -l '^\#include "core.h"' $(STRESS_SRC) /dev/null)
STRESS_PLAIN := $(patsubst tests/%.c,$(BUILD)/tests/%-plain,$(filter-out $(STRESS_INTERNAL),$(STRESS_SRC)))
# C++ api tests (tests/api/*.cc: the C++ runtime's contracts, operator new
# and its new-handler loop), linked and -plain like the C ones; not in
# sanitizer builds, whose runtime owns operator new.
API_CXX_SRC := $(wildcard tests/api/*.cc)
API_CXX    := $(patsubst tests/%.cc,$(BUILD)/tests/%-linked,$(API_CXX_SRC)) \
              $(patsubst tests/%.cc,$(BUILD)/tests/%-plain,$(API_CXX_SRC))
TEST_BIN   := $(UNIT_BIN) $(API_LINKED) $(API_PLAIN) $(STRESS_BIN) $(HUNIT_BIN) $(if $(SAN),,$(STRESS_PLAIN) $(API_CXX))
TEST_CFLAGS := $(CBASE) -pthread -Itests $(ALLOC_INC)

# In sanitizer builds the sanitizer owns malloc: the allocator is built
# without the malloc overrides and the tests call the mpa_ names.
ifneq ($(SAN),)
ALLOC_CFLAGS += -DMPA_NO_OVERRIDE
TEST_CFLAGS  += -DMPA_TEST_PREFIXED
endif

.PHONY: all lib checked debug harness workloads tests test bench clean variant asan ubsan tsan assert install deps
all: lib $(if $(SAN),,checked debug) harness workloads $(if $(KS_MK),kernel-sim)

lib: $(LIB_SO) $(LIB_A)
checked: $(LIB_CHECKED)
harness: $(MPBENCH) $(PROBE_SO) $(if $(SAN),,$(TRACE_LIB)) $(REPLAY_BIN)
workloads: $(WL_BIN) $(WL_SHB)
tests: $(TEST_BIN)

# Provenance of every libmpalloc build (allocator/src/build_info.c): the
# objects depend on a stamp of the compiler's version line and options,
# rewritten only when they change (so a new FLAGS, CC or OPT rebuilds
# them, and nothing else does); the build record's header is regenerated
# only when its build id (sources, flags, options, compiler) changes.
# make decides by modification times, which miss an edit that leaves a file
# no newer than the objects (a clock set back, cp -p, tar, rsync -a): the
# header would carry the new sources' record over objects of the old ones.
# build-info sync removes, before anything is built, every target whose
# dependency file names an allocator source whose content changed.
ifeq ($(filter clean format format-check,$(MAKECMDGOALS)),)
BUILD_SYNC := $(shell scripts/build-info sync '$(BUILD)' . || echo failed)
$(if $(BUILD_SYNC),$(error scripts/build-info sync $(BUILD) failed))
endif
ALLOC_STAMP   := $(BUILD)/gen/cflags
BUILD_INFO_H  := $(BUILD)/gen/mpa_build.h
.PHONY: FORCE
FORCE:
$(ALLOC_STAMP): FORCE
	@scripts/build-info stamp $@ "$$($(CC) --version 2>/dev/null | head -n 1) | "'$(ALLOC_CFLAGS)'
$(BUILD_INFO_H): FORCE
	@scripts/build-info header $@ . '$(CC)' '$(FLAGS)' '$(ALLOC_CFLAGS)'

$(BUILD)/obj/allocator/%.o: allocator/%.c $(ALLOC_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPBASE) $(ALLOC_CFLAGS) -c $< -o $@

$(BUILD)/obj/allocator/src/build_info.o: allocator/src/build_info.c $(BUILD_INFO_H) $(ALLOC_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPBASE) $(ALLOC_CFLAGS) -I$(BUILD)/gen -c $< -o $@

$(LIB_SO): $(ALLOC_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared $(SAN) -o $@ $^ -Wl,-z,nodelete -pthread

$(LIB_A): $(ALLOC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The checked library is the variant "checked", copied beside the fast one
# (make variant decides whether it needs building; the copy is refreshed
# whenever it differs).
$(LIB_CHECKED): FORCE
	@$(MAKE) --no-print-directory variant NAME=checked FLAGS='$(FLAGS) -DMPA_CHECKED=1'
	@mkdir -p $(dir $@)
	@cmp -s $(BUILD)/variants/checked/lib/libmpalloc.so $@ || \
	    cp $(BUILD)/variants/checked/lib/libmpalloc.so $@

# The debug library likewise is the variant "debug" (MPA_CHECKED=2).
debug: $(LIB_DEBUG)
$(LIB_DEBUG): FORCE
	@$(MAKE) --no-print-directory variant NAME=debug FLAGS='$(FLAGS) -DMPA_CHECKED=2'
	@mkdir -p $(dir $@)
	@cmp -s $(BUILD)/variants/debug/lib/libmpalloc.so $@ || \
	    cp $(BUILD)/variants/debug/lib/libmpalloc.so $@

VERSION := $(shell sed -n 's/^\#define MPA_VERSION "\(.*\)"/\1/p' allocator/include/mpalloc.h)

$(BUILD)/obj/harness/%.o: harness/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPBASE) $(CBASE) -Iharness -DMPB_VERSION='"$(VERSION)"' -c $< -o $@

$(MPBENCH): $(HARNESS_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(HARNESS_LIBS)

# No sanitizer in the recorder: it is preloaded into programs not built for one.
$(TRACE_LIB): harness/recorder/mpatrace.c harness/recorder/trace_format.h
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) -std=c11 $(OPT) -g $(WARN) -fPIC -shared -fvisibility=hidden \
	    -ftls-model=initial-exec -fno-builtin -o $@ $< -ldl -lzstd -pthread

$(REPLAY_BIN): harness/replay/mpb-replay.c harness/replay/plan_format.h harness/recorder/trace_format.h
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(CBASE) -o $@ $< -ldl -pthread

# Never built with $(SAN): it is preloaded into ordinary programs.
$(PROBE_SO): harness/probe/probe.c
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) -std=c11 $(OPT) -g $(WARN) -fPIC -shared -o $@ $<

$(BUILD)/bin/wl-%: workloads/%.c $(wildcard workloads/*.h)
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(CBASE) -Iworkloads -o $@ $< -lm -pthread

$(BUILD)/bin/wl-%: workloads/%.sh
	@mkdir -p $(dir $@)
	sed 's|@WL_DATA_DIR@|$(abspath workloads/data)|' $< > $@ && chmod +x $@

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_A)
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(TEST_CFLAGS) $(FLAGS) -o $@ $< $(LIB_A) -lcriterion -lm

$(BUILD)/tests/unit/harness-%: tests/harness/unit/%.c $(filter-out %/main.o,$(HARNESS_OBJ))
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(CBASE) -Iharness -o $@ $< $(filter-out %/main.o,$(HARNESS_OBJ)) \
	    $(HARNESS_LIBS) -lcriterion

$(BUILD)/tests/api/%-linked: tests/api/%.c $(LIB_A)
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(TEST_CFLAGS) -o $@ $< $(LIB_A) -lcriterion -lm

$(BUILD)/tests/api/%-plain: tests/api/%.c
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(TEST_CFLAGS) -DMPA_TEST_PRELOAD -o $@ $< -lcriterion -lm

$(BUILD)/tests/api/%-linked: tests/api/%.cc $(LIB_A)
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CXX) $(CPPBASE) $(DEPOUT) -std=c++17 $(OPT) -g $(WARN) -pthread -Itests $(ALLOC_INC) \
	    -o $@ $< $(LIB_A) -lcriterion

$(BUILD)/tests/api/%-plain: tests/api/%.cc
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CXX) $(CPPBASE) $(DEPOUT) -std=c++17 $(OPT) -g $(WARN) -pthread -Itests $(ALLOC_INC) \
	    -DMPA_TEST_PRELOAD -o $@ $< -lcriterion

$(BUILD)/tests/stress/%-plain: tests/stress/%.c
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(TEST_CFLAGS) -DMPA_TEST_PRELOAD -o $@ $< -lcriterion -lm -ldl

$(BUILD)/tests/stress/%: tests/stress/%.c $(LIB_A)
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(TEST_CFLAGS) -o $@ $< $(LIB_A) -lcriterion -lm

# Libraries tests/stress/foreign_locks.c loads: one with thread-local data
# that it dlopens (copies of it) while threads come and go, one with fork
# handlers that allocate; no sanitizer (loaded into plain programs too).
TEST_LIBS := $(patsubst tests/stress/lib/%.c,$(BUILD)/tests/lib/%.so,$(wildcard tests/stress/lib/*.c))
tests: $(TEST_LIBS)
$(BUILD)/tests/lib/%.so: tests/stress/lib/%.c
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) -std=c11 $(OPT) -g $(WARN) -fPIC -shared -o $@ $< -pthread

# ---- reliability tests: misuse programs and the API fuzzer ----
# tests/corruption/*.c: plain programs (no allocator linked), run under
# LD_PRELOAD by tests/corruption/run.sh. tests/fuzz: libFuzzer (clang)
# against the mpa_ API of a no-override variant built with coverage;
# `make fuzz FUZZ_SECONDS=600` runs it long, tests/fuzz/run.sh briefly.
CORR_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/corruption/*.c))
tests: $(CORR_BIN)
$(BUILD)/tests/corruption/%: tests/corruption/%.c
	@mkdir -p $(dir $@) $(BUILD)/dep
	$(CC) $(CPPBASE) $(DEPOUT) $(CBASE) -o $@ $< -pthread

FUZZ_SECONDS ?= 600
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -fsanitize=fuzzer-no-link -DMPA_NO_OVERRIDE
FUZZ_BIN     := $(BUILD)/tests/fuzz/api_fuzz-fast $(BUILD)/tests/fuzz/api_fuzz-checked
.PHONY: fuzz fuzz-build
fuzz-build:
	@$(MAKE) --no-print-directory variant NAME=fuzz-fast CC=$(FUZZ_CC) FLAGS='$(FUZZ_FLAGS)'
	@$(MAKE) --no-print-directory variant NAME=fuzz-checked CC=$(FUZZ_CC) FLAGS='$(FUZZ_FLAGS) -DMPA_CHECKED=1'
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
$(BUILD)/tests/fuzz/api_fuzz-%: tests/fuzz/api_fuzz.c tests/test_api.h $(BUILD)/variants/fuzz-%/lib/libmpalloc.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -O1 -g $(WARN) -D_GNU_SOURCE -DMPA_TEST_PREFIXED -fsanitize=fuzzer \
	    -Itests $(ALLOC_INC) -o $@ $< $(BUILD)/variants/fuzz-$*/lib/libmpalloc.a -pthread
fuzz: fuzz-build
	tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

-include $(KS_MK)

deps:
	@scripts/install-deps

test: deps
	@$(MAKE) --no-print-directory all tests
	@scripts/run-tests $(BUILD) $(if $(SAN),$(if $(findstring thread,$(SAN)),tsan,sanitizer))

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench $(BUILD) $(QUICK)

# A variant is rebuilt whenever its FLAGS, the compiler or its options
# differ from those it was built with (the stamp in its gen/ folder); its
# flags file is written once the library is built, so it never names flags
# the library was not built with (mpbench checks it against the library's
# own build record, mpa_build_info).
variant:
	@test -n "$(NAME)" || { echo "make variant: NAME=... is required" >&2; exit 2; }
	@rm -f $(BUILD)/variants/$(NAME)/flags
	@$(MAKE) --no-print-directory lib BUILD=$(BUILD)/variants/$(NAME) FLAGS='$(FLAGS)'
	@mkdir -p $(BUILD)/variants/$(NAME) && printf '%s\n' '$(FLAGS)' > $(BUILD)/variants/$(NAME)/flags

asan:
	@$(MAKE) --no-print-directory test BUILD=$(BUILD)/asan SAN='-fsanitize=address -fno-omit-frame-pointer'
ubsan:
	@$(MAKE) --no-print-directory test BUILD=$(BUILD)/ubsan SAN='-fsanitize=undefined -fno-sanitize-recover=all'
tsan:
	@$(MAKE) --no-print-directory test BUILD=$(BUILD)/tsan SAN='-fsanitize=thread' OPT=-O1
# The assertion build: every MPA_ASSERT up to level 2 compiled in (fast,
# checked and debug libraries alike), its unit, api and stress tests run.
assert: deps
	@$(MAKE) --no-print-directory all tests BUILD=$(BUILD)/assert FLAGS='$(FLAGS) -DMPA_DEBUG=2'
	@scripts/run-tests $(BUILD)/assert assert

# The library for programs (PREFIX/lib, PREFIX/include, pkg-config) and the
# whole toolkit: mpbench with its workloads, probe, recorder and replayer,
# man pages made from --help by help2man (scripts/install-toolkit says where).
install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(LIB_CHECKED) $(LIB_DEBUG) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 allocator/include/mpalloc.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' scripts/mpalloc.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mpalloc.pc
	scripts/install-toolkit $(BUILD) $(PREFIX) $(DESTDIR)

# One formatting style for every C file (.clang-format at the top). `make
# format` rewrites the tree; `make format-check` (CI) fails on any file that
# differs from it, naming the file.
FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
.PHONY: format format-check
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format-check: $(words $(FORMAT_SRC)) files formatted"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/dep -name '*.d' 2>/dev/null)
