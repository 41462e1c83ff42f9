#!/usr/bin/env bash
# Starts the services the integration tests use when they are not running:
# pcscd (with the vpcd driver from vsmartcard-vpcd, which gives two virtual
# readers listening on 127.0.0.1:35963 and :35964). Tests that restart pcscd
# use the same command line (see reader/pcsc tests).
set -euo pipefail
test -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so || { echo "services: vpcd driver missing (vsmartcard-vpcd)" >&2; exit 1; }
if ! pidof pcscd >/dev/null; then
  mkdir -p /run/pcscd
  pcscd
fi
for i in $(seq 1 50); do
  [ -S /run/pcscd/pcscd.comm ] && break
  sleep 0.1
done
[ -S /run/pcscd/pcscd.comm ] || { echo "services: pcscd did not start" >&2; exit 1; }
echo "services: pcscd running (pid $(pidof pcscd))"
