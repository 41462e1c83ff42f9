//go:build !windows

package pcsc

import "os"

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
