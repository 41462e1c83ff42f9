#!/bin/sh
# Runs after install and upgrade (deb postinst configure, rpm %post).
# Creates the service user, the data directory, the database and the API
# token (kept on upgrade), enables the unit on first install, and starts it
# where systemd runs. In a chroot or container without systemd the unit is
# only enabled, so it starts at the next boot.
set -e
case "$1" in
    configure) upgrade=${2:+1} ;;                      # deb: configure [OLD-VERSION]
    [0-9]*) upgrade=; [ "$1" -ge 2 ] && upgrade=1 ;;   # rpm: $1 = instances installed
    *) exit 0 ;;                                       # deb abort-*: nothing was changed
esac

if ! getent group cccd >/dev/null; then
    groupadd --system cccd
fi
if ! getent passwd cccd >/dev/null; then
    # dialout: PN532 boards and QR scanners on USB serial ports.
    extra=
    getent group dialout >/dev/null && extra="--groups dialout"
    useradd --system --gid cccd $extra --home-dir /var/lib/cccd --no-create-home \
        --shell /usr/sbin/nologin --comment "cccd reception agent" cccd
fi
install -d -m 0700 -o cccd -g cccd /var/lib/cccd
# A data directory restored or copied by root must still belong to the service.
chown -R cccd:cccd /var/lib/cccd
# Creates cccd.db and api-token (0600) once, migrates the schema on upgrade.
runuser -u cccd -- /usr/bin/cccd serve --init --config /etc/cccd/config.json --data /var/lib/cccd

if command -v systemctl >/dev/null 2>&1; then
    if [ -z "$upgrade" ]; then
        # Works without a running systemd too (it only makes the symlink), so
        # an image built in a chroot starts cccd at its first boot.
        systemctl enable cccd.service ||
            echo "cccd: could not enable cccd.service; run: systemctl enable --now cccd" >&2
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        if [ -z "$upgrade" ] || [ -e /run/cccd.restart-after-upgrade ]; then
            rm -f /run/cccd.restart-after-upgrade
            systemctl start cccd.service
        fi
    fi
fi
if command -v udevadm >/dev/null 2>&1 && [ -S /run/udev/control ]; then
    udevadm control --reload-rules 2>/dev/null || true
    udevadm trigger --subsystem-match=tty --action=add 2>/dev/null || true
fi
exit 0
