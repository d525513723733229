# dnshound - plain GNU make, dependencies through pkg-config.
#
#   make            build build/dnshound
#   make test       install missing deps, build, run every test
#   make check      the same tests under ASan+UBSan (build/san/), then a short
#                   run of each libFuzzer target (FUZZ_SMOKE_SECONDS each)
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (build/fuzz/, clang)
#   make coverage   unit, e2e and case tests in a --coverage build (build/cov/),
#                   then line coverage per source directory (plain gcov)
#   make demo       install missing deps, build, run on the bundled samples
#   make docs       regenerate docs/dnshound.1 and README.md's option table
#   make install PREFIX=/usr/local

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
PKGS     := libcjson zlib libpsl yaml-0.1 rdkafka lmdb libidn2 nettle
OPTFLAGS ?= -O2 -g
# Our flags live in DH_CFLAGS so that `make CFLAGS=...` adds to them instead of
# replacing them.
DH_CFLAGS := $(OPTFLAGS) -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
            -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -Isrc
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
ifeq ($(SANITIZE),1)
DH_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
# The libFuzzer build (build/fuzz/, clang): the library is instrumented with
# the fuzzers' own sanitizers; -fsanitize=fuzzer (the driver) only at link.
FUZZ_SAN := address,undefined
ifeq ($(FUZZ),1)
DH_CFLAGS += -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

LIB_SRC  := $(sort $(wildcard src/*.c src/sources/*.c src/sinks/*.c src/detectors/*.c parsers/*.c))
LIB_SRC  := $(filter-out src/main.c,$(LIB_SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/src/main.o
TEST_SRC := $(sort $(wildcard tests/unit/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_SRC:= $(sort $(wildcard bench/*.c))
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_TIME ?= $(FUZZ_SMOKE_SECONDS)
FUZZ_MAKE = $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) FUZZ=1 CC=clang OPTFLAGS="-O1 -g"

.PHONY: all deps test test-run check coverage demo demo-kafka install clean bench docs \
        fuzz fuzz-smoke fuzz-bins fuzz-run
all: $(BUILD)/dnshound $(BENCH_BIN) $(BUILD)/tests/mockbroker

deps:
	@sh deploy/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(DH_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libdnshound.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/dnshound: $(MAIN_OBJ) $(BUILD)/libdnshound.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Criterion on Debian needs a non-PIE test binary (Criterion #208/#258/#510).
$(BUILD)/test-units: $(TEST_OBJ) $(BUILD)/libdnshound.a
	$(CC) $(LDFLAGS) -no-pie -o $@ $^ $(LDLIBS) -lcriterion

# parsers/ includes src/, never the reverse: only parsers and tests see parsers/.
$(BUILD)/obj/parsers/%.o: DH_CFLAGS += -Iparsers
$(BUILD)/obj/tests/unit/%.o: DH_CFLAGS += -Iparsers -fno-pie -DDH_SOURCE_DIR='"$(CURDIR)"'
$(MAIN_OBJ): DH_CFLAGS += -DDH_RULES_INSTALL_DIR='"$(PREFIX)/share/dnshound/rules"'

$(BUILD)/bench/%: bench/%.c $(BUILD)/libdnshound.a
	@mkdir -p $(dir $@)
	$(CC) $(DH_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# librdkafka's mock cluster in its own process, for the Kafka tests
$(BUILD)/tests/mockbroker: tests/kafka/mockbroker.c
	@mkdir -p $(dir $@)
	$(CC) $(DH_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: $(BUILD)/dnshound $(BUILD)/test-units $(BENCH_BIN) $(BUILD)/tests/mockbroker
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(BUILD)/test-units --jobs 2
	DNSHOUND=$(CURDIR)/$(BUILD)/dnshound sh tests/e2e/run.sh
	DNSHOUND=$(CURDIR)/$(BUILD)/dnshound sh tests/cases/run.sh
	MOCKBROKER=$(CURDIR)/$(BUILD)/tests/mockbroker sh tests/kafka/smoke.sh
	DNSHOUND=$(CURDIR)/$(BUILD)/dnshound MOCKBROKER=$(CURDIR)/$(BUILD)/tests/mockbroker \
	    sh tests/kafka/e2e.sh

check: deps
	@$(MAKE) --no-print-directory BUILD=build/san SANITIZE=1 OPTFLAGS="-O1 -g" test-run
	@$(MAKE) --no-print-directory fuzz-smoke

# libFuzzer targets (tests/fuzz/*.c, one binary each); see README "Fuzzing".
$(BUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(BUILD)/libdnshound.a
	$(CC) $(DH_CFLAGS) $(CFLAGS) -Iparsers -fsanitize=fuzzer,$(FUZZ_SAN) -MMD -MP $(LDFLAGS) \
	    -o $@ $(filter %.c %.a,$^) $(LDLIBS)

fuzz-bins: $(FUZZ_BIN)

fuzz-run: fuzz-bins
	sh tests/fuzz/run.sh $(BUILD) $(FUZZ_TIME) $(notdir $(FUZZ_BIN))

fuzz: deps
	@$(FUZZ_MAKE) FUZZ_TIME=$(FUZZ_SECONDS) fuzz-run

fuzz-smoke:
	@$(FUZZ_MAKE) FUZZ_TIME=$(FUZZ_SMOKE_SECONDS) fuzz-run

# docs/dnshound.1 and README.md's option table, made from the option tables
# (src/options-map.c); the unit tests fail while they are stale.
docs: $(BUILD)/dnshound
	$(BUILD)/dnshound --help-man > docs/dnshound.1
	$(BUILD)/dnshound --help-markdown > $(BUILD)/options.md
	awk -v t=$(BUILD)/options.md '/<!-- options:end -->/ { while ((getline l < t) > 0) print l; skip = 0 } \
	    !skip { print } /<!-- options:begin -->/ { skip = 1 }' README.md > $(BUILD)/README.md
	mv $(BUILD)/README.md README.md

# gcov: a separate -O0 --coverage build; old counts are removed first so the
# numbers are this run's. The Kafka e2e scripts are left out (slow); the Kafka
# source and sink are covered in process by the unit tests.
COV_BUILD := build/cov
coverage:
	@$(MAKE) --no-print-directory BUILD=$(COV_BUILD) OPTFLAGS="-O0 -g --coverage" \
	    LDFLAGS="--coverage" all $(COV_BUILD)/test-units
	find $(COV_BUILD) -name '*.gcda' -delete
	$(COV_BUILD)/test-units --jobs 1
	DNSHOUND=$(CURDIR)/$(COV_BUILD)/dnshound sh tests/e2e/run.sh
	DNSHOUND=$(CURDIR)/$(COV_BUILD)/dnshound sh tests/cases/run.sh
	@sh tests/coverage.sh $(COV_BUILD)

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/dnshound
	@sh deploy/demo.sh $(BUILD)/dnshound

demo-kafka: deps
	@$(MAKE) --no-print-directory $(BUILD)/dnshound $(BUILD)/tests/mockbroker
	@sh deploy/demo-kafka.sh $(BUILD)

bench: $(BUILD)/dnshound $(BENCH_BIN)
	sh bench/run.sh $(BUILD)

install: $(BUILD)/dnshound
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/dnshound/rules/intel
	install -m 755 $(BUILD)/dnshound $(DESTDIR)$(PREFIX)/bin/dnshound
	install -m 644 rules/*.yaml rules/*.txt rules/*.md $(DESTDIR)$(PREFIX)/share/dnshound/rules/
	install -m 644 rules/intel/* $(DESTDIR)$(PREFIX)/share/dnshound/rules/intel/

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(FUZZ_BIN:=.d)
