package pcsc_test

import (
	"sync/atomic"
	"time"
)

// testATR is a contactless pseudo-ATR with no historical
// bytes: T0=80 TD1=80 TD2=01 (T=1), TCK=01.
var testATR = []byte{0x3B, 0x80, 0x80, 0x01, 0x01}

// Instructions testChip understands besides echo.
const (
	insHang  = 0xEE // sleeps for hang before answering 90 00
	insCount = 0xCC // answers the number of APDUs seen, as one byte
)

// testChip is a minimal sim.Chip for the PC/SC plumbing tests: it echoes
// the APDU back with 90 00, tags its answers with id and can be told to hang.
type testChip struct {
	id    byte
	hang  time.Duration
	apdus atomic.Int32
}

func (c *testChip) PowerOn() []byte { return testATR }
func (c *testChip) PowerOff()       {}

func (c *testChip) Process(cmd []byte) []byte {
	n := c.apdus.Add(1)
	switch cmd[1] {
	case insHang:
		time.Sleep(c.hang)
	case insCount:
		return []byte{c.id, byte(n), 0x90, 0x00}
	}
	return append([]byte{c.id}, append(append([]byte(nil), cmd...), 0x90, 0x00)...)
}
