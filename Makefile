# adam-bench: `make run` builds in release mode, fetches MNIST if needed and runs Figure 1 (left);
# `make test` runs the whole test suite. Both work on a fresh clone with the Swift toolchain.

SWIFT ?= swift
ARCH := $(shell uname -m)

# The kernels use explicit SIMD types; they become wide vector code only when the compiler may
# target the CPU it runs on. PORTABLE=1 builds for the baseline of the architecture instead
# (x86-64: haswell = AVX2 + FMA, any x86-64 CPU since 2013; arm64: the generic Armv8 target).
# On a CPU with AVX-512 the native build also defines AVX512, which selects the GEMM register
# plan for 32 registers of 16 floats (Sources/Kernels/Gemm+MicroKernel.swift); both plans give
# the same bits.
ifeq ($(PORTABLE),1)
  ifeq ($(ARCH),x86_64)
    CPU_FLAGS := -Xcc -march=haswell -Xswiftc -target-cpu -Xswiftc haswell
  else
    CPU_FLAGS :=
  endif
else
  ifeq ($(ARCH),x86_64)
    CPU_FLAGS := -Xcc -march=native -Xswiftc -target-cpu -Xswiftc native
    ifneq ($(shell grep -m1 -ow avx512f /proc/cpuinfo 2>/dev/null),)
      CPU_FLAGS += -Xswiftc -DAVX512
    endif
  else ifeq ($(ARCH),aarch64)
    CPU_FLAGS := -Xcc -mcpu=native -Xswiftc -target-cpu -Xswiftc native
  else ifeq ($(ARCH),arm64)
    CPU_FLAGS := -Xcc -mcpu=native -Xswiftc -target-cpu -Xswiftc native
  endif
endif

RELEASE := $(SWIFT) build -c release $(CPU_FLAGS)
BIN = $(shell $(RELEASE) --show-bin-path)/adam-bench

.PHONY: build run test test-slurm report check-golden update-golden data bench print-flags clean

build:
	$(RELEASE)

run: build data
	$(BIN) run configs/mnist-logreg.json

test:
	$(SWIFT) build --build-tests $(CPU_FLAGS)
	$(SWIFT) test --skip-build $(CPU_FLAGS)

# scripts/sweep.sbatch on a one-node Slurm cluster started here (installs slurm-wlm and munge
# as root when missing; skips without root or apt). CI runs it after `make test`.
test-slurm: build
	BIN=$(BIN) scripts/slurm-local.sh

# The reproduction report (adam-bench report) of the committed figure results: docs/report.md,
# and the same text between the report markers of README.md; plots as docs/report-NAME.svg. A
# figure still running is reported from its progress folder (collect --partial: NAME-partial)
# until its results are merged.
progress_or_results = $(patsubst %/manifest.json,%,$(firstword $(wildcard $(1)/manifest.json $(1)-partial/manifest.json)))
REPORT_DIRS = results/paper/figure1-left/mnist-logreg results/paper/figure1-right/imdb-logreg \
              results/paper/figure2b/mnist-mlp-sfo \
              $(call progress_or_results,results/paper/figure2a/mnist-mlp-dropout) \
              $(call progress_or_results,results/paper/figure3/cifar10-cnn) \
              $(call progress_or_results,results/paper/figure4/vae-bias-correction)
report: build
	$(BIN) report $(REPORT_DIRS) -o docs/report.md
	$(BIN) report $(REPORT_DIRS) -o README.md --images docs

# Golden curves are part of `make test`; these run them alone, or regenerate them on purpose.
check-golden:
	$(SWIFT) build --build-tests $(CPU_FLAGS)
	$(SWIFT) test --skip-build $(CPU_FLAGS) --filter goldenCurvesMatch

update-golden:
	$(SWIFT) build --build-tests $(CPU_FLAGS)
	UPDATE_GOLDEN=1 $(SWIFT) test --skip-build $(CPU_FLAGS) --filter goldenCurvesMatch
	git status --short results/golden

data:
	scripts/fetch-data.sh data

bench: build
	$(BIN) bench train configs/mnist-logreg.json

print-flags:
	@echo $(CPU_FLAGS)

clean:
	rm -rf .build
