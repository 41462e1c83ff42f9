#!/usr/bin/env bash
# Builds the release artefacts of cccd into $DIST (default dist/), with one
# version/commit/date stamp for all of them, and writes SHA256SUMS:
#   cccd-VERSION-linux-amd64, cccd-VERSION-linux-arm64   binaries (cgo, PC/SC)
#   cccd-VERSION-windows-amd64.exe                        binary (no cgo)
#   cccd_PKGVER_amd64.deb, cccd_PKGVER_arm64.deb          Debian/Ubuntu packages
#   cccd-PKGVER-1.x86_64.rpm, cccd-PKGVER-1.aarch64.rpm   Fedora/RHEL packages
#   cccd-VERSION-setup.exe                                NSIS installer
#   config.linux.json, config.windows.json                the packaged default config
#
# Usage: scripts/dist.sh [TARGET...]   TARGET: linux/amd64 linux/arm64 windows/amd64 (default: all)
#        scripts/dist.sh deps          install the cross toolchain (root, Debian 12)
#        scripts/dist.sh pkg-version V print the package version made of VERSION V
# Environment:
#   VERSION COMMIT DATE  the stamp (default: as the Makefile computes it)
#   PKG_VERSION          the .deb/.rpm version (default: derived from VERSION, see pkg_version)
#   DIST                 output directory (default: dist)
#   GO                   the go command (default: go)
#   CCCD_SIGN_CERT, CCCD_SIGN_KEY   PEM certificate (chain) and private key: sign cccd.exe and
#                        the installer with osslsigncode (Authenticode); unset = unsigned
#   CCCD_SIGN_PASS_FILE  file holding the key's passphrase (optional)
#   CCCD_SIGN_TIMESTAMP  RFC 3161 timestamp URL (optional; needs the network)
#   CCCD_SIGN_CAFILE     CA bundle to verify the signatures against after signing (optional)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

NFPM_VERSION=v2.45.2
GO=${GO:-go}
DIST=${DIST:-dist}
ALL_TARGETS=(linux/amd64 linux/arm64 windows/amd64)
ARM64_PKGCONFIG=/usr/lib/aarch64-linux-gnu/pkgconfig

die() { echo "dist: $*" >&2; exit 1; }
log() { echo "dist: $*" >&2; }

# install_deps installs what the cross builds need on Debian 12: the nsis
# compiler, the arm64 C cross compiler, libpcsclite-dev for arm64
# (multiarch) and qemu-user to run the arm64 build's `cccd version`. It
# changes the machine, so it only runs when asked.
install_deps() {
  [ "$(id -u)" -eq 0 ] || die "deps: run as root (it adds the arm64 architecture and installs packages)"
  export DEBIAN_FRONTEND=noninteractive
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nsis osslsigncode gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
    libpcsclite-dev:arm64 qemu-user
  ensure_nfpm >/dev/null
}

# ensure_nfpm prints the path of nfpm, installing the pinned version into
# GOBIN (or GOPATH/bin) when it is missing.
ensure_nfpm() {
  local gobin
  gobin=$($GO env GOBIN)
  [ -n "$gobin" ] || gobin="$($GO env GOPATH)/bin"
  if [ -n "${NFPM:-}" ]; then echo "$NFPM"; return; fi
  if [ -x "$gobin/nfpm" ] && $GO version -m "$gobin/nfpm" 2>/dev/null | grep -q "nfpm/v2[[:space:]]*$NFPM_VERSION"; then
    echo "$gobin/nfpm"; return
  fi
  log "installing nfpm $NFPM_VERSION into $gobin (about a minute)"
  GOFLAGS= $GO install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION" >&2 || die "cannot install nfpm $NFPM_VERSION"
  echo "$gobin/nfpm"
}

