# cccd — build, demo and test. `make demo` and `make test` are the two commands
# of the README; `.ci/run` calls `make test`.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo none)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
BIN      := bin/cccd

# Debian packages (Debian 12 names). `make deps`: what building and running
# need (the cgo PC/SC headers, pkg-config, the smart-card service).
# `make test-deps`: those plus what the tests and the release packaging need
# (the virtual reader and its emulator, Chromium, nginx, socat, openssl; the
# installer, rpm and signing tools the packaging tests run; systemd and udev
# for the .deb tests).
DEPS_PACKAGES := pcscd libpcsclite-dev pkg-config
TEST_DEPS_PACKAGES := $(DEPS_PACKAGES) vsmartcard-vpcd python3-virtualsmartcard chromium \
	python3-pycryptodome socat openssl nginx \
	nsis p7zip-full rpm osslsigncode systemd udev \
	libeac-dev swig python3-dev gcc xz-utils

# Fuzz time per target for `make fuzz`.
FUZZTIME ?= 30s

# Packages with goroutines of their own: `make test` runs their tests under
# the race detector (and the others without it, so nothing runs twice).
RACE_PKGS  = $(shell $(GO) list ./checkin/... ./api/... ./sync/... ./cache/... ./reader/...)
PLAIN_PKGS = $(filter-out $(RACE_PKGS),$(shell $(GO) list ./...))

# Clock shifts of `make test-timetravel`: +400 days and +10 years.
TIMETRAVEL_SHIFTS ?= 400d 3653d

# OpenPACE's Python bindings for vsmartcard's nPA (German eID) emulator, the
# independent PACE card of the integration tests (scripts/build-openpace-python.sh).
export CCCD_OPENPACE ?= /var/tmp/cccd-openpace

INTEGRATION_ENV = CCCD_INTEGRATION=1 CCCD_ARTIFACTS=$(CURDIR)/artifacts

.PHONY: all deps test-deps build demo test test-unit test-timetravel lint race cover fuzz bench vet clean dist dist-deps

all: build

deps:
	scripts/install-deps.sh $(DEPS_PACKAGES)

# Beyond the Debian packages, the integration tests need OpenPACE's Python
# bindings, built from Debian's openpace source package (seconds; a no-op
# when built).
test-deps:
	scripts/install-deps.sh $(TEST_DEPS_PACKAGES)
	scripts/build-openpace-python.sh

build:
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/cccd

demo: build
	$(BIN) demo

# The whole suite against the real components: installs what is missing,
# starts pcscd, lints, and makes every integration test fail (never skip)
# when a component is absent. The concurrent packages run under -race.
test: test-deps build lint
	scripts/start-services.sh
	$(INTEGRATION_ENV) CCCD_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 15m $(PLAIN_PKGS)
	$(INTEGRATION_ENV) CCCD_BIN=$(CURDIR)/$(BIN) $(GO) test -race -count=1 -timeout 15m $(RACE_PKGS)

# The suite with the program's clock moved forward (internal/clock): the test
# processes and every binary they start are built with the cccd_timetravel
# tag and read CCCD_CLOCK_SHIFT. Tests must pass on any day, not just today.
test-timetravel: test-deps
	CGO_ENABLED=1 $(GO) build -tags cccd_timetravel -o bin/cccd-timetravel ./cmd/cccd
	scripts/start-services.sh
	set -e; for shift in $(TIMETRAVEL_SHIFTS); do \
		echo "== clock shifted by $$shift"; \
		CCCD_CLOCK_SHIFT=$$shift $(INTEGRATION_ENV) CCCD_BIN=$(CURDIR)/bin/cccd-timetravel \
			$(GO) test -tags cccd_timetravel -count=1 -timeout 15m ./...; \
	done

# gofmt, go vet for Linux and Windows, staticcheck (pinned in go.mod's tool
# directive; justified exceptions in the staticcheck.conf files).
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	$(GO) vet -tags cccd_timetravel ./internal/clock/
	$(GO) tool staticcheck ./...

# The concurrent packages under the race detector, with the real components.
race: test-deps build
	scripts/start-services.sh
	$(INTEGRATION_ENV) CCCD_BIN=$(CURDIR)/$(BIN) $(GO) test -race -count=1 -timeout 15m $(RACE_PKGS)

# Statement coverage per package (unit tests; add CCCD_INTEGRATION=1 after
# `make test-deps` and scripts/start-services.sh for the integration paths).
cover:
	$(GO) test -count=1 -cover ./... | sed -nE 's/^(ok +)?[[:space:]]*(github[^[:space:]]+)[[:space:]].*coverage: ([^ ]+( statements)?|[0-9.]+%).*/\2 \3/p' | awk '{ printf "%-55s %s\n", $$1, $$2 }'

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
