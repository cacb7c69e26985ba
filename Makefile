# edgescore — see README.md. `make test` is what CI runs.
GO       ?= go
PY       ?= /usr/bin/python3
OUT      ?= out
WASM     := $(OUT)/edgescore.wasm
PKGS     := ./...

.PHONY: all build wasm test test-short race bench bench-wasm fuzz fixtures run lint format check clean

all: build

build: wasm
	$(GO) build -o $(OUT)/edgescore ./cmd/edgescore

# The guest module: wasip1 reactor (no _start), stripped.
wasm:
	@mkdir -p $(OUT)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $(WASM) ./wasm/guest
	@printf 'wasm module: %s bytes raw, %s bytes gzip\n' $$(wc -c < $(WASM)) $$(gzip -9c $(WASM) | wc -c)

# Everything CI checks: formatting, vet, the module built for wasip1, the
# whole test suite (host tests load the freshly built module), the race
# detector on the concurrent packages, and the JS host's tests.
test: wasm
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)
	EDGESCORE_WASM=$(abspath $(WASM)) $(GO) test -count=1 $(PKGS)
	EDGESCORE_WASM=$(abspath $(WASM)) $(GO) test -count=1 -race -short $(RACE_PKGS)
	$(JS_TEST)

RACE_PKGS ?= $(shell $(GO) list ./host/... ./controlplane/... 2>/dev/null)
JS_TEST   ?= $(if $(wildcard host/js/package.json),cd host/js && node --test,@true)

bench: wasm
	EDGESCORE_WASM=$(abspath $(WASM)) $(GO) test -run='^$$' -bench=. -benchmem -count=1 $(PKGS)

# The core's benchmarks compiled to wasip1 and run under wazero
# (build/wasirun, which the go command finds on PATH as
# go_wasip1_wasm_exec): the same code and inputs as `make bench` runs
# natively, so the two can be compared line by line.
bench-wasm:
	@mkdir -p $(OUT)
	$(GO) build -o $(OUT)/go_wasip1_wasm_exec ./build/wasirun
	PATH=$(abspath $(OUT)):$$PATH GOOS=wasip1 GOARCH=wasm $(GO) test -run='^$$' -bench=. -benchmem -count=1 ./module/...

# Short fuzzing passes over every decoder (longer: FUZZTIME=5m make fuzz).
FUZZTIME ?= 20s
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./module/bundle/
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./module/xgboost/
	$(GO) test -run='^$$' -fuzz='^FuzzCompile$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./module/rule/
	$(GO) test -run='^$$' -fuzz='^FuzzParseNumber$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./module/rule/
	$(GO) test -run='^$$' -fuzz='^FuzzString$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./module/internal/quote/
	$(GO) test -run='^$$' -fuzz='^FuzzAppendString$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./module/jsonform/
	$(GO) test -run='^$$' -fuzz='^FuzzUnmarshal$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./internal/strictjson/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeContext$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./wasm/abi/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeDecision$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./wasm/abi/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeNames$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./wasm/abi/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeProfile$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./host/edge/profile/
	$(GO) test -run='^$$' -fuzz='^FuzzIngest$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./controlplane/
	$(GO) test -run='^$$' -fuzz='^FuzzModule$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./host/internal/instrument/

# Regenerate golden files and the reference bundle (needs python3-xgboost,
# python3-sklearn, python3-scipy from Debian; see .ci/run).
fixtures:
	$(PY) module/experiment/testdata/hash_golden.py > module/experiment/golden_test.go
	$(PY) module/xgboost/testdata/gen_fixtures.py
	$(MAKE) -C build/refbundle PY=$(PY) GO=$(GO)

run: build
	$(OUT)/edgescore demo

format:
	gofmt -w $$(git ls-files '*.go')

lint:
	$(GO) vet $(PKGS)

check: test
	$(GO) mod tidy && git diff --exit-code go.mod go.sum

clean:
	rm -rf $(OUT)
