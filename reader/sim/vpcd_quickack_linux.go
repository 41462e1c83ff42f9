package sim

import (
	"net"
	"syscall"
)

// quickAck puts the connection in TCP quick-ACK mode for the next read.
// Without it every APDU through vpcd waits out a delayed ACK: about 48 ms
// per APDU against 0.15 ms with it (BenchmarkTransmit in reader/pcsc).
// Linux leaves quick-ACK mode on its own, so it is set before every read.
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