# pkg_version maps VERSION (git describe) to a version dpkg and rpm order
# correctly: v1.2.3 → 1.2.3; v1.3.0-rc.1 → 1.3.0~rc.1 (before 1.3.0);
# v1.2.3-4-gabc1234[-dirty] → 1.2.3+4.gabc1234[.dirty] (after 1.2.3); an
# untagged tree (abc1234[-dirty]) → 0.0.0+gitYYYYMMDDHHMMSS.abc1234[.dirty],
# ordered by commit time.
pkg_version() {
  local v=${1#v} dirty= n= h= base pre meta=()
  if [[ $v == *-dirty ]]; then dirty=1; v=${v%-dirty}; fi
  if [[ $v =~ ^(.+)-([0-9]+)-g([0-9a-f]+)$ ]]; then
    v=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} h=${BASH_REMATCH[3]}
  fi
  if [[ $v =~ ^[0-9]+(\.[0-9]+)*(-[0-9A-Za-z.]+)?$ ]]; then
    base=${v%%-*}
    pre=${v#"$base"}
    pre=${pre#-}
    [ -n "$n" ] && meta+=("$n" "g$h")
    [ -n "$dirty" ] && meta+=(dirty)
    local IFS=.
    echo "$base${pre:+~$pre}${meta[*]:++${meta[*]}}"
    return
  fi
  local ts
  ts=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S 2>/dev/null || echo 0)
  meta=("git$ts" "$(printf %s "$v" | tr -c 'A-Za-z0-9.' '.')")
  [ -n "$dirty" ] && meta+=(dirty)
  local IFS=.
  echo "0.0.0+${meta[*]}"
}

# numeric_version is the N.N.N.N form Windows file properties need.
numeric_version() {
  local digits
  digits=$(printf %s "$1" | grep -oE '^[0-9]+(\.[0-9]+)*' || echo 0)
  IFS=. read -r a b c d _ <<<"$digits.0.0.0.0"
  echo "$((10#$a % 65536)).$((10#$b % 65536)).$((10#$c % 65536)).$((10#$d % 65536))"
}

# build GOOS GOARCH OUT: one binary with the common stamp.
build() {
  local goos=$1 goarch=$2 out=$3 env=()
  case "$goos/$goarch" in
    windows/*) env=(CGO_ENABLED=0) ;;
    linux/"$HOST_ARCH") env=(CGO_ENABLED=1) ;;
    linux/arm64)
      command -v aarch64-linux-gnu-gcc >/dev/null ||
        die "linux/arm64 needs the C cross compiler: run 'sudo scripts/dist.sh deps' (gcc-aarch64-linux-gnu), or leave linux/arm64 out of the targets"
      [ -f "$ARM64_PKGCONFIG/libpcsclite.pc" ] ||
        die "linux/arm64 needs libpcsclite-dev:arm64 (multiarch): run 'sudo scripts/dist.sh deps', or leave linux/arm64 out of the targets"
      env=(CGO_ENABLED=1 CC=aarch64-linux-gnu-gcc PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$ARM64_PKGCONFIG:/usr/share/pkgconfig") ;;
    *) die "unsupported target $goos/$goarch (supported: ${ALL_TARGETS[*]})" ;;
  esac
  log "building $goos/$goarch"
  # GOFLAGS is cleared so no build tag from the environment reaches a release:
  # above all not cccd_timetravel, the test build whose clock can be shifted.
  env GOFLAGS= GOOS="$goos" GOARCH="$goarch" "${env[@]}" $GO build -trimpath -ldflags "$LDFLAGS" -o "$out" ./cmd/cccd
  if $GO version -m "$out" | grep -q cccd_timetravel; then
    die "$out was built with the cccd_timetravel tag: a release never honours a clock shift"
  fi
}

# sign IN OUT: Authenticode with osslsigncode when a certificate is configured.
sign() {
  local in=$1 out=$2 args=()
  [ -f "$CCCD_SIGN_CERT" ] || die "CCCD_SIGN_CERT=$CCCD_SIGN_CERT: no such file"
  [ -f "$CCCD_SIGN_KEY" ] || die "CCCD_SIGN_KEY=$CCCD_SIGN_KEY: no such file"
  [ -n "${CCCD_SIGN_PASS_FILE:-}" ] && args+=(-readpass "$CCCD_SIGN_PASS_FILE")
  [ -n "${CCCD_SIGN_TIMESTAMP:-}" ] && args+=(-ts "$CCCD_SIGN_TIMESTAMP")
  osslsigncode sign -certs "$CCCD_SIGN_CERT" -key "$CCCD_SIGN_KEY" "${args[@]}" \
    -h sha256 -n "cccd reception agent" -i "https://github.com/cccd-agent/cccd" \
    -in "$in" -out "$out" >&2 || die "osslsigncode could not sign $(basename "$in")"
  if [ -n "${CCCD_SIGN_CAFILE:-}" ]; then
    osslsigncode verify -CAfile "$CCCD_SIGN_CAFILE" -in "$out" >/dev/null || die "signature of $(basename "$out") does not verify against $CCCD_SIGN_CAFILE"
  fi
}

case "${1:-}" in
  deps) install_deps; exit 0 ;;
  pkg-version) pkg_version "${2:?usage: dist.sh pkg-version VERSION}"; exit 0 ;;
esac

# A release is built for the real clock only: refuse a request for the test
# build with the shiftable clock (see internal/clock) before anything else.
case " ${GOFLAGS:-} " in
  *cccd_timetravel*) die "GOFLAGS asks for the cccd_timetravel tag: release builds never honour a clock shift" ;;
esac

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
COMMIT=${COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo none)}
DATE=${DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
PKG_VERSION=${PKG_VERSION:-$(pkg_version "$VERSION")}
LDFLAGS="-s -w -X main.version=$VERSION -X main.commit=$COMMIT -X main.date=$DATE"
HOST_ARCH=$($GO env GOHOSTARCH)
[ "$($GO env GOHOSTOS)" = linux ] || die "dist builds on Linux (the packages need cgo for PC/SC)"
[[ $VERSION =~ ^[0-9A-Za-z.+~_-]+$ ]] || die "VERSION=$VERSION: use letters, digits and . + ~ _ - only"
SIGN=
if [ -n "${CCCD_SIGN_CERT:-}${CCCD_SIGN_KEY:-}" ]; then
  [ -n "${CCCD_SIGN_CERT:-}" ] && [ -n "${CCCD_SIGN_KEY:-}" ] || die "set both CCCD_SIGN_CERT and CCCD_SIGN_KEY, or neither"
  command -v osslsigncode >/dev/null || die "signing needs osslsigncode (apt-get install osslsigncode)"
  SIGN=1
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
  case " ${ALL_TARGETS[*]} " in *" $t "*) ;; *) die "unknown target $t (supported: ${ALL_TARGETS[*]})" ;; esac
  # Fail before building anything when a tool is missing.
  case "$t" in windows/*) command -v makensis >/dev/null || die "windows/amd64 needs makensis: apt-get install nsis" ;; esac
done

# step numbers the steps, on a terminal only: a log CI keeps stays as it was.
STEPS=$((${#targets[@]} + 2)) STEP=0
step() {
  STEP=$((STEP + 1))
  if [ -t 2 ]; then printf 'dist: [%d/%d] %s\n' "$STEP" "$STEPS" "$*" >&2; fi
}

mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)
rm -f "$DIST"/cccd-* "$DIST"/cccd_* "$DIST"/config.*.json "$DIST"/SHA256SUMS
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The packaged configuration is `cccd serve --print-config` of this very
# source, so it never drifts from the config package's defaults.
step "host build (linux/$HOST_ARCH) and the packaged configurations"
build linux "$HOST_ARCH" "$WORK/cccd-host"
echo '{"data_dir": "/var/lib/cccd"}' >"$WORK/linux-overlay.json"
"$WORK/cccd-host" serve --print-config --config "$WORK/linux-overlay.json" >"$DIST/config.linux.json"
"$WORK/cccd-host" serve --print-config >"$DIST/config.windows.json"

NFPM_BIN=
for t in "${targets[@]}"; do
  goos=${t%/*} goarch=${t#*/}
  step "$t"
  case "$goos" in
    linux)
      bin="$DIST/cccd-$VERSION-linux-$goarch"
      if [ "$goarch" = "$HOST_ARCH" ]; then cp "$WORK/cccd-host" "$bin"; else build linux "$goarch" "$bin"; fi
      [ -n "$NFPM_BIN" ] || NFPM_BIN=$(ensure_nfpm)
      rpmarch=$goarch
      case "$goarch" in amd64) rpmarch=x86_64 ;; arm64) rpmarch=aarch64 ;; esac
      for p in deb rpm; do
        if [ $p = deb ]; then out="$DIST/cccd_${PKG_VERSION}_${goarch}.deb"; else out="$DIST/cccd-${PKG_VERSION}-1.${rpmarch}.rpm"; fi
        log "packaging $(basename "$out")"
        PKG_VERSION=$PKG_VERSION PKG_ARCH=$goarch CCCD_BIN=$bin CCCD_CONFIG=$DIST/config.linux.json \
          "$NFPM_BIN" package --config packaging/linux/nfpm.yaml --packager $p --target "$out" >&2
      done
      ;;
    windows)
      exe="$DIST/cccd-$VERSION-windows-$goarch.exe"
      build windows "$goarch" "$WORK/cccd.exe"
      if [ -n "$SIGN" ]; then sign "$WORK/cccd.exe" "$exe"; else cp "$WORK/cccd.exe" "$exe"; fi
      setup="$DIST/cccd-$VERSION-setup.exe"
      log "building $(basename "$setup") with makensis"
      makensis -V2 -DVERSION="$VERSION" -DVERSION_NUM="$(numeric_version "$PKG_VERSION")" \
        -DEXE="$exe" -DCONFIG="$DIST/config.windows.json" -DREADME="$ROOT/README.md" \
        -DOUTFILE="$WORK/$(basename "$setup")" packaging/windows/cccd.nsi >&2 ||
        die "makensis failed"
      if [ -n "$SIGN" ]; then sign "$WORK/$(basename "$setup")" "$setup"; else cp "$WORK/$(basename "$setup")" "$setup"; fi
      ;;
  esac
