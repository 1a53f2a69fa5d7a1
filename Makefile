# fallbackgate: two commands set everything up on a fresh machine.
#   make run    runs the full conformance gate against the built-in reference subject
#   make test   runs every test
GO      ?= go
BIN     := bin/fallbackgate
PKGS    := ./...
# Seed for the gate and properties; empty picks one and prints it.
SEED    ?=

# make dist: static release binaries (CGO_ENABLED=0) for every platform,
# with their SHA-256 checksums, in $(DIST). VERSION is what `fallbackgate
# version` prints ahead of the build info's revision.
DIST      ?= dist
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)

.PHONY: run test build bench lint fuzz clean dist

build:
	$(GO) build -o $(BIN) ./cmd/fallbackgate

run: build
	./$(BIN) run --mutate --report-dir reports-out $(if $(SEED),--seed $(SEED))

test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParseConfig -fuzztime=30s ./resolver
	$(GO) test -run='^$$' -fuzz=FuzzEntryUnmarshalJSON -fuzztime=30s ./resolver

dist:
	rm -rf $(DIST) && mkdir -p $(DIST)
	set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; \
		echo "dist: $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath \
			-ldflags '-s -w -X github.com/fallbackgate/fallbackgate/cmd/fallbackgate/cli.Version=$(VERSION)' \
			-o $(DIST)/fallbackgate-$$os-$$arch ./cmd/fallbackgate; \
	done
	cd $(DIST) && if command -v sha256sum >/dev/null; then sha256sum fallbackgate-*; else shasum -a 256 fallbackgate-*; fi > SHA256SUMS
	@echo "dist: $$(ls $(DIST) | wc -l | tr -d ' ') files in $(DIST)/, checksums in $(DIST)/SHA256SUMS"

clean:
	rm -rf bin $(DIST)
