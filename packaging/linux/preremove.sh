#!/bin/sh
# Runs before removal (deb prerm remove, rpm %preun). An upgrade is handled
# by preinstall of the new package, so only a real removal stops and
# disables the service here.
set -e
case "$1" in
    remove|0) ;;
    *) exit 0 ;;
esac
if command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
        systemctl stop cccd.service || true
    fi
    systemctl disable cccd.service >/dev/null 2>&1 || true
fi
exit 0
