#!/bin/sh
# Runs after removal (deb postrm, rpm %postun). Removal keeps the data
# (roster, check-ins, API token), the configuration and the user, so a
# reinstall carries on where it stopped. `apt purge` (deb only) deletes them;
# on rpm systems delete /var/lib/cccd, /etc/cccd and the user by hand.
set -e
if [ "$1" = "purge" ]; then
    rm -rf /var/lib/cccd /etc/cccd
    if getent passwd cccd >/dev/null; then userdel cccd; fi
    if getent group cccd >/dev/null; then groupdel cccd; fi
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
if command -v udevadm >/dev/null 2>&1 && [ -S /run/udev/control ]; then
    udevadm control --reload-rules 2>/dev/null || true
fi
exit 0
