# zrt: `make run` and `make test` set up whatever is missing (Debian packages, ONNX
# Runtime, CMake configure, build) and then do their job.
BUILD_DIR ?= build
ASAN_DIR  ?= build-asan
TSAN_DIR  ?= build-tsan
FUZZ_DIR  ?= build-fuzz
INSTALL_DIR ?= build-install
PREFIX    ?= /usr/local
JOBS      ?= $(shell nproc)
CMAKE     ?= cmake
ZRT_ORT_FLAVOR ?= cpu
ZRT       := $(BUILD_DIR)/tools/zrt/zrt
# Full unwinding through ORT (built without frame pointers) so that leak reports show
# zrt's frames and the one suppression in tests/sanitizers/lsan.supp can match. Huge
# mallocs fail (return null) as they do without ASan, so out-of-memory errors are tested.
ASAN_OPTIONS := detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=64:allocator_may_return_null=1
LSAN_OPTIONS := suppressions=$(CURDIR)/tests/sanitizers/lsan.supp
ASAN_DEVICE_OPTIONS := detect_leaks=1:allocator_may_return_null=1
LSAN_DEVICE_OPTIONS := suppressions=$(CURDIR)/tests/sanitizers/lsan_device.supp
# ThreadSanitizer over the tests labelled `concurrency`. ORT is not instrumented:
# tests/sanitizers/tsan.supp explains ignore_noninstrumented_modules and what it keeps.
TSAN_OPTIONS := ignore_noninstrumented_modules=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/sanitizers/tsan.supp

.PHONY: all setup setup-install build build-asan build-tsan run test test-release test-asan test-tsan bench soak install package format clean fuzz

all: build

# ONNX Runtime: both flavors. The build links ZRT_ORT_FLAVOR's core (cpu, the default, or
# gpu: CUDA, TensorRT, WebGPU EPs); tests of the EPs run the same build against the gpu
# core (cmake/ZrtOnnxRuntime.cmake). ZRT_ORT_FLAVOR applies when a build folder is
# configured: use a separate BUILD_DIR for each flavor.
setup:
	@scripts/bootstrap.sh
	@scripts/fetch-onnxruntime.sh >/dev/null
	@scripts/fetch-onnxruntime.sh --flavor gpu >/dev/null

$(BUILD_DIR)/CMakeCache.txt: | setup
	$(CMAKE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DZRT_WERROR=ON -DZRT_ORT_FLAVOR=$(ZRT_ORT_FLAVOR)

$(ASAN_DIR)/CMakeCache.txt: | setup
	$(CMAKE) -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DZRT_WERROR=ON -DZRT_SANITIZE=address,undefined \
	  -DZRT_BUILD_TOOLS=OFF -DZRT_CONFORMANCE=OFF -DZRT_BUILD_BENCH=OFF -DZRT_ORT_FLAVOR=$(ZRT_ORT_FLAVOR)

$(TSAN_DIR)/CMakeCache.txt: | setup
	$(CMAKE) -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZRT_WERROR=ON -DZRT_SANITIZE=thread \
	  -DZRT_BUILD_TOOLS=OFF -DZRT_CONFORMANCE=OFF -DZRT_BUILD_BENCH=OFF -DZRT_ORT_FLAVOR=$(ZRT_ORT_FLAVOR)

# libFuzzer targets (tests/fuzz): clang, the library and the CLI sources instrumented
# for coverage, ASan and UBSan.
$(FUZZ_DIR)/CMakeCache.txt: | setup
	$(CMAKE) -S . -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZRT_WERROR=ON \
	  -DZRT_SANITIZE=fuzzer-no-link,address,undefined -DZRT_FUZZ=ON \
	  -DZRT_BUILD_TOOLS=OFF -DZRT_CONFORMANCE=OFF -DZRT_BUILD_BENCH=OFF -DZRT_BUILD_EXAMPLES=OFF \
	  -DZRT_ORT_FLAVOR=$(ZRT_ORT_FLAVOR)

build: setup $(BUILD_DIR)/CMakeCache.txt
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS)

build-asan: setup $(ASAN_DIR)/CMakeCache.txt
	$(CMAKE) --build $(ASAN_DIR) -j$(JOBS)

build-tsan: setup $(TSAN_DIR)/CMakeCache.txt
	$(CMAKE) --build $(TSAN_DIR) -j$(JOBS)

# The main job: zrt bench on its built-in MLP 784-128-10, ORT's C and C++ APIs and zrt's
# run paths side by side (and 2 concurrent lanes).
run: build
	$(ZRT) bench --lanes 2

test: test-release test-asan test-tsan

test-release: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

