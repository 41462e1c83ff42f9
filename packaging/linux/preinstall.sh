#!/bin/sh
# Runs before install and upgrade (deb preinst, rpm %pre).
# On upgrade, a running service is stopped here, before the new files land:
# the database allows one process at a time and postinstall opens it (to
# migrate the schema) before starting the service again.
set -e
upgrade=
case "$1" in
    upgrade) upgrade=1 ;;                              # deb: preinst upgrade OLD-VERSION
    [0-9]*) [ "$1" -ge 2 ] && upgrade=1 ;;             # rpm: $1 = instances after this one
esac
if [ -n "$upgrade" ] && [ -d /run/systemd/system ] && systemctl is-active --quiet cccd.service; then
    : >/run/cccd.restart-after-upgrade
    systemctl stop cccd.service
fi
exit 0
