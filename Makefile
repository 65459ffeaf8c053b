# The two commands of the README: `make demo` and `make test`. Both install what is missing
# (Debian packages), configure and build, then run the study or the whole test suite.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1

.PHONY: all deps build demo explore attach-sshd lint test test-unit test-asan fuzz bench bench-trace bench-attach bench-filter bench-run bench-args bench-static bench-scan static-sweep static-table clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)

# `sysfence explore` for EXPLORE_BUDGET on the programs of three checked-in studies: diff, curl
# and python3 (docs/STUDY.md). Each writes runs.txt, inputs.sh, explore.json and curve.svg to
# $(BUILD)/explore-results/STUDY and prints what it added to the hand-written runs.
EXPLORE_BUDGET ?= 5m
EXPLORE_STUDIES ?= diff curl python3
explore: build
	@for study in $(EXPLORE_STUDIES); do \
	  echo "== explore $$study for $(EXPLORE_BUDGET)"; \
	  $(BUILD)/src/cli/sysfence explore $$study --budget $(EXPLORE_BUDGET) \
	    -o $(BUILD)/explore-results/$$study || exit 1; \
	done

# `trace --pid` on a running sshd against a launch-traced one, over the SSH study's sessions
# (docs/ATTACH.md). make test runs it too.
attach-sshd: build
	bash study/ssh/attach_compare.sh $(BUILD)

# clang-format and clang-tidy as docs/CONVENTIONS.md says (scripts/lint.sh).
lint: deps $(BUILD)/CMakeCache.txt
	bash scripts/lint.sh $(BUILD)

# The lint, the whole suite, then the unit tests again under ASan+UBSan (test-asan).
test: build
	bash scripts/lint.sh $(BUILD)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900
	$(MAKE) test-asan

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# The unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DSYSFENCE_SANITIZE=ON -DSYSFENCE_BUILD_BENCH=OFF \
	  -DSYSFENCE_INTEGRATION_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit

# Every fuzz target for FUZZ_SECONDS each, FUZZ_JOBS at a time, from its seed corpus (new
# inputs go to $(FUZZ_BUILD)/corpus/, crashes to $(FUZZ_BUILD)/crashes/).
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DSYSFENCE_FUZZ=ON -DSYSFENCE_BUILD_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_JOBS)

# Every benchmark, each against its baseline in the same run (figures in docs/PERFORMANCE.md).
bench: bench-trace bench-attach bench-filter bench-run bench-args bench-static bench-scan

bench-trace: build
	bash bench/trace_bench.sh $(BUILD)
# What a seccomp filter costs per call: generated vs none, allow-all and linear (docs/PERFORMANCE.md).
# What an eBPF recording of running processes (--pid, --cgroup) costs everything else.
bench-attach: build
	bash bench/attach_bench.sh $(BUILD)
bench-filter: build
	$(BUILD)/bench/filter_bench
# A getppid loop natively, under `sysfence run` and under `sysfence run --phased`.
bench-run: build
	bash bench/run_bench.sh $(BUILD)

# Argument rules against the syscall-level filter, an allow-all filter and no filter: a loop of
# checked calls, find /usr/share and the diff study's runs.
bench-args: build
	bash bench/argument_rules_bench.sh $(BUILD)

# sysfence static on /usr/bin/ssh and on a 37 MB Go program (Debian's caddy), cold and warm,
# beside a plain Zydis decode of their code.
bench-static: build
	$(BUILD)/bench/static_bench $(BUILD)/src/cli/sysfence /usr/bin/ssh
	$(BUILD)/bench/static_bench $(BUILD)/src/cli/sysfence /usr/bin/caddy

# sysfence scan over the ELF programs of /usr/bin and /usr/sbin beside xargs -P2 sysfence
# static over the same list, each with an empty cache and then warm (docs/PERFORMANCE.md);
# SCAN_BENCH_FLAGS=--whole takes everything `sysfence scan /usr/bin /usr/sbin` finds.
# Every run starts after SCAN_BENCH_PAUSE idle seconds (the machine slows under long load).
SCAN_BENCH_PAUSE ?= 60
bench-scan: build
	$(BUILD)/bench/scan_bench $(BUILD)/src/cli/sysfence /usr/bin /usr/sbin --pause $(SCAN_BENCH_PAUSE) $(SCAN_BENCH_FLAGS)

# sysfence static over every ELF program in /usr/bin, /usr/sbin and every shared object in
# /usr/lib/x86_64-linux-gnu: counts of ok / error by kind / crash / timeout.
static-sweep: build
	bash scripts/static_sweep.sh $(BUILD)

# The precision table of docs/STATIC.md: set sizes with and without debug files.
static-table: build
	python3 scripts/static_precision_table.py --build $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
