package lds

import (
	"encoding/binary"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// EncodeDG2 wraps one encoded face image (JPEG or JPEG 2000) as DG2 with an
// ISO/IEC 19794-5:2005 record (75 → 7F61 → 7F60 → A1 header template,
// 5F2E "FAC" record), the layout CCCD chips use. The image's own size goes
// into the record; a full-frontal face image with no feature points.
func EncodeDG2(image []byte) ([]byte, error) {
	img, err := inspectImage(image)
	if err != nil {
		return nil, fmt.Errorf("DG2: %w", err)
	}
	dataType := byte(0) // JPEG
	if img.Format == "jp2" {
		dataType = 1
	}
	blockLen := fac19794Record + fac19794Info + len(image)
	rec := make([]byte, 0, fac19794Header+blockLen)
	rec = append(rec, "FAC\x00010\x00"...)
	rec = binary.BigEndian.AppendUint32(rec, uint32(fac19794Header+blockLen))
	rec = binary.BigEndian.AppendUint16(rec, 1) // one facial image
	// Facial record header: length, no feature points, gender, eye and hair
	// colour, feature mask, expression, pose angles and their uncertainty.
	rec = binary.BigEndian.AppendUint32(rec, uint32(blockLen))
	rec = append(rec, make([]byte, fac19794Record-4)...)
	// Image information: full frontal, data type, size, colour space 24-bit
	// RGB, source "static photo from a digital camera", device, quality.
	rec = append(rec, 0x01, dataType)
	rec = binary.BigEndian.AppendUint16(rec, uint16(img.Width))
	rec = binary.BigEndian.AppendUint16(rec, uint16(img.Height))
	rec = append(rec, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00)
	rec = append(rec, image...)

	header := tlv.Encode(0xA1,
		tlv.Encode(0x80, []byte{0x01, 0x01}), // ICAO header version 1.1
		tlv.Encode(0x81, []byte{0x02}),       // biometric type: facial features
		tlv.Encode(0x87, []byte{0x01, 0x01}), // format owner: ISO/IEC JTC1 SC37
		tlv.Encode(0x88, []byte{0x00, 0x08})) // format type: face image
	bit := tlv.Encode(tagBIT, header, tlv.Encode(tagBDB, rec))
	return tlv.Encode(TagDG2, tlv.Encode(tagBITGroup, []byte{0x02, 0x01, 0x01}, bit)), nil
}
