// Package packaging holds no Go code of its own: it is the home of the
// installable packages' sources (linux/: systemd unit, nfpm config for the
// .deb and .rpm, maintainer scripts, polkit and udev rules; windows/: the
// NSIS installer and its service scripts) and of the tests that build them
// with scripts/dist.sh, install the .deb on the test machine, and take the
// Windows installer apart.
//
// The tests change the machine (they install cccd, create the user cccd,
// /var/lib/cccd and /etc/cccd), so they run only under `make test`
// (CCCD_INTEGRATION=1), as root, and purge everything they installed even
// when they fail. They refuse to run where cccd is already installed.
package packaging
