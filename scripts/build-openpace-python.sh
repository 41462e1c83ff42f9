#!/usr/bin/env bash
# Builds OpenPACE's Python bindings (module eac, plus chat.py) that
# vsmartcard's German eID (nPA) emulator needs for PACE, from Debian 12's
# source package `openpace` against the installed libeac-dev, into
# $CCCD_OPENPACE (default /var/tmp/cccd-openpace). Debian ships the library
# but not the bindings.
#
# The source package is fetched with a deb-src line given to apt on the
# command line (a temporary sources file, lists and cache under the build
# directory): nothing under /etc changes. Idempotent: when the bindings of
# the installed libeac-dev version are built and load, it only says so.
# Needs libeac-dev, swig, python3-dev and gcc (make deps installs them).
set -euo pipefail
out=${CCCD_OPENPACE:-/var/tmp/cccd-openpace}
py=/usr/bin/python3 # Debian's: the emulator runs under it
mirror=${CCCD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${CCCD_DEBIAN_SUITE:-bookworm}

ver=$(dpkg-query -W -f='${Version}' libeac-dev 2>/dev/null) || { echo "openpace: libeac-dev not installed (make deps)" >&2; exit 1; }
for tool in swig gcc "$py"; do
  command -v "$tool" >/dev/null || { echo "openpace: $tool missing (make deps)" >&2; exit 1; }
done
loads() { (cd "$out" && "$py" -c 'import eac, chat; eac.EAC_init()') >/dev/null 2>&1; }
if [ "$(cat "$out/VERSION" 2>/dev/null)" = "$ver" ] && loads; then
  echo "openpace: Python bindings $ver present in $out"
  exit 0
fi

start=$(date +%s)
work="$out/.build"
rm -rf "$work"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$out"
echo "deb-src $mirror $suite main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq source --download-only "openpace=$ver")
orig=$(ls "$work"/openpace_*.orig.tar.* | head -1)
mkdir -p "$work/src"
tar -xf "$orig" -C "$work/src" --strip-components=1
bind="$work/src/bindings"
test -f "$bind/eac.i" -a -f "$bind/python/chat.py" || { echo "openpace: $orig has no bindings/python" >&2; exit 1; }

inc=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suffix=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
(cd "$bind" && swig -python -outdir "$work" -o "$work/eac_wrap.c" eac.i)
gcc -O1 -shared -fPIC -w -I"$inc" "$work/eac_wrap.c" $(pkg-config --cflags --libs libeac) -lcrypto -o "$work/_eac$suffix"
cp "$work/eac.py" "$work/_eac$suffix" "$bind/python/chat.py" "$out/"
echo "$ver" >"$out/VERSION"
rm -rf "$work"
loads || { echo "openpace: the built bindings in $out do not load" >&2; exit 1; }
echo "openpace: Python bindings $ver built in $out in $(($(date +%s) - start)) s"
