package icao

import (
	"errors"
	"fmt"
)

// Limits of ISO/IEC 7816-4 length fields.
const (
	MaxShortNe    = 256   // Le = 00 in a short APDU
	MaxExtendedNe = 65536 // Le = 00 00 in an extended APDU
	maxShortNc    = 255
	maxExtendedNc = 65535
)

// ErrMalformedAPDU reports bytes that are not a well-formed command or
// response APDU.
var ErrMalformedAPDU = errors.New("icao: malformed APDU")

// Command is one command APDU. Ne is the number of response bytes expected
// (0: no Le field; 256 with short encoding is Le=00; 65536 is the extended
// maximum). A Command is a plain value; Bytes chooses the encoding.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
}

// Extended reports whether c needs the extended-length encoding: more than
// 255 data bytes or more than 256 expected bytes. ISO 7816-4 requires Lc and
// Le to use the same form, so one long field makes both long.
func (c Command) Extended() bool { return len(c.Data) > maxShortNc || c.Ne > MaxShortNe }

// Validate reports whether c can be encoded at all.
func (c Command) Validate() error {
	if len(c.Data) > maxExtendedNc {
		return fmt.Errorf("%w: %d data bytes, at most %d fit", ErrMalformedAPDU, len(c.Data), maxExtendedNc)
	}
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return fmt.Errorf("%w: Ne %d out of range 0..%d", ErrMalformedAPDU, c.Ne, MaxExtendedNe)
	}
	return nil
}

// Bytes encodes c as ISO 7816-4 case 1, 2, 3 or 4, short or extended
// (case 2E is 00 Le1 Le2 with no Lc). It returns nil when Validate fails.
func (c Command) Bytes() []byte {
	if c.Validate() != nil {
		return nil
	}
	out := make([]byte, 0, 4+3+len(c.Data)+3)
	out = append(out, c.CLA, c.INS, c.P1, c.P2)
	ext := c.Extended()
	if len(c.Data) > 0 {
		if ext {
			out = append(out, 0, byte(len(c.Data)>>8), byte(len(c.Data)))
		} else {
			out = append(out, byte(len(c.Data)))
		}
		out = append(out, c.Data...)
	}
	if c.Ne > 0 {
		switch {
		case !ext: // 256 encodes as 00
			out = append(out, byte(c.Ne))
		case len(c.Data) == 0: // case 2E: 00 Le1 Le2; 65536 encodes as 00 00 00
			out = append(out, 0, byte(c.Ne>>8), byte(c.Ne))
		default: // case 4E: Le1 Le2 after the data
			out = append(out, byte(c.Ne>>8), byte(c.Ne))
		}
	}
	return out
}

// ParseCommand decodes a command APDU in any of the seven ISO 7816-3 forms
// (1, 2S, 3S, 4S, 2E, 3E, 4E). Data aliases b. Inconsistent lengths are an
// error wrapping ErrMalformedAPDU, never a panic.
func ParseCommand(b []byte) (Command, error) {
	c, _, err := parseCommand(b)
	return c, err
}

// IsExtendedAPDU reports whether the encoded command b uses the extended
// length form (it is at least 7 bytes long and byte 5 is 00).
func IsExtendedAPDU(b []byte) bool { return len(b) >= 7 && b[4] == 0 }

func parseCommand(b []byte) (Command, bool, error) {
	if len(b) < 4 {
		return Command{}, false, fmt.Errorf("%w: command of %d bytes, need at least 4", ErrMalformedAPDU, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, false, nil
	case len(body) == 1: // case 2S
		c.Ne = shortNe(body[0])
		return c, false, nil
	case body[0] != 0: // case 3S or 4S
		nc := int(body[0])
		switch len(body) {
		case 1 + nc:
			c.Data = body[1:]
		case 2 + nc:
			c.Data = body[1 : 1+nc]
			c.Ne = shortNe(body[1+nc])
		default:
			return Command{}, false, fmt.Errorf("%w: Lc %d does not match %d body bytes", ErrMalformedAPDU, nc, len(body)-1)
		}
		return c, false, nil
	case len(body) == 3: // case 2E
		c.Ne = extendedNe(body[1], body[2])
		return c, true, nil
	case len(body) < 3:
		return Command{}, false, fmt.Errorf("%w: truncated extended length", ErrMalformedAPDU)
	}
	nc := int(body[1])<<8 | int(body[2])
	if nc == 0 {
		return Command{}, true, fmt.Errorf("%w: extended Lc of 0", ErrMalformedAPDU)
	}
	switch len(body) {
	case 3 + nc: // case 3E
		c.Data = body[3:]
	case 5 + nc: // case 4E
		c.Data = body[3 : 3+nc]
		c.Ne = extendedNe(body[3+nc], body[4+nc])
	default:
		return Command{}, true, fmt.Errorf("%w: extended Lc %d does not match %d body bytes", ErrMalformedAPDU, nc, len(body)-3)
	}
	return c, true, nil
}

func shortNe(le byte) int {
	if le == 0 {
		return MaxShortNe
	}
	return int(le)
}

func extendedNe(hi, lo byte) int {
	n := int(hi)<<8 | int(lo)
	if n == 0 {
		return MaxExtendedNe
	}
	return n
}

// Response is a decoded response APDU. Data aliases the input.
type Response struct {
	Data []byte
	SW   uint16
}

// OK reports whether the status word is 9000.
func (r Response) OK() bool { return r.SW == SWOK }

// Err returns nil for 9000 and a *StatusError otherwise.
func (r Response) Err() error {
	if r.SW == SWOK {
		return nil
	}
	return &StatusError{SW: r.SW}
}

// ParseResponse splits a response APDU into its data and status word.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: response of %d bytes has no status word", ErrMalformedAPDU, len(b))
	}
	n := len(b) - 2
	sw := uint16(b[n])<<8 | uint16(b[n+1])
	if (b[n]&0xF0 != 0x60 && b[n]&0xF0 != 0x90) || b[n] == 0x60 { // 60 is a T=0 procedure byte, not SW1
		return Response{}, fmt.Errorf("%w: invalid status word %04X", ErrMalformedAPDU, sw)
	}
	return Response{Data: b[:n:n], SW: sw}, nil
}
