#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not yet
# installed. Fails loudly: a test run must never pass on a machine that lacks
# a component the tests rely on.
set -euo pipefail
missing=()
for p in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#} Debian packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: need root to install ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
for p in "${missing[@]}"; do
  dpkg-query -W -f='${Status}' "$p" | grep -q "install ok installed" || { echo "deps: $p failed to install" >&2; exit 1; }
done
