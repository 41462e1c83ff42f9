//go:build !linux

package sim

import "net"

// quickAck is Linux-only (TCP_QUICKACK); elsewhere vpcd runs at the
// platform's delayed-ACK pace.
func quickAck(net.Conn) {}
