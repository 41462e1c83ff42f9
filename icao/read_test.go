package icao

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// fakeChip is a one-file chip for the read strategy's error paths: it
// answers READ BINARY under SM with a configurable size limit and status.
type fakeChip struct {
	sm        *SecureMessaging // card side
	file      []byte
	limit     int    // most plaintext bytes per answer
	over      uint16 // status for Ne > limit: 6700, or 6C00 (SW2 = limit)
	naked6282 bool   // past-the-end answers carry DO'87' without a MAC
	empty6282 bool   // past-the-end answers carry no data at all (vsmartcard's emulator)
	asked     []int  // Ne of every READ BINARY
}

func (c *fakeChip) Transmit(_ context.Context, raw []byte) ([]byte, error) {
	bare := func(sw uint16) []byte { return []byte{byte(sw >> 8), byte(sw)} }
	wire, err := ParseCommand(raw)
	if err != nil {
		return bare(0x6700), nil
	}
	cmd, err := c.sm.UnwrapCommand(wire)
	if err != nil {
		return bare(0x6988), nil
	}
	if cmd.INS != 0xB0 {
		return c.sm.WrapResponse(nil, SWOK), nil
	}
	off := int(cmd.P1)<<8 | int(cmd.P2)
	if cmd.P1&0x80 != 0 {
		off = int(cmd.P2)
	}
	c.asked = append(c.asked, cmd.Ne)
	if cmd.Ne > c.limit {
		if c.over == 0x6C00 {
			return bare(0x6C00 | uint16(c.limit)), nil
		}
		return bare(c.over), nil
	}
	if off >= len(c.file) {
		return bare(0x6B00), nil
	}
	n, sw := min(cmd.Ne, len(c.file)-off), SWOK
	if n < cmd.Ne {
		sw = 0x6282
		if c.empty6282 {
			return c.sm.WrapResponse(nil, sw), nil
		}
		if c.naked6282 {
			ct := c.sm.encrypt(c.file[off : off+n])
			return append(append(append([]byte{0x87}, tlv.AppendLength(nil, len(ct)+1)...), append([]byte{1}, ct...)...), 0x62, 0x82), nil
		}
	}
	return c.sm.WrapResponse(c.file[off:off+n], sw), nil
}

func TestReadFileStepDown(t *testing.T) {
	body := make([]byte, 1200)
	for i := range body {
		body[i] = byte(i)
	}
	file := tlv.Encode(0x75, body)
	tests := []struct {
		name  string
		limit int
		over  uint16
		want  []int // Ne of the first READ BINARYs
	}{
		// The first read asks for a whole short answer; a 6700 sends it back to
		// a header read, then the chunks step down.
		{"6700 down to 160", 160, 0x6700, []int{231, 4, 231, 223, 160, 160}},
		{"6Cxx gives the size", 200, 0x6C00, []int{231, 200, 200, 200}},
		{"no limit", 256, 0x6700, []int{231, 231, 231}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c := newPair(t, Cipher3DES)
			chip := &fakeChip{sm: c, file: file, limit: tt.limit, over: tt.over}
			s := NewSession(chip)
			s.SetExtendedLength(false) // short APDUs only: no probe
			s.SetSecureMessaging(r)
			got, err := ReadFile(context.Background(), s, File{ID: lds.DG(2), FID: 0x0102, SFI: 2})
			if err != nil || string(got) != string(file) {
				t.Fatalf("ReadFile = %d bytes, %v", len(got), err)
			}
			for i, n := range tt.want {
				if i >= len(chip.asked) || chip.asked[i] != n {
					t.Fatalf("reads asked %v, want prefix %v", chip.asked, tt.want)
				}
			}
			// The learned size holds for the next file: no failed read.
			chip.asked = nil
			if _, err := ReadFile(context.Background(), s, File{ID: lds.DG(2), FID: 0x0102, SFI: 2}); err != nil {
				t.Fatal(err)
			}
			for _, n := range chip.asked {
				if n > tt.limit {
					t.Errorf("second file asked %d > limit %d", n, tt.limit)
				}
			}
		})
	}
}

