# kernel-sim build, included by the top Makefile (-include $(KS_MK)).
# The allocator core (allocator/src/*.c, the same sources libmpalloc is built
# from) is compiled again with the kernel PAL into $(BUILD)/ksim/obj, never
# into $(BUILD)/obj/allocator.

KS_DIR      := $(BUILD)/ksim
KS_INC      := -Ikernel-sim/include $(ALLOC_INC)
# The kernel PAL (kernel-sim/pal/) is the allocator's platform layer here:
# built with the allocator's flags, it is the only file that sees both sides.
KS_ALLOC_SRC := $(wildcard allocator/src/*.c) $(wildcard kernel-sim/pal/*.c)
KS_ALLOC_OBJ := $(KS_ALLOC_SRC:%.c=$(KS_DIR)/obj/%.o)
KS_SRC      := $(filter-out kernel-sim/src/main.c,$(wildcard kernel-sim/src/*.c))
KS_OBJ      := $(KS_SRC:%.c=$(KS_DIR)/obj/%.o)
KS_LIB      := $(KS_DIR)/libksim.a
KS_BENCH    := $(BUILD)/bin/ks-bench
KS_TESTS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/ks_*.c))
KS_LIBS     := -lhwloc -lm -pthread
# ks-bench writes its rows with the harness's CSV writer (one writer in the tree).
KS_CSV_OBJ  := $(BUILD)/obj/harness/common/csvio.o $(BUILD)/obj/harness/common/util.o \
               $(BUILD)/obj/harness/common/schema.o

.PHONY: kernel-sim kernel-sim-tests
kernel-sim: $(KS_BENCH)
kernel-sim-tests: $(KS_TESTS)

$(KS_DIR)/obj/allocator/%.o: allocator/%.c $(ALLOC_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPBASE) $(ALLOC_CFLAGS) -Ikernel-sim/include -DMPA_NO_OVERRIDE -c $< -o $@

# ks-bench carries the allocator's build record too (its .mpa_build section,
# read by `mpbench kernel`): the same sources and flags as libmpalloc's.
$(KS_DIR)/obj/allocator/src/build_info.o: allocator/src/build_info.c $(BUILD_INFO_H) $(ALLOC_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPBASE) $(ALLOC_CFLAGS) -Ikernel-sim/include -DMPA_NO_OVERRIDE -I$(BUILD)/gen -c $< -o $@

$(KS_DIR)/obj/kernel-sim/pal/%.o: kernel-sim/pal/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPBASE) $(ALLOC_CFLAGS) -Ikernel-sim/include -DMPA_NO_OVERRIDE -c $< -o $@

$(KS_DIR)/obj/kernel-sim/%.o: kernel-sim/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPBASE) $(CBASE) -pthread $(KS_INC) -Iharness -c $< -o $@

$(KS_LIB): $(KS_OBJ) $(KS_ALLOC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(KS_BENCH): $(KS_DIR)/obj/kernel-sim/src/main.o $(KS_LIB) $(KS_CSV_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(KS_LIBS) -lcsv -Wl,--undefined=mpa_build_info

# More specific than the generic tests/unit rule: kernel-sim tests link the
# simulated kernel, not libmpalloc.
$(BUILD)/tests/unit/ks_%: tests/unit/ks_%.c $(KS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPBASE) $(CBASE) -pthread -Itests $(KS_INC) -o $@ $< $(KS_LIB) -lcriterion $(KS_LIBS)

-include $(shell find $(KS_DIR)/obj -name '*.d' 2>/dev/null)
