# cccd — build, demo and test. `make demo` and `make test` are the two commands
# of the README; `.ci/run` calls `make test`.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo none)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
BIN      := bin/cccd

# Debian packages the build and the tests need (Debian 12 names).
DEB_PACKAGES := pcscd libpcsclite-dev pkg-config vsmartcard-vpcd python3-virtualsmartcard chromium \
	python3-pycryptodome socat openssl nginx \
	nsis p7zip-full rpm osslsigncode systemd udev

# Fuzz time per target for `make fuzz`.
FUZZTIME ?= 30s

.PHONY: all deps build demo test test-unit fuzz bench vet clean dist dist-deps

all: build

deps:
	scripts/install-deps.sh $(DEB_PACKAGES)

build:
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/cccd

demo: build
	$(BIN) demo

# The whole suite against the real components: installs what is missing,
# starts pcscd, and makes every integration test fail (never skip) when a
# component is absent.
test: deps build
	scripts/start-services.sh
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	CCCD_INTEGRATION=1 CCCD_BIN=$(CURDIR)/$(BIN) CCCD_ARTIFACTS=$(CURDIR)/artifacts $(GO) test -count=1 -timeout 15m ./...

# Unit tests only: no Debian packages, no services; integration tests skip.
test-unit:
	$(GO) test ./...

# Runs every fuzz target for FUZZTIME each.
fuzz:
	scripts/fuzz-all.sh $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The Windows service and installer ship too: vet both targets.
vet:
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...

# Release artefacts with checksums in dist/: linux/amd64 and linux/arm64
# binaries, .deb and .rpm, the windows/amd64 binary and its NSIS installer
# (signed when CCCD_SIGN_CERT/CCCD_SIGN_KEY are set). DIST_TARGETS narrows it,
# e.g. `make dist DIST_TARGETS="linux/amd64 windows/amd64"`. linux/arm64 needs
# the cross toolchain of `make dist-deps`. The package tests in packaging/
# (run by `make test`) build, install, upgrade and purge the .deb.
DIST_TARGETS ?= linux/amd64 linux/arm64 windows/amd64
dist:
	VERSION='$(VERSION)' COMMIT='$(COMMIT)' DATE='$(DATE)' GO='$(GO)' scripts/dist.sh $(DIST_TARGETS)

# Cross toolchain for `make dist` (root, Debian 12): nsis, gcc-aarch64-linux-gnu,
# libpcsclite-dev:arm64 (adds the arm64 architecture), qemu-user, nfpm.
dist-deps:
	scripts/dist.sh deps

clean:
	rm -rf bin dist