done

step "checking the version stamps, writing SHA256SUMS"
# Every binary must carry the one stamp, and the Linux ones must say it:
# the host's natively, arm64's under qemu-user with the multiarch libraries.
want="cccd $VERSION (commit $COMMIT, built $DATE, linux/$HOST_ARCH)"
[ "$("$WORK/cccd-host" version)" = "$want" ] || die "cccd version of the host build is not: $want"
arm64bin="$DIST/cccd-$VERSION-linux-arm64"
if [ -e "$arm64bin" ] && [ "$HOST_ARCH" != arm64 ]; then
  command -v qemu-aarch64 >/dev/null || die "checking the linux/arm64 build needs qemu-aarch64: run 'sudo scripts/dist.sh deps' (qemu-user)"
  want="cccd $VERSION (commit $COMMIT, built $DATE, linux/arm64)"
  [ "$(qemu-aarch64 -L / "$arm64bin" version)" = "$want" ] || die "cccd version of the linux/arm64 build is not: $want"
fi
for f in "$DIST"/cccd-"$VERSION"-linux-* "$DIST"/cccd-"$VERSION"-windows-*.exe; do
  [ -e "$f" ] || continue
  for s in "$VERSION" "$COMMIT" "$DATE"; do
    grep -aqF -- "$s" "$f" || die "$(basename "$f") lacks the stamp $s"
  done
done

(cd "$DIST" && shopt -s nullglob && sha256sum -- cccd-* cccd_* config.*.json >SHA256SUMS)
[ -s "$DIST/SHA256SUMS" ] || die "no artefacts written"
log "version $VERSION (package $PKG_VERSION), commit $COMMIT, in $DIST:"
(cd "$DIST" && shopt -s nullglob && ls -l -- cccd-* cccd_* | awk '{print "  " $5 "\t" $9}') >&2
