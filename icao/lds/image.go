package lds

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/jpeg"
)

// Image is a face image taken from DG2, still encoded.
type Image struct {
	// Format is "jpeg", or "jp2" for JPEG 2000 (a JP2 file or a bare
	// codestream).
	Format string
	// Width and Height come from the image itself (the JPEG SOF marker, the
	// JP2 'ihdr' box or the codestream SIZ marker), not from the record.
	Width, Height int
	// Data is the encoded image exactly as stored on the chip.
	Data []byte
	// RecordWidth and RecordHeight are the size the biometric record states
	// (0 when it states none). They are informative only: published test
	// documents (BSI 2008, the ICAO 39794-5 samples) state sizes their images
	// do not have, so a mismatch is reported, not refused.
	RecordWidth, RecordHeight int
}

// SizeMatchesRecord reports whether the record's stated size, where given,
// equals the image's own size.
func (i *Image) SizeMatchesRecord() bool {
	return (i.RecordWidth == 0 || i.RecordWidth == i.Width) && (i.RecordHeight == 0 || i.RecordHeight == i.Height)
}

var (
	jp2Signature = []byte{0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}
	j2kSignature = []byte{0xFF, 0x4F, 0xFF, 0x51}
)

// inspectImage recognises the image format from its magic bytes and reads
// the dimensions from its header, without decoding pixels.
func inspectImage(data []byte) (*Image, error) {
	img := &Image{Data: data}
	var err error
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		img.Format = "jpeg"
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: JPEG header is invalid", ErrMalformed)
		}
		img.Width, img.Height = cfg.Width, cfg.Height
	case bytes.HasPrefix(data, jp2Signature):
		img.Format = "jp2"
		if img.Width, img.Height, err = jp2Size(data); err != nil {
			return nil, err
		}
	case bytes.HasPrefix(data, j2kSignature):
		img.Format = "jp2"
		if img.Width, img.Height, err = sizMarker(data); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: face image is neither JPEG nor JPEG 2000", ErrUnsupported)
	}
	if img.Width <= 0 || img.Height <= 0 {
		return nil, fmt.Errorf("%w: face image has no size", ErrMalformed)
	}
	return img, nil
}

// jp2Size walks the top-level JP2 boxes to the 'jp2h' header box and reads
// HEIGHT and WIDTH from its 'ihdr' box (ISO/IEC 15444-1 Annex I).
func jp2Size(b []byte) (w, h int, err error) {
	jp2h, ok := findBox(b, "jp2h")
	if !ok {
		return 0, 0, fmt.Errorf("%w: JP2 file has no header box", ErrMalformed)
	}
	ihdr, ok := findBox(jp2h, "ihdr")
	if !ok || len(ihdr) < 14 {
		return 0, 0, fmt.Errorf("%w: JP2 header has no image header", ErrMalformed)
	}
	if _, ok := findBox(b, "jp2c"); !ok {
		return 0, 0, fmt.Errorf("%w: JP2 file has no codestream", ErrMalformed)
	}
	h64, w64 := binary.BigEndian.Uint32(ihdr[0:4]), binary.BigEndian.Uint32(ihdr[4:8])
	if w64 > 1<<16 || h64 > 1<<16 {
		return 0, 0, fmt.Errorf("%w: JP2 image size out of range", ErrMalformed)
	}
	return int(w64), int(h64), nil
}

// findBox returns the content of the first box of type typ in b (a sequence
// of boxes). It stops at the first malformed box.
func findBox(b []byte, typ string) ([]byte, bool) {
	for len(b) >= 8 {
		size := uint64(binary.BigEndian.Uint32(b[0:4]))
		t := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0: // box runs to the end
			size = uint64(len(b))
		case 1: // 64-bit size follows
			if len(b) < 16 {
				return nil, false
			}
			size, hdr = binary.BigEndian.Uint64(b[8:16]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return nil, false
		}
		if t == typ {
			return b[hdr:size], true
		}
		b = b[size:]
	}
	return nil, false
}

// sizMarker reads the image size from a JPEG 2000 codestream's SIZ marker
// (FF51 right after SOC): Xsiz − XOsiz by Ysiz − YOsiz.
func sizMarker(b []byte) (w, h int, err error) {
	if len(b) < 4+2+2+16 {
		return 0, 0, fmt.Errorf("%w: JPEG 2000 codestream truncated", ErrMalformed)
	}
	siz := b[4:]
	x, y := binary.BigEndian.Uint32(siz[4:8]), binary.BigEndian.Uint32(siz[8:12])
	xo, yo := binary.BigEndian.Uint32(siz[12:16]), binary.BigEndian.Uint32(siz[16:20])
	if xo >= x || yo >= y || x-xo > 1<<16 || y-yo > 1<<16 {
		return 0, 0, fmt.Errorf("%w: JPEG 2000 image size out of range", ErrMalformed)
	}
	return int(x - xo), int(y - yo), nil
}
