package lds

import (
	"fmt"

	"github.com/cccd-agent/cccd/icao/tlv"
)

// maxBERDepth bounds nesting so hostile input cannot exhaust the stack.
const maxBERDepth = 32

// toDER re-encodes BER input as DER-shaped TLV: indefinite lengths become
// definite, long-form lengths become minimal and constructed OCTET STRINGs
// are joined into one primitive string. It is what lets the cryptobyte walks
// below read SODs such as New Zealand's, which use indefinite lengths.
// Only the framing changes; content octets are copied as they are.
func toDER(b []byte) ([]byte, error) {
	if isDER(b, 0) {
		return b, nil // almost every chip writes DER: no copy needed
	}
	out, rest, err := berElement(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the outer element", ErrMalformed, len(rest))
	}
	return out, nil
}

// berElement decodes one element at the start of b and returns its DER
// re-encoding and the bytes that follow it.
func berElement(b []byte, depth int) (der, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, fmt.Errorf("%w: nesting deeper than %d", ErrMalformed, maxBERDepth)
	}
	tag, tn, err := tlv.ReadTag(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	constructed := b[0]&0x20 != 0
	b = b[tn:]
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("%w: truncated length", ErrMalformed)
	}
	var content [][]byte
	if b[0] == 0x80 { // indefinite: children until end-of-contents 00 00
		if !constructed {
			return nil, nil, fmt.Errorf("%w: indefinite length on a primitive element", ErrMalformed)
		}
		b = b[1:]
		for {
			if len(b) >= 2 && b[0] == 0 && b[1] == 0 {
				b = b[2:]
				break
			}
			if len(b) == 0 {
				return nil, nil, fmt.Errorf("%w: missing end-of-contents", ErrMalformed)
			}
			var child []byte
			child, b, err = berElement(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			content = append(content, child)
		}
		rest = b
	} else {
		length, ln, err := tlv.ReadLength(b)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		if length > len(b)-ln {
			return nil, nil, fmt.Errorf("%w: element declares %d bytes, %d present", ErrMalformed, length, len(b)-ln)
		}
		value := b[ln : ln+length]
		rest = b[ln+length:]
		if !constructed {
			content = [][]byte{value}
		} else {
			for len(value) > 0 {
				var child []byte
				child, value, err = berElement(value, depth+1)
				if err != nil {
					return nil, nil, err
				}
				content = append(content, child)
			}
		}
	}
	if constructed && tag == 0x24 { // constructed OCTET STRING → primitive
		joined, err := joinOctetString(content)
		if err != nil {
			return nil, nil, err
		}
		return tlv.Encode(0x04, joined), rest, nil
	}
	return tlv.Encode(tag, content...), rest, nil
}

// joinOctetString concatenates the (already DER) segments of a constructed
// OCTET STRING; each segment must itself be an OCTET STRING.
func joinOctetString(segments [][]byte) ([]byte, error) {
	var out []byte
	for _, s := range segments {
		t, rest, err := tlv.Parse(s)
		if err != nil || len(rest) != 0 || t.Tag != 0x04 {
			return nil, fmt.Errorf("%w: bad segment in a constructed OCTET STRING", ErrMalformed)
		}
		out = append(out, t.Value...)
	}
	return out, nil
}

// isDER reports whether b is exactly one element whose framing toDER would
// leave unchanged: definite minimal lengths throughout and no constructed
// string types. It allocates nothing.
func isDER(b []byte, depth int) bool {
	if depth > maxBERDepth {
		return false
	}
	tag, tn, err := tlv.ReadTag(b)
	if err != nil {
		return false
	}
	length, ln, err := tlv.ReadLength(b[tn:])
	if err != nil || tn+ln+length != len(b) {
		return false
	}
	if ln > 1 && (length < 0x80 || b[tn+1] == 0) {
		return false // long form where short would do, or a leading zero byte
	}
	first := byte(tag >> (8 * (tn - 1)))
	if first&0x20 == 0 {
		return true
	}
	if tn == 1 && first&0xC0 == 0 && first&0x1F >= 0x03 && first&0x1F != 0x10 && first&0x1F != 0x11 {
		return false // a constructed universal string: DER wants it primitive
	}
	for v := b[tn+ln:]; len(v) > 0; {
		_, hn, total, err := tlv.Header(v)
		if err != nil || total > len(v) || hn == 0 || !isDER(v[:total], depth+1) {
			return false
		}
		v = v[total:]
	}
	return true
}