# The device tests (label `device`, WebGPU on lavapipe) run with fast unwinding: the slow
# unwinder deadlocks in llvmpipe's JIT (tests/sanitizers/lsan_device.supp says more).
test-asan: build-asan
	cd $(ASAN_DIR) && ASAN_OPTIONS=$(ASAN_OPTIONS) LSAN_OPTIONS=$(LSAN_OPTIONS) UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) -LE device
	cd $(ASAN_DIR) && ASAN_OPTIONS=$(ASAN_DEVICE_OPTIONS) LSAN_OPTIONS=$(LSAN_DEVICE_OPTIONS) \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS) -L device

# The tests labelled `concurrency` (threads and async: test_concurrency, test_async,
# test_runtime, test_shape_buckets, test_pool, test_batcher) under ThreadSanitizer.
test-tsan: build-tsan
	cd $(TSAN_DIR) && TSAN_OPTIONS=$(TSAN_OPTIONS) ctest -L concurrency --output-on-failure -j$(JOBS)

# The benchmark: zrt bench (and --lanes 2) and zrt tune on the fixed model set of
# scripts/bench-models.py, the replica RSS benchmark and the load sweep (zrt bench --load);
# writes BENCHMARKS.md and docs/load.svg (results in $(BUILD_DIR)/bench-results).
bench: build
	scripts/bench-all.sh $(ZRT) $(BUILD_DIR)/bench-results BENCHMARKS.md

# The soak (not part of `make test`, several minutes): VmRSS over 10 M lane runs, 10 M
# Session::run calls, 1 M failing runs and 10 k session create/destroy cycles on the MLP,
# once with ORT's defaults and once with ORT's telemetry off; writes the soak section of
# BENCHMARKS.md and docs/soak.svg (scripts/soak-md.py). SOAK_ARGS="--scale 0.01": quick.
SOAK_ARGS ?=
soak: setup $(BUILD_DIR)/CMakeCache.txt
	$(CMAKE) --build $(BUILD_DIR) --target zrt_bench_soak -j$(JOBS)
	env -u ORT_DISABLE_TELEMETRY $(BUILD_DIR)/bench/zrt_bench_soak --json $(BUILD_DIR)/soak.json $(SOAK_ARGS)
	ORT_DISABLE_TELEMETRY=1 $(BUILD_DIR)/bench/zrt_bench_soak --json $(BUILD_DIR)/soak-no-telemetry.json $(SOAK_ARGS)
	/usr/bin/python3 scripts/soak-md.py BENCHMARKS.md docs/soak.svg $(BUILD_DIR)/soak.json \
	  $(BUILD_DIR)/soak-no-telemetry.json

# Each fuzz target for FUZZ_SECONDS (tests/fuzz/run.sh: corpus and crashes under
# $(FUZZ_DIR)/fuzz). Not part of `make test`, which replays the committed corpora.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= npy options_file session cli lane
fuzz: setup $(FUZZ_DIR)/CMakeCache.txt
	$(CMAKE) --build $(FUZZ_DIR) -j$(JOBS) --target zrt_fuzz
	tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make install and make package: the library and the zrt tool only, from their own
# build folder (no tests, benchmarks or examples, warnings not errors), needing only the
# packages of scripts/bootstrap.sh --install and the ZRT_ORT_FLAVOR ORT. The layout
# (ORT private in PREFIX/lib/zrt) is in cmake/ZrtInstall.cmake; the .deb (CPack, for
# /usr) is $(INSTALL_DIR)/zrt_<version>_<arch>.deb.
setup-install:
	@scripts/bootstrap.sh --install
	@scripts/fetch-onnxruntime.sh --flavor $(ZRT_ORT_FLAVOR) >/dev/null

$(INSTALL_DIR)/CMakeCache.txt: | setup-install
	$(CMAKE) -S . -B $(INSTALL_DIR) -DCMAKE_BUILD_TYPE=Release -DZRT_ORT_FLAVOR=$(ZRT_ORT_FLAVOR) \
	  -DZRT_BUILD_TESTS=OFF -DZRT_BUILD_BENCH=OFF -DZRT_BUILD_EXAMPLES=OFF

install: setup-install $(INSTALL_DIR)/CMakeCache.txt
	$(CMAKE) --build $(INSTALL_DIR) -j$(JOBS)
	$(CMAKE) --install $(INSTALL_DIR) --prefix $(PREFIX)

package: setup-install $(INSTALL_DIR)/CMakeCache.txt
	$(CMAKE) --build $(INSTALL_DIR) -j$(JOBS) --target package

format:
	clang-format -i $$(git ls-files '*.hpp' '*.cpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(INSTALL_DIR)
