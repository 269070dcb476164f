# m365hunt — the two set-up commands of the README:
#   make demo   install missing Debian build dependencies, build, scan the bundled examples
#   make test   build (normal, clang and ASan+UBSan) and run every test
# Other targets: make build, make fuzz TARGET=name SECONDS=n, make clean.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEPS = cmake make gcc g++ clang pkg-config zlib1g-dev libzstd-dev libisal-dev libzip-dev libarchive-dev libsimdjson-dev libcsv-dev \
       libcmocka-dev libyaml-dev libmaxminddb-dev libssl-dev libclang-rt-14-dev python3 jq gzip zstd zip xz-utils bzip2 7zip \
       chromium

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

SIM_DEMO = examples/simulated-midnight-blizzard
demo: build
	./build/m365hunt scan examples/contoso-demo/
	@echo
	@echo "=== The same intrusion in a simulated tenant (m365hunt simulate, ground truth in $(SIM_DEMO)/ground-truth.json)"
	./build/m365hunt scan --ip-ranges $(SIM_DEMO)/enrichment/ip-ranges.txt --geo-db $(SIM_DEMO)/enrichment/city.mmdb $(SIM_DEMO)/azmon $(SIM_DEMO)/entra $(SIM_DEMO)/purview $(SIM_DEMO)/sentinel $(SIM_DEMO)/ual

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

# Fuzzing (docs/robustness.md), clang + libFuzzer in build-fuzz/:
#   make fuzz TARGET=fuzz_reader_ual_json [SECONDS=30]   one target, on a working copy of its corpus
#   make fuzz-smoke [SECONDS=10]                         every target in turn (what CI runs)
# Working corpora and crash inputs stay in build-fuzz/fuzz-run/<target>/.
FUZZ_TARGETS = $(sort $(filter-out fuzz_common fuzz_replay,$(basename $(notdir $(wildcard fuzz/fuzz_*.c)))))
# The memory check is the RSS limit. One allocation may be larger: libarchive's 7-Zip reader
# sizes its tables from a header's counts (up to 100 million entries, 10.4 GB) before it reads
# them, memory never touched outside ASan's shadow (docs/robustness.md).
FUZZ_RUN_FLAGS = -rss_limit_mb=2048 -malloc_limit_mb=16384 -timeout=10 -jobs=1 -workers=1

.PHONY: fuzz-smoke fuzz-run

fuzz: deps
	@test -n "$(TARGET)" || { echo "usage: make fuzz TARGET=<target> [SECONDS=30]; targets: $(FUZZ_TARGETS)"; exit 2; }
	cmake --preset fuzz >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target $(TARGET)
	@$(MAKE) --no-print-directory fuzz-run TARGET=$(TARGET) SECONDS=$(or $(SECONDS),30)

fuzz-smoke: deps
	cmake --preset fuzz >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target $(FUZZ_TARGETS)
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  $(MAKE) --no-print-directory fuzz-run TARGET=$$t SECONDS=$(or $(SECONDS),10) || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz-smoke: FAILED:$$failed"; exit 1; fi; echo "fuzz-smoke: all targets clean"

# One run of an already built target (used by fuzz and fuzz-smoke). libFuzzer with -jobs=1 writes
# its output to fuzz-0.log in the working directory.
fuzz-run:
	@t="$(TARGET)"; run="build-fuzz/fuzz-run/$$t"; \
	test -x "build-fuzz/fuzz/$$t" || { echo "no fuzz target build-fuzz/fuzz/$$t"; exit 2; }; \
	mkdir -p "$$run/corpus" "$$run/artifacts"; rm -f "$$run/fuzz-0.log"; \
	if [ -d "fuzz/corpus/$$t" ]; then cp -Rn "fuzz/corpus/$$t/." "$$run/corpus/"; fi; \
	echo "== $$t: $(SECONDS)s on $$run/corpus"; \
	if (cd "$$run" && "../../fuzz/$$t" corpus -max_total_time=$(SECONDS) $(FUZZ_RUN_FLAGS) \
	    -artifact_prefix=artifacts/ >/dev/null 2>&1); then \
	  grep -E '^#[0-9]+' "$$run/fuzz-0.log" | tail -n 1; \
	else \
	  tail -n 60 "$$run/fuzz-0.log"; \
	  echo "$$t FAILED; the input is in $$run/artifacts/ (keep it: docs/robustness.md)"; \
	  ls -l "$$run/artifacts"; exit 1; \
	fi
bench:: ; bench/run.sh $(ARGS)  # make bench [ARGS="--sizes 1G,2G"]; '::' so it runs although bench/ exists
