# skiff: the top-level entry points. CMake + Ninja do the building; this file only sequences.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
PREFIX ?= /usr/local
CTEST = ctest --test-dir $(BUILD_DIR) --output-on-failure


.PHONY: all deps configure build demo test test-unit test-integration test-rootless test-vm bench bench-api bench-vm install clean format lint

all: build

# Installs every build and test dependency (apt), only what is missing.
deps:
	@scripts/install-deps.sh

configure: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_INSTALL_PREFIX=$(PREFIX); \
	fi

build: configure
	cmake --build $(BUILD_DIR)

# The main job on its embedded defaults: build, then run a busybox container.
demo: build
	scripts/demo.sh $(BUILD_DIR)

# Every test layer: this host's in one ctest run, then the cgroup v2 + systemd guest; layers
# that do not exist yet are named.
test: build
	@scripts/report-missing-layers.sh
	$(CTEST)
	tests/vm/run.sh --build-dir $(BUILD_DIR)

test-unit: build
	$(CTEST) -L unit

test-integration: build
	$(CTEST) -L integration

test-rootless: build
	$(CTEST) -L rootless

# The cgroup v2 + systemd qemu guest (tests/vm/run.sh; SUITES="unit vm" narrows it).
test-vm: build
	tests/vm/run.sh --build-dir $(BUILD_DIR) $(foreach s,$(SUITES),--suite $(s))

bench: build
	bench/runtime-start $(BUILD_DIR)/cmd/skiff-runtime
	bench/pod-start $(BUILD_DIR)
	bench/pull $(BUILD_DIR)
	bench/cli-run $(BUILD_DIR)
	bench/api $(BUILD_DIR)

# Only the pod benchmark: skiff's pod library against podman (BENCH_N iterations, default 30).
.PHONY: bench-pod
bench-pod: build
	bench/pod-start $(BUILD_DIR)

# Only the pull benchmark: a cold pull + unpack of a ~180 MB image from a loopback registry,
# skiff's image library against podman and skopeo + umoci (BENCH_N iterations, default 5).
.PHONY: bench-pull
bench-pull: build
	bench/pull $(BUILD_DIR)

# Only the API benchmark: skiff-server under N TLS clients on SQLite and on a loopback etcd
# (creates/s, gets/s, paced-write latency, listing 10,000 pods, watch fan-out, server RSS).
bench-api: build
	bench/api $(BUILD_DIR)

# Only the CLI benchmark: `skiff run --rm busybox true` beside `podman run --rm` (BENCH_N, default 30).
.PHONY: bench-cli
bench-cli: build
	bench/cli-run $(BUILD_DIR)

# The same start-time benchmark inside the cgroup v2 + systemd guest (emulated: ratios only).
bench-vm: build
	tests/vm/run.sh --build-dir $(BUILD_DIR) --suite bench

install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

lint: configure
	git ls-files '*.cpp' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR)
