# fallbackgate: two commands set everything up on a fresh machine.
#   make run    runs the full conformance gate against the built-in reference subject
#   make test   runs every test
GO      ?= go
BIN     := bin/fallbackgate
PKGS    := ./...
# Seed for the gate and properties; empty picks one and prints it.
SEED    ?=

.PHONY: run test build bench lint fuzz clean

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

clean:
	rm -rf bin
