# lorakit: `make run` opens the workbench, `make test` runs every test, `make bench` measures speed.
# Each target first installs the Debian packages it needs (scripts/install-deps.sh).

SWIFT ?= swift
RELEASE_BIN = .build/release/lorakit

.PHONY: deps build release run test bench clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The workbench (TUI) on the built-in model; ARGS passes arguments, e.g. ARGS=repl or ARGS="--theme light".
run: release
	$(RELEASE_BIN) $(ARGS)

test: deps
	$(SWIFT) test

bench: release
	$(RELEASE_BIN) bench gemm
	$(RELEASE_BIN) bench ops

clean:
	rm -rf .build
