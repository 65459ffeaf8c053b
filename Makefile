# The two commands of the README: `make demo` and `make test`. Both install what is missing
# (Debian packages), configure and build, then run the study or the whole test suite.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-unit bench bench-static static-sweep clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

bench: build
	bash scripts/bench.sh $(BUILD)

# sysfence static on /usr/bin/ssh, cold and warm, beside a plain Zydis decode of its code.
bench-static: build
	$(BUILD)/bench/static_bench $(BUILD)/src/cli/sysfence /usr/bin/ssh

# sysfence static over every ELF program in /usr/bin, /usr/sbin and every shared object in
# /usr/lib/x86_64-linux-gnu: counts of ok / error by kind / crash / timeout.
static-sweep: build
	bash scripts/static_sweep.sh $(BUILD)

clean:
	rm -rf $(BUILD)
