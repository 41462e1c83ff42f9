package lds

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// Tags of DG2 (ICAO 9303-10 §4.7.2) and its biometric information templates.
const (
	TagDG2      = 0x75
	tagBITGroup = 0x7F61 // biometric information group template
	tagBIT      = 0x7F60 // biometric information template
	tagBDB      = 0x5F2E // biometric data block (ISO 19794-5)
	tagBDB39794 = 0x7F2E // biometric data block, constructed (ISO 39794-5)
)

// ParseDG2 returns the first face image of DG2 (75 → 7F61 → 7F60 → 5F2E or
// 7F2E), whether its biometric data block is an ISO/IEC 19794-5 "FAC" record
// or an ISO/IEC 39794-5 block. The size the record states is kept beside the
// image's own size (Image.SizeMatchesRecord).
func ParseDG2(b []byte) (*Image, error) {
	outer, _, err := tlv.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: DG2: %v", ErrMalformed, err)
	}
	if outer.Tag != TagDG2 {
		return nil, fmt.Errorf("%w: DG2 starts with tag %X, want 75", ErrMalformed, outer.Tag)
	}
	group, err := tlv.Unwrap(outer.Value, tagBITGroup)
	if err != nil {
		return nil, fmt.Errorf("%w: DG2 has no biometric group template: %v", ErrMalformed, err)
	}
	children, err := tlv.ParseAll(group)
	if err != nil {
		return nil, fmt.Errorf("%w: DG2: %v", ErrMalformed, err)
	}
	for _, c := range children {
		if c.Tag != tagBIT {
			continue
		}
		parts, err := c.Children()
		if err != nil {
			return nil, fmt.Errorf("%w: DG2 template: %v", ErrMalformed, err)
		}
		for _, p := range parts {
			if p.Tag == tagBDB || p.Tag == tagBDB39794 {
				img, err := ParseFaceBlock(p.Value)
				if err != nil {
					return nil, fmt.Errorf("DG2: %w", err)
				}
				return img, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: DG2 holds no biometric data block", ErrMalformed)
}

// ParseFaceBlock extracts the face image of a biometric data block in either
// format: ISO/IEC 19794-5:2005 (starts "FAC\0") or ISO/IEC 39794-5 (BER).
func ParseFaceBlock(bdb []byte) (*Image, error) {
	if bytes.HasPrefix(bdb, []byte("FAC\x00")) {
		return parse19794(bdb)
	}
	return parse39794(bdb)
}

// ISO/IEC 19794-5:2005 sizes: general header, facial record header, feature
// point, image information.
const (
	fac19794Header  = 14
	fac19794Record  = 20
	fac19794Feature = 8
	fac19794Info    = 12
)

// parse19794 reads the first facial record of an ISO/IEC 19794-5:2005 block.
func parse19794(b []byte) (*Image, error) {
	if len(b) < fac19794Header+fac19794Record+fac19794Info {
		return nil, fmt.Errorf("%w: ISO 19794-5 record truncated", ErrMalformed)
	}
	if !bytes.Equal(b[4:8], []byte("010\x00")) {
		return nil, fmt.Errorf("%w: ISO 19794-5 version other than 010", ErrUnsupported)
	}
	if n := binary.BigEndian.Uint16(b[12:14]); n == 0 {
		return nil, fmt.Errorf("%w: ISO 19794-5 record holds no image", ErrMalformed)
	}
	rec := b[fac19794Header:]
	blockLen := int(binary.BigEndian.Uint32(rec[0:4]))
	features := int(binary.BigEndian.Uint16(rec[4:6]))
	infoAt := fac19794Record + features*fac19794Feature
	dataAt := infoAt + fac19794Info
	if blockLen < dataAt || blockLen > len(rec) {
		return nil, fmt.Errorf("%w: ISO 19794-5 facial record length %d does not fit", ErrMalformed, blockLen)
	}
	info := rec[infoAt:dataAt]
	w, h := int(binary.BigEndian.Uint16(info[2:4])), int(binary.BigEndian.Uint16(info[4:6]))
	img, err := inspectImage(rec[dataAt:blockLen])
	if err != nil {
		return nil, err
	}
	img.RecordWidth, img.RecordHeight = w, h
	return img, nil
}

// parse39794 walks an ISO/IEC 39794-5 face image data block (ICAO
// application profile, implicit tags):
//
//	[APPLICATION 5] { [0] version, [1] SEQUENCE OF RepresentationBlock {
//	    [0] id, [1] CHOICE base [0] CHOICE 2D [0] {
//	        [0] image OCTET STRING, [1] { [0] format, ..., [7] { [0] width, [1] height } } } } }
//
// optionally inside a [1] wrapper, as in DG2's 7F2E.
func parse39794(b []byte) (*Image, error) {
	der, err := toDER(b)
	if err != nil {
		return nil, fmt.Errorf("ISO 39794-5: %w", err)
	}
	bad := func(what string) error { return fmt.Errorf("%w: ISO 39794-5: %s", ErrMalformed, what) }
	block, _, err := tlv.Parse(der)
	if err != nil {
		return nil, bad("not BER")
	}
	if block.Tag == 0xA1 {
		if block, err = only(block.Value); err != nil {
			return nil, bad("wrapper holds more than the data block")
		}
	}
	if block.Tag != 0x65 {
		return nil, fmt.Errorf("%w: biometric data block is neither ISO 19794-5 nor 39794-5", ErrUnsupported)
	}
	reps, ok := child(block.Value, 0xA1)
	if !ok {
		return nil, bad("no representation blocks")
	}
	rep, _, err := tlv.Parse(reps)
	if err != nil || rep.Tag != 0x30 {
		return nil, bad("no representation block")
	}
	node, ok := child(rep.Value, 0xA1) // imageRepresentation
	if !ok {
		return nil, bad("no image representation")
	}
	for _, step := range []string{"base", "2D block"} {
		el, err := only(node)
		if err != nil || el.Tag != 0xA0 {
			return nil, bad("image representation is not a 2D image (" + step + ")")
		}
		node = el.Value
	}
	data, ok := child(node, 0x80)
	if !ok {
		return nil, bad("no image data")
	}
	img, err := inspectImage(data)
	if err != nil {
		return nil, err
	}
	var w, h int
	if info, ok := child(node, 0xA1); ok {
		if size, ok := child(info, 0xA7); ok {
			wb, _ := child(size, 0x80)
			hb, _ := child(size, 0x81)
			w, h = uintValue(wb), uintValue(hb)
		}
	}
	img.RecordWidth, img.RecordHeight = w, h
	return img, nil
}

// child returns the value of the first element with tag at the top of b.
func child(b []byte, tag uint32) ([]byte, bool) {
	el, err := tlv.Find(b, tag)
	if err != nil {
		return nil, false
	}
	return el.Value, true
}

// only decodes b as exactly one element.
func only(b []byte) (tlv.TLV, error) {
	el, rest, err := tlv.Parse(b)
	if err != nil {
		return tlv.TLV{}, err
	}
	if len(rest) != 0 {
		return tlv.TLV{}, ErrMalformed
	}
	return el, nil
}

// uintValue decodes a small unsigned INTEGER body (0 when absent or too big).
func uintValue(b []byte) int {
	if len(b) == 0 || len(b) > 3 {
		return 0
	}
	v := 0
	for _, c := range b {
		v = v<<8 | int(c)
	}
	return v
}
