package icao_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
)

var allFiles = []string{"COM", "SOD", "DG1", "DG13", "DG14", "DG15", "DG2"}

// TestReadDocumentSim: BAC + full read with 3DES SM against the in-process
// chip, across the combinations of reader and chip length support.
func TestReadDocumentSim(t *testing.T) {
	_, info := testMRZ()
	tests := []struct {
		name       string
		chipExt    bool
		readerExt  bool
		maxResp    int
		chunk      int
		cardAccess bool
		maxAPDUs   int
	}{
		{name: "extended both", chipExt: true, readerExt: true, cardAccess: true, maxAPDUs: 10},
		{name: "short only", maxAPDUs: 125},
		{name: "chip extended, reader short", chipExt: true, maxAPDUs: 125},
		{name: "reader extended, chip short (6700, SSC rewound)", readerExt: true, maxAPDUs: 125},
		{name: "chip limited to 160 bytes", maxResp: 160, maxAPDUs: 175},
		{name: "extended chip limited to 1 KB", chipExt: true, readerExt: true, maxResp: 1024, maxAPDUs: 45},
		{name: "fixed 223", chunk: 223, maxAPDUs: 125},
		{name: "fixed 256 without extended", chunk: 256, maxAPDUs: 125},
		{name: "fixed 256 with extended", chunk: 256, chipExt: true, readerExt: true, maxAPDUs: 110},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testProfile(tt.chipExt, tt.maxResp)
			r := sim.NewReader("sim", newSimCard(t, p), sim.WithExtendedLength(tt.readerExt))
			s, _ := openSim(t, r, info)
			files, err := icao.ReadDocument(context.Background(), s, icao.DocumentOptions{ChunkSize: tt.chunk, CardAccess: tt.cardAccess})
			if err != nil {
				t.Fatalf("ReadDocument: %v", err)
			}
			checkFiles(t, p, files, allFiles...)
			if tt.cardAccess {
				checkFiles(t, p, files, "CardAccess")
			}
			if files.Len() != len(allFiles)+map[bool]int{true: 1}[tt.cardAccess] {
				t.Errorf("read %d files", files.Len())
			}
			if files.Stats.APDUs > tt.maxAPDUs || files.Stats.APDUs < 7 {
				t.Errorf("%d APDUs, want at most %d", files.Stats.APDUs, tt.maxAPDUs)
			}
			// SM is still in step: one more protected read works.
			if _, err := icao.ReadFile(context.Background(), s, icao.FileCOM); err != nil {
				t.Errorf("read after the document: %v", err)
			}
		})
	}
}

func TestReadDocumentSubsetAndMissing(t *testing.T) {
	_, info := testMRZ()
	p := testProfile(false, 0)
	delete(p.Files, "DG15") // listed in EF.COM but absent: skipped
	r := sim.NewReader("sim", newSimCard(t, p))
	s, _ := openSim(t, r, info)
	files, err := icao.ReadDocument(context.Background(), s, icao.DocumentOptions{DGs: []int{15, 1, 1, 11}})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, p, files, "COM", "SOD", "DG1")
	if files.Len() != 3 {
		t.Errorf("files = %d, want COM, SOD, DG1", files.Len())
	}
	if _, err := icao.ReadFile(context.Background(), s, mustDG(t, 11)); !errors.Is(err, icao.ErrNotFound) {
		t.Errorf("absent DG11: %v, want ErrNotFound", err)
	}
	if _, err := icao.ReadFile(context.Background(), s, icao.FileCOM); err != nil {
		t.Errorf("read after ErrNotFound: %v", err)
	}
}

func mustDG(t *testing.T, n int) icao.File {
	f, ok := icao.DGFile(n)
	if !ok {
		t.Fatalf("no DG%d", n)
	}
	return f
}

