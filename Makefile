# m365hunt — the two set-up commands of the README:
#   make demo   install missing Debian build dependencies, build, scan the bundled example
#   make test   build (normal, clang and ASan+UBSan) and run every test
# Other targets: make build, make fuzz TARGET=name SECONDS=n, make clean.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEPS = cmake make gcc g++ clang pkg-config zlib1g-dev libzstd-dev libsimdjson-dev libcsv-dev \
       libcmocka-dev libyaml-dev libmaxminddb-dev libclang-rt-14-dev python3 jq gzip zstd

.PHONY: demo test build deps clean fuzz

deps:
	@missing=""; for p in $(DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	cmake --preset dev >/dev/null
	cmake --build build -j$(JOBS)

demo: build
	./build/m365hunt scan examples/contoso-demo/

test: build
	cmake --preset clang >/dev/null
	cmake --build build-clang -j$(JOBS)
	cmake --preset asan >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build && ctest --output-on-failure -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS)

clean:
	rm -rf build build-asan build-clang build-fuzz
