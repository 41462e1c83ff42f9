package icao

import (
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// ErrCardInfo reports an ATR or EF.ATR/INFO that cannot be parsed.
var ErrCardInfo = errors.New("icao: card information unreadable")

// LengthInfo is what a card says about extended-length APDUs, in the card
// capabilities of its ATR/ATS historical bytes or in EF.ATR/INFO
// (ISO 7816-4 §12.1.1.9 and §12.7.1; ICAO 9303-10 §3.11).
type LengthInfo struct {
	// Said is true when the card made a statement: Extended is then its
	// answer. False means it did not say (go on to the next source).
	Said     bool
	Extended bool
	// InEFATR: the ATR's card capabilities point to EF.ATR/INFO for the
	// extended length information (third software function table, b6).
	InEFATR bool
	// MaxCommand and MaxResponse are the byte limits of the extended
	// length information DO'7F66' (0: not given). MaxResponse counts the
	// whole response APDU, status word included.
	MaxCommand, MaxResponse int
}

// Card capabilities, third software function table (ISO 7816-4 table 119).
const (
	capExtendedLcLe = 0x40 // b7: extended Lc and Le fields
	capInfoInEFATR  = 0x20 // b6: extended length information in EF.ATR/INFO
)

// HistoricalBytes returns the historical bytes of an ATR (ISO 7816-3 §8.2):
// TS, T0 (Y1 and K), the interface bytes TA/TB/TC/TDi as each TDi
// announces them, then K historical bytes. The check byte after them is not
// verified: PC/SC already did, and pseudo-ATRs of contactless readers vary.
func HistoricalBytes(atr []byte) ([]byte, error) {
	if len(atr) < 2 {
		return nil, fmt.Errorf("%w: ATR of %d bytes", ErrCardInfo, len(atr))
	}
	if atr[0] != 0x3B && atr[0] != 0x3F {
		return nil, fmt.Errorf("%w: ATR starts with %02X, not 3B or 3F", ErrCardInfo, atr[0])
	}
	k := int(atr[1] & 0x0F)
	y := atr[1] >> 4
	i := 2
	for {
		td := -1
		for bit := range 4 {
			if y&(1<<bit) == 0 {
				continue
			}
			if i >= len(atr) {
				return nil, fmt.Errorf("%w: ATR ends inside its interface bytes", ErrCardInfo)
			}
			if bit == 3 {
				td = int(atr[i])
			}
			i++
		}
		if td < 0 {
			break
		}
		y = byte(td) >> 4
	}
	if len(atr)-i < k {
		return nil, fmt.Errorf("%w: ATR announces %d historical bytes, holds %d", ErrCardInfo, k, len(atr)-i)
	}
	return atr[i : i+k], nil
}

// ParseHistoricalBytes reads the card capabilities (compact-TLV tag 7) from
// historical bytes in the ISO 7816-4 format: category indicator 80 (compact-
// TLV objects, an optional status indicator among them) or 00 (compact-TLV
// objects, then a three-byte status indicator). Any other category is the
// card's own format: nothing said, no error. Only a third software function
// table makes a statement about extended length.
func ParseHistoricalBytes(hist []byte) (LengthInfo, error) {
	if len(hist) == 0 {
		return LengthInfo{}, nil
	}
	body := hist[1:]
	switch hist[0] {
	case 0x80:
	case 0x00:
		if len(body) < 3 {
			return LengthInfo{}, fmt.Errorf("%w: historical bytes too short for their status indicator", ErrCardInfo)
		}
		body = body[:len(body)-3]
	default:
		return LengthInfo{}, nil
	}
	for len(body) > 0 {
		tag, n := body[0]>>4, int(body[0]&0x0F)
		if len(body) < 1+n {
			return LengthInfo{}, fmt.Errorf("%w: compact-TLV object %X runs past the historical bytes", ErrCardInfo, tag)
		}
		if tag == 0x7 {
			return capabilities(body[1 : 1+n]), nil
		}
		body = body[1+n:]
	}
	return LengthInfo{}, nil
}

// capabilities interprets the software function tables of a card
// capabilities object (compact tag 7 or BER-TLV DO'47').
func capabilities(v []byte) LengthInfo {
	if len(v) < 3 {
		return LengthInfo{} // no third table: nothing said about length
	}
	t3 := v[2]
	if t3&capExtendedLcLe != 0 {
		return LengthInfo{Said: true, Extended: true}
	}
	if t3&capInfoInEFATR != 0 {
		return LengthInfo{InEFATR: true}
	}
	return LengthInfo{Said: true}
}

// minExtendedResponse is the smallest response APDU limit that needs
// extended Le: a short response holds 256 data bytes and the status word.
const minExtendedResponse = MaxShortNe + 2 + 1

// ParseATRInfo reads EF.ATR/INFO: BER-TLV data objects, possibly followed by
// 00 or FF padding. The extended length information DO'7F66' (two
// INTEGERs: the most bytes in a command APDU, then in a response APDU)
// decides when present: a response limit above a short response means
// extended length. Otherwise a card capabilities DO'47' with a third table
// does. A file that says neither says nothing.
func ParseATRInfo(b []byte) (LengthInfo, error) {
	var caps *LengthInfo
	for len(b) > 0 && b[0] != 0x00 && b[0] != 0xFF {
		obj, rest, err := tlv.Parse(b)
		if err != nil {
			return LengthInfo{}, fmt.Errorf("%w: EF.ATR/INFO: %w", ErrCardInfo, err)
		}
		b = rest
		switch obj.Tag {
		case 0x7F66:
			return extendedLengthInfo(obj.Value)
		case 0x47:
			c := capabilities(obj.Value)
			caps = &c
		}
	}
	if caps != nil {
		c := *caps
		c.InEFATR = false
		return c, nil
	}
	return LengthInfo{}, nil
}

// extendedLengthInfo reads the value of DO'7F66'.
func extendedLengthInfo(v []byte) (LengthInfo, error) {
	var limits []int
	for len(v) > 0 {
		obj, rest, err := tlv.Parse(v)
		if err != nil {
			return LengthInfo{}, fmt.Errorf("%w: EF.ATR/INFO extended length information: %w", ErrCardInfo, err)
		}
		v = rest
		if obj.Tag != 0x02 {
			continue
		}
		if len(obj.Value) == 0 || len(obj.Value) > 3 || obj.Value[0]&0x80 != 0 {
			return LengthInfo{}, fmt.Errorf("%w: EF.ATR/INFO extended length limit of %d bytes", ErrCardInfo, len(obj.Value))
		}
		n := 0
		for _, c := range obj.Value {
			n = n<<8 | int(c)
		}
		limits = append(limits, n)
	}
	if len(limits) < 2 {
		return LengthInfo{}, fmt.Errorf("%w: EF.ATR/INFO extended length information holds %d limits, want 2", ErrCardInfo, len(limits))
	}
	return LengthInfo{
		Said: true, Extended: limits[1] >= minExtendedResponse,
		MaxCommand: limits[0], MaxResponse: limits[1],
	}, nil
}