// TestReadFileHeaderLies: a header that declares more than the file holds
// ends in ErrFileFormat, through unMACed 6282 answers, with SM still in step.
func TestReadFileHeaderLies(t *testing.T) {
	r, c := newPair(t, CipherAES128)
	file := append([]byte{0x6E, 0x82, 0x01, 0x2C}, make([]byte, 250)...) // declares 300
	chip := &fakeChip{sm: c, file: file, limit: 256, over: 0x6700, naked6282: true}
	s := NewSession(chip)
	s.SetSecureMessaging(r)
	_, err := ReadFile(context.Background(), s, File{ID: lds.DG(14), FID: 0x010E, SFI: 14})
	if !errors.Is(err, ErrFileFormat) {
		t.Fatalf("err = %v, want ErrFileFormat", err)
	}
	if len(chip.asked) > 40 {
		t.Errorf("%d reads for a 254-byte file", len(chip.asked))
	}
	w, _ := r.Wrap(Command{INS: 0xB0, Ne: 4})
	if _, err := c.UnwrapCommand(w); err != nil {
		t.Errorf("SM out of step after the failed read: %v", err)
	}
}

func TestReadFileBadHeader(t *testing.T) {
	for _, file := range [][]byte{{0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}, {0x75, 0x83, 0x7F, 0xFF, 0xFF, 0}, {0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}} {
		r, c := newPair(t, Cipher3DES)
		chip := &fakeChip{sm: c, file: file, limit: 256, over: 0x6700}
		s := NewSession(chip)
		s.SetSecureMessaging(r)
		if _, err := ReadFile(context.Background(), s, File{ID: lds.DG(2), FID: 0x0102, SFI: 2}); !errors.Is(err, ErrFileFormat) {
			t.Errorf("header %X: err = %v, want ErrFileFormat", file, err)
		}
	}
}

func TestComDataGroups(t *testing.T) {
	com := tlv.Encode(0x60, tlv.Encode(0x5F01, []byte("0107")), tlv.Encode(0x5C, []byte{0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F, 0x01}))
	got, err := comDataGroups(com)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 3, 13, 14, 15} {
		if !got[n] {
			t.Errorf("DG%d missing", n)
		}
	}
	if len(got) != 6 {
		t.Errorf("got %v", got)
	}
	for _, bad := range [][]byte{nil, {0x61, 0x00}, tlv.Encode(0x60, tlv.Encode(0x5F01, []byte("0107")))} {
		if _, err := comDataGroups(bad); !errors.Is(err, ErrFileFormat) {
			t.Errorf("comDataGroups(%X) err = %v", bad, err)
		}
	}
	if o := readOrder([]int{2, 15, 1, 3, 13, 1}); len(o) != 5 || o[0] != 1 || o[3] != 2 || o[4] != 3 {
		t.Errorf("readOrder = %v", o)
	}
}

func TestFileTable(t *testing.T) {
	tests := []struct {
		name string
		fid  uint16
		sfi  byte
		mf   bool
	}{
		{"COM", 0x011E, 0x1E, false}, {"SOD", 0x011D, 0x1D, false}, {"DG1", 0x0101, 1, false},
		{"DG16", 0x0110, 0x10, false}, {"CardAccess", 0x011C, 0x1C, true}, {"CardSecurity", 0x011D, 0x1D, true},
	}
	for _, tt := range tests {
		f, ok := FileByName(tt.name)
		if !ok || f.FID != tt.fid || f.SFI != tt.sfi || f.InMF != tt.mf || f.String() != tt.name {
			t.Errorf("%s = %+v", tt.name, f)
		}
	}
	for _, bad := range []string{"DG0", "DG17", "DG01", "EF.COM", ""} {
		if _, ok := FileByName(bad); ok {
			t.Errorf("FileByName(%q) found a file", bad)
		}
	}
}

// TestReadFileEmpty6282: a chip that answers a first read longer than the
// file with 6282 and no data (vsmartcard's emulator) is read through the
// header; the session remembers it, and the next file starts with the header.
func TestReadFileEmpty6282(t *testing.T) {
	r, c := newPair(t, CipherAES128)
	file := tlv.Encode(0x60, make([]byte, 40))
	chip := &fakeChip{sm: c, file: file, limit: 256, over: 0x6700, empty6282: true}
	s := NewSession(chip)
	s.SetSecureMessaging(r)
	for i, want := range [][]int{{223, 4, 38}, {4, 38}} {
		chip.asked = nil
		got, err := ReadFile(context.Background(), s, File{ID: lds.EFCOM, FID: 0x011E, SFI: 0x1E})
		if err != nil || !bytes.Equal(got, file) {
			t.Fatalf("read %d: %X, %v", i, got, err)
		}
		if !slices.Equal(chip.asked, want) {
			t.Errorf("read %d asked %v, want %v", i, chip.asked, want)
		}
	}
}
