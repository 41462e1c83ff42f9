package cache

import (
	"bytes"
	"errors"
	"testing"
)

func TestRecordCodec(t *testing.T) {
	long := RosterRecord{SoCCCD: "079090000001", DiaChi: string(bytes.Repeat([]byte("Đ"), 300))}
	for _, r := range []RosterRecord{{}, synthRecord(1), long} {
		b := appendRecord(nil, &r)
		if len(b) != encodedSize(&r) {
			t.Errorf("encodedSize %d, encoded %d", encodedSize(&r), len(b))
		}
		got, err := decodeRecord(b)
		if err != nil || got != r {
			t.Errorf("round trip: %+v %v", got, err)
		}
	}
	good := appendRecord(nil, &long)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown format", append([]byte{2}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"length past end", []byte{recordFormat, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
		{"missing fields", []byte{recordFormat, 0}},
	} {
		if _, err := decodeRecord(tc.b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
