//go:build !windows

package pcsc

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/ebfe/scard"
)

// serviceHint says how to start the PC/SC service on this OS.
const serviceHint = "pcscd is not running: start it with `systemctl start pcscd` or `pcscd`"

// ServiceSocket is the path of pcscd's client socket, honouring
// PCSCLITE_CSOCK_NAME as libpcsclite does. Empty where there is none.
func ServiceSocket() string {
	if p := os.Getenv("PCSCLITE_CSOCK_NAME"); p != "" {
		return p
	}
	return "/run/pcscd/pcscd.comm"
}

// libraryName names the PC/SC client library the binary uses.
func libraryName() string { return "libpcsclite " + scard.Version() }

// serviceProcess reports whether a pcscd process runs; known is false
// where /proc cannot tell (macOS, where PC/SC is part of the system).
func serviceProcess() (running, known bool) {
	comms, err := filepath.Glob("/proc/[0-9]*/comm")
	if err != nil || len(comms) == 0 {
		return false, false
	}
	for _, p := range comms {
		b, err := os.ReadFile(p)
		if err == nil && strings.TrimSpace(string(b)) == "pcscd" {
			return true, true
		}
	}
	return false, true
}
