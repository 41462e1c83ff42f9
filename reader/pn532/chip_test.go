package pn532_test

import "slices"

// testChip is a deterministic stand-in for sim.Chip:
//   - READ BINARY (B0) returns Le bytes (short Le 00 = 256, or extended
//     00 hi lo) of a pattern seeded by P2, then 90 00;
//   - ECHO (INS EE) returns its command data, then 90 00 (short or
//     extended Lc);
//   - anything else answers 6D 00.
type testChip struct {
	powered bool
	count   int
}

var testATR = []byte{0x3B, 0x88, 0x80, 0x01, 'C', 'C', 'C', 'D', 'T', 'E', 'S', 'T', 0x00}

func (c *testChip) PowerOn() []byte { c.powered = true; return slices.Clone(testATR) }
func (c *testChip) PowerOff()       { c.powered = false }

func (c *testChip) Process(apdu []byte) []byte {
	c.count++
	if len(apdu) < 4 {
		return []byte{0x67, 0x00}
	}
	body := apdu[4:]
	switch apdu[1] {
	case 0xB0:
		n := 0
		switch len(body) {
		case 1:
			n = int(body[0])
			if n == 0 {
				n = 256
			}
		case 3:
			n = int(body[1])<<8 | int(body[2])
			if n == 0 {
				n = 65536
			}
		default:
			return []byte{0x67, 0x00}
		}
		return append(pattern(n, apdu[3]), 0x90, 0x00)
	case 0xEE:
		var data []byte
		switch {
		case len(body) >= 1 && body[0] != 0 && len(body) >= 1+int(body[0]):
			data = body[1 : 1+int(body[0])]
		case len(body) >= 3 && body[0] == 0:
			n := int(body[1])<<8 | int(body[2])
			if len(body) < 3+n {
				return []byte{0x67, 0x00}
			}
			data = body[3 : 3+n]
		default:
			return []byte{0x67, 0x00}
		}
		return append(slices.Clone(data), 0x90, 0x00)
	}
	return []byte{0x6D, 0x00}
}

func pattern(n int, seed byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i*7) + seed
	}
	return out
}
