package pn532

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Byte sequences documented by libnfc and pn532.js (checked on a PTY).
func TestEncodeFrameKnownBytes(t *testing.T) {
	tests := []struct {
		name string
		tfi  byte
		data string
		want string
	}{
		{"GetFirmwareVersion", TFIHost, "02", "00 00 FF 02 FE D4 02 2A 00"},
		{"firmware response", TFIPN532, "03 32 01 06 07", "00 00 FF 06 FA D5 03 32 01 06 07 E8 00"},
		{"SAMConfiguration normal", TFIHost, "14 01 14 01", "00 00 FF 05 FB D4 14 01 14 01 02 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeFrame(tc.tfi, unhex(t, tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("EncodeFrame = % X, want % X", got, want)
			}
		})
	}
}

func TestEncodeFrameSizes(t *testing.T) {
	tests := []struct {
		n        int
		extended bool
		err      bool
	}{
		{0, false, false},
		{MaxNormalData, false, false},
		{MaxNormalData + 1, true, false},
		{MaxExtendedData, true, false},
		{MaxExtendedData + 1, false, true},
	}
	for _, tc := range tests {
		data := bytes.Repeat([]byte{0xA5}, tc.n)
		fr, err := EncodeFrame(TFIHost, data)
		if tc.err {
			if !errors.Is(err, ErrTooLong) {
				t.Fatalf("n=%d: err = %v, want ErrTooLong", tc.n, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("n=%d: %v", tc.n, err)
		}
		if got := fr[3] == 0xFF && fr[4] == 0xFF; got != tc.extended {
			t.Fatalf("n=%d: extended = %v, want %v", tc.n, got, tc.extended)
		}
		overhead := 8
		if tc.extended {
			overhead = 11
		}
		if len(fr) != tc.n+overhead {
			t.Fatalf("n=%d: frame length %d, want %d", tc.n, len(fr), tc.n+overhead)
		}
		f, used, err := DecodeFrame(fr)
		if err != nil || used != len(fr) || f.Kind != KindInfo || f.TFI != TFIHost || !bytes.Equal(f.Data, data) {
			t.Fatalf("n=%d: round trip: kind %v tfi %X used %d/%d err %v", tc.n, f.Kind, f.TFI, used, len(fr), err)
		}
	}
}

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		kind    Kind
		data    string
		used    int
		err     error
		incompl bool
	}{
		{name: "ack", in: "00 00 FF 00 FF 00", kind: KindAck, used: 6},
		{name: "nack", in: "00 00 FF FF 00 00", kind: KindNack, used: 6},
		{name: "error frame", in: "00 00 FF 01 FF 7F 81 00", kind: KindError, used: 8},
		{name: "ack without preamble or postamble", in: "00 FF 00 FF", kind: KindAck, used: 4},
		{name: "firmware", in: "00 00 FF 06 FA D5 03 32 01 06 07 E8 00", kind: KindInfo, data: "03 32 01 06 07", used: 13},
		{name: "wake-up garbage first", in: "55 55 00 00 00 00 00 00 FF 02 FE D4 02 2A 00", kind: KindInfo, data: "02", used: 15},
		{name: "noise then frame", in: "12 34 FF 00 00 00 FF 00 FF 00", kind: KindAck, used: 10},
		{name: "bad LCS skips one byte", in: "00 00 FF 02 FD D4 02 2A 00", err: ErrChecksum, used: 2},
		{name: "bad DCS skips the frame", in: "00 00 FF 02 FE D4 02 2B 00 00 00 FF 00 FF 00", err: ErrChecksum, used: 8},
		{name: "zero length", in: "00 00 FF 00 00 00", err: ErrFrame, used: 2},
		{name: "extended length too big", in: "00 00 FF FF FF 02 00 FE D4", err: ErrFrame, used: 2},
		{name: "only garbage", in: "12 34 56", incompl: true, used: 3},
		{name: "garbage then 00 kept", in: "12 34 00", incompl: true, used: 2},
		{name: "header only", in: "77 00 00 FF 06 FA D5 03", incompl: true, used: 2},
		{name: "empty", in: "", incompl: true, used: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.in)
			f, used, err := DecodeFrame(in)
			switch {
			case tc.incompl:
				if !errors.Is(err, ErrIncomplete) {
					t.Fatalf("err = %v, want ErrIncomplete", err)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
			default:
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if f.Kind != tc.kind || !bytes.Equal(f.Data, unhex(t, tc.data)) {
					t.Fatalf("frame = %v % X, want %v %s", f.Kind, f.Data, tc.kind, tc.data)
				}
			}
			if used != tc.used {
				t.Fatalf("used = %d, want %d", used, tc.used)
			}
		})
	}
}

// The decoder must find every frame whatever the read boundaries, and
// resynchronise after a damaged frame.
func TestDecoderStreamSplits(t *testing.T) {
	good, _ := EncodeFrame(TFIPN532, []byte{0x41, 0x00, 0x90, 0x00})
	bad := append([]byte(nil), good...)
	bad[len(bad)-2] ^= 1
	long, _ := EncodeFrame(TFIPN532, bytes.Repeat([]byte{0x00, 0xFF}, 130))
	stream := bytes.Join([][]byte{{0x55, 0x13}, ackFrame, bad, {0x13, 0x37}, good, long, nackFrame}, nil)
	want := []string{"ACK", "checksum", "info:4", "info:260", "NACK"}
	for _, step := range []int{1, 2, 3, 7, 64, len(stream)} {
		var d Decoder
		var got []string
		for off := 0; off < len(stream); off += step {
			d.Feed(stream[off:min(off+step, len(stream))])
			for {
				f, err := d.Next()
				if errors.Is(err, ErrIncomplete) {
					break
				}
				switch {
				case errors.Is(err, ErrChecksum):
					got = append(got, "checksum")
				case err != nil:
					got = append(got, "error")
				case f.Kind == KindInfo:
					got = append(got, "info:"+itoa(len(f.Data)))
				default:
					got = append(got, f.Kind.String())
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("step %d: frames %v, want %v", step, got, want)
		}
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}
