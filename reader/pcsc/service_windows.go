//go:build windows

package pcsc

// serviceHint says how to start the PC/SC service on this OS. Windows 8 and
// later stop it when the last reader is unplugged.
const serviceHint = "the Smart Card service is not running: plug in a reader or run `sc start SCardSvr`"

// ServiceSocket is empty on Windows: the service is reached through
// winscard.dll, not a socket.
func ServiceSocket() string { return "" }

// libraryName names the PC/SC client library the binary uses.
func libraryName() string { return "winscard.dll" }

// serviceProcess cannot tell on Windows: SCardSvr lives inside svchost.
func serviceProcess() (running, known bool) { return false, false }
