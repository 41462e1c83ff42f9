#!/usr/bin/env bash
# Starts the services the integration tests use when they are not running:
# pcscd (with the vpcd driver from vsmartcard-vpcd, which gives two virtual
# readers, "Virtual PCD 00 00" and "Virtual PCD 00 01", whose cards connect
# to 127.0.0.1:35963 and :35964). pcscd is started directly, without
# --auto-exit (socket activation would stop it 60 s after the last client and
# take the vpcd cards with it). Tests that restart pcscd (reader/pcsc,
# cmd/cccd doctor) do it under testenv.LockVPCD with internal/testkit/vicc.
set -euo pipefail
test -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so || { echo "services: vpcd driver missing (vsmartcard-vpcd)" >&2; exit 1; }
if ! pidof pcscd >/dev/null; then
  mkdir -p /run/pcscd
  # A socket left by a pcscd that died would look ready below.
  rm -f /run/pcscd/pcscd.comm
  # Detach from our stdio and extra descriptors (a lock held by the caller
  # must not live on in the daemon).
  pcscd </dev/null >/dev/null 2>&1 9>&- 8>&- 7>&- 6>&- 5>&- 4>&- 3>&-
fi
for _ in $(seq 1 50); do
  [ -S /run/pcscd/pcscd.comm ] && pidof pcscd >/dev/null && break
  sleep 0.1
done
[ -S /run/pcscd/pcscd.comm ] && pidof pcscd >/dev/null || { echo "services: pcscd did not start" >&2; exit 1; }
echo "services: pcscd running (pid $(pidof pcscd))"
