package pcsc

import (
	"errors"
	"testing"

	"github.com/ebfe/scard"
)

// fakeControl answers Part 10 control codes from a table.
type fakeControl map[uint32][]byte

func (f fakeControl) Control(ioctl uint32, _ []byte) ([]byte, error) {
	if b, ok := f[ioctl]; ok {
		return b, nil
	}
	return nil, scard.ErrUnsupportedFeature
}

func testCtl(code uint16) uint32 { return 0x42000000 + uint32(code) }

func TestProbeExtendedLength(t *testing.T) {
	// Feature list as a CCID reader answers it: VERIFY_PIN_DIRECT (06) and
	// GET_TLV_PROPERTIES (12) at control codes 0x42330006, 0x42330012.
	feats := []byte{0x06, 0x04, 0x42, 0x33, 0x00, 0x06, 0x12, 0x04, 0x42, 0x33, 0x00, 0x12}
	tests := []struct {
		name  string
		ctl   fakeControl
		want  bool
		known bool
	}{
		{"extended reader", fakeControl{
			testCtl(3400): feats,
			0x42330012:    {0x01, 0x02, 0x00, 0x00, 0x08, 0x03, 'F', 'W', '1', 0x0A, 0x04, 0x00, 0x00, 0x01, 0x00, 0x0B, 0x02, 0x2F, 0x07},
		}, true, true},
		{"short-only reader", fakeControl{
			testCtl(3400): feats,
			0x42330012:    {0x0A, 0x04, 0x00, 0x00, 0x00, 0x00},
		}, false, true},
		{"properties without the APDU size", fakeControl{
			testCtl(3400): feats,
			0x42330012:    {0x0B, 0x02, 0x2F, 0x07},
		}, false, false},
		{"no TLV properties feature", fakeControl{testCtl(3400): feats[:6]}, false, false},
		{"no Part 10 at all (vpcd)", fakeControl{}, false, false},
		{"broken feature list", fakeControl{testCtl(3400): {0x12, 0x04, 0x42}}, false, false},
		{"broken properties", fakeControl{testCtl(3400): feats, 0x42330012: {0x0A, 0x04, 0x00}}, false, false},
	}
	for _, tc := range tests {
		if got, known := probeExtendedLength(tc.ctl, testCtl); got != tc.want || known != tc.known {
			t.Errorf("%s: %v (known %v), want %v (known %v)", tc.name, got, known, tc.want, tc.known)
		}
	}
}

func TestParseProperties(t *testing.T) {
	got, err := parseProperties([]byte{0x06, 0x01, 0x04, 0x0B, 0x02, 0x2F, 0x07, 0x0A, 0x04, 0x00, 0x00, 0x01, 0x00})
	if err != nil {
		t.Fatal(err)
	}
	want := map[byte]uint32{0x06: 4, 0x0B: 0x072F, 0x0A: 0x10000}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("tag %#x = %#x, want %#x", k, got[k], v)
		}
	}
	if _, err := parseProperties([]byte{0x0A}); !errors.Is(err, errFeatures) {
		t.Errorf("truncated: %v", err)
	}
}

func FuzzParseFeatures(f *testing.F) {
	f.Add([]byte{0x12, 0x04, 0x42, 0x33, 0x00, 0x12})
	f.Add([]byte{0x0A, 0x04, 0x00, 0x00, 0x01, 0x00, 0x08, 0x03, 'F', 'W', '1'})
	f.Add([]byte{0x12, 0x05})
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseFeatures(b); err == nil && len(m) > len(b)/6 {
			t.Fatalf("%d features from %d bytes", len(m), len(b))
		}
		if m, err := parseProperties(b); err == nil && len(m) > len(b)/2 {
			t.Fatalf("%d properties from %d bytes", len(m), len(b))
		}
		probeExtendedLength(fakeControl{testCtl(3400): b, 0x42330012: b}, testCtl)
	})
}