func TestBACWrongMRZ(t *testing.T) {
	_, info := testMRZ()
	p := testProfile(false, 0)
	r := sim.NewReader("sim", newSimCard(t, p))
	rc, err := r.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := icao.NewSession(rc)
	if err := icao.SelectApplication(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	wrong := info[:10] + "800101" + info[16:]
	err = icao.BAC(context.Background(), s, wrong)
	if !errors.Is(err, icao.ErrAccessDenied) {
		t.Fatalf("BAC with wrong MRZ: %v, want ErrAccessDenied", err)
	}
	if s.SecureMessaging() != nil {
		t.Error("secure messaging installed after a refused BAC")
	}
	// Without access control the chip refuses the data groups.
	if _, err := icao.ReadFile(context.Background(), s, icao.FileCOM); !errors.Is(err, icao.ErrAccessDenied) {
		t.Errorf("plain read of EF.COM: %v, want ErrAccessDenied", err)
	}
	// The right key still works on the same session.
	if err := icao.BAC(context.Background(), s, info); err != nil {
		t.Errorf("BAC after a failure: %v", err)
	}
}

// TestCardRemovedMidDG2: the card leaves the field in the middle of DG2; the
// read ends with a clean error, and the next tap reads the whole card.
func TestCardRemovedMidDG2(t *testing.T) {
	_, info := testMRZ()
	p := testProfile(false, 0)
	r := sim.NewReader("sim", newSimCard(t, p))
	s, rc := openSim(t, r, info)
	full, err := icao.ReadDocument(context.Background(), s, icao.DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	s, _ = openSim(t, r, info)
	r.RemoveAfter(full.Stats.APDUs - 30) // well inside DG2's ~90 reads
	part, err := icao.ReadDocument(context.Background(), s, icao.DocumentOptions{})
	if !errors.Is(err, reader.ErrCardRemoved) || !errors.Is(err, icao.ErrTransport) {
		t.Fatalf("read with the card pulled: %v, want ErrCardRemoved", err)
	}
	if part.DG(2) != nil || part.DG(15) == nil {
		t.Errorf("partial read has DG2=%v DG15=%v, want only the files before DG2", part.DG(2) != nil, part.DG(15) != nil)
	}
	if _, err := icao.ReadFile(context.Background(), s, icao.FileCOM); !errors.Is(err, reader.ErrCardRemoved) {
		t.Errorf("session after removal: %v, want ErrCardRemoved", err)
	}
	s, _ = openSim(t, r, info)
	again, err := icao.ReadDocument(context.Background(), s, icao.DocumentOptions{})
	if err != nil {
		t.Fatalf("read after the card came back: %v", err)
	}
	checkFiles(t, p, again, allFiles...)
}

// plainTransport hides the reader's ExtendedLength report, as a transport
// that cannot tell does.
type plainTransport struct{ icao.Transport }

// TestProbeExtendedLengthSim: without a report from the transport, the probe
// (before BAC) finds out what the chip supports and the read uses it.
func TestProbeExtendedLengthSim(t *testing.T) {
	_, info := testMRZ()
	ctx := context.Background()
	for _, ext := range []bool{true, false} {
		p := testProfile(ext, 0)
		rc, err := sim.NewReader("sim", newSimCard(t, p), sim.WithExtendedLength(true)).Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s := icao.NewSession(plainTransport{rc})
		if s.ExtendedLength() {
			t.Fatal("extended length assumed before the probe")
		}
		got, err := s.ProbeExtendedLength(ctx)
		if err != nil || got != ext {
			t.Fatalf("chip ext=%v: probe = %v, %v", ext, got, err)
		}
		if err := icao.SelectApplication(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := icao.BAC(ctx, s, info); err != nil {
			t.Fatal(err)
		}
		files, err := icao.ReadDocument(ctx, s, icao.DocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkFiles(t, p, files, allFiles...)
		if ext && files.Stats.APDUs > 8 || !ext && files.Stats.APDUs < 100 {
			t.Errorf("chip ext=%v: %d APDUs", ext, files.Stats.APDUs)
		}
	}
}
