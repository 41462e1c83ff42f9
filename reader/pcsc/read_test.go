package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/vicc"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/sim"
)

// The synthetic person of the shared test data (testdata/README.md, DG13):
// ID 001099012345, born 1999-02-15, card valid to 2039-02-15.
var (
	synthID     = "001099012345"
	synthDOB    = time.Date(1999, 2, 15, 0, 0, 0, 0, time.UTC)
	synthExpiry = time.Date(2039, 2, 15, 0, 0, 0, 0, time.UTC)
)

func synthMRZ(t *testing.T) (full, info string) {
	t.Helper()
	full, err := mrz.BuildCCCD(mrz.CCCDFields{ID: synthID, DateOfBirth: synthDOB, Sex: "M",
		Expiry: mrz.Expiry{Date: synthExpiry}, FullName: "Nguyen Van A"})
	if err != nil {
		t.Fatal(err)
	}
	info, err = mrz.KeySeedForID(synthID, synthDOB, synthExpiry)
	if err != nil {
		t.Fatal(err)
	}
	return full, info
}

func dg1For(m string) []byte {
	body := append([]byte{0x5F, 0x1F, byte(len(m))}, m...)
	return append([]byte{0x61, byte(len(body))}, body...)
}

// comListing builds EF.COM (LDS 1.7, Unicode 4.0.0) listing the tags.
func comListing(tags ...byte) []byte {
	body := []byte{0x5F, 0x01, 0x04, '0', '1', '0', '7', 0x5F, 0x36, 0x06, '0', '4', '0', '0', '0', '0', 0x5C, byte(len(tags))}
	body = append(body, tags...)
	return append([]byte{0x60, byte(len(body))}, body...)
}

// cccdFiles is a CCCD-shaped card: TD1 DG1, the synthetic DG13, a face
// DG2 (the BSI 2008 specimen's) and an SOD (not matching: these tests are about transport,
// not passive authentication).
func cccdFiles(t *testing.T) (map[string][]byte, string) {
	t.Helper()
	full, info := synthMRZ(t)
	return map[string][]byte{
		"COM":  comListing(0x61, 0x75, 0x6D),
		"DG1":  dg1For(full),
		"DG2":  testenv.ReadShared(t, "pa/jmrtd-bsi2008/DG2.bin"),
		"DG13": testenv.ReadShared(t, "dg/DG13_synthetic.bin"),
		"SOD":  testenv.ReadShared(t, "pa/jmrtd-bsi2008/EF_SOD.bin"),
	}, info
}

// readBAC reads a card through pcscd: connect, SELECT the application, BAC,
// then the document. It returns the files and the error of the read.
func readBAC(t *testing.T, readerName, mrzInfo string, dgs []int) (*icao.Files, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := pcsc.NewReader(readerName, pcsc.Options{})
	defer r.Close()
	card, err := r.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer card.Close()
	s := icao.NewSession(card)
	if err := icao.SelectApplication(ctx, s); err != nil {
		return nil, err
	}
	if err := icao.BAC(ctx, s, mrzInfo); err != nil {
		return nil, err
	}
	return icao.ReadDocument(ctx, s, icao.DocumentOptions{DGs: dgs})
}

func sameFiles(t *testing.T, got *icao.Files, want map[string][]byte) {
	t.Helper()
	for name, w := range want {
		id, ok := lds.ParseFileID(name)
		if !ok {
			t.Fatalf("no file %q", name)
		}
		if g := got.Get(id); !bytes.Equal(g, w) {
			t.Errorf("%s: read %d bytes, want the %d served", name, len(g), len(w))
		}
	}
	t.Logf("read %d files in %d APDUs, %d bytes in", got.Len(), got.Stats.APDUs, got.Stats.BytesIn)
}

// TestReadSimCardBAC: the project's simulated CCCD behind vpcd (the bridge),
// read with BAC through a real pcscd.
func TestReadSimCardBAC(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	files, info := cccdFiles(t)
	full, _ := synthMRZ(t)
	chip, err := sim.NewCard(&sim.Profile{MRZ: full, CAN: synthID[6:], Files: files})
	if err != nil {
		t.Fatal(err)
	}
	b := startSlot(t, 0)
	b.Insert(chip)
	waitCard(t, slotName(0), true)
	got, err := readBAC(t, slotName(0), info, []int{1, 2, 13})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	sameFiles(t, got, files)
}

// TestReadEmulatorBAC: vsmartcard's Python ICAO emulator (testtools/vicc)
// read with BAC through pcscd, a TD1 CCCD-shaped card and a TD3 passport.
func TestReadEmulatorBAC(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	cccd, cccdInfo := cccdFiles(t)
	passport := map[string][]byte{
		"COM": testenv.ReadShared(t, "pa/jmrtd-bsi2008/EF_COM.bin"),
		"DG1": testenv.ReadShared(t, "pa/jmrtd-bsi2008/DG1.bin"),
		"DG2": testenv.ReadShared(t, "pa/jmrtd-bsi2008/DG2.bin"),
		"SOD": testenv.ReadShared(t, "pa/jmrtd-bsi2008/EF_SOD.bin"),
	}
	fids := map[string]string{"COM": "011E", "SOD": "011D", "DG1": "0101", "DG2": "0102", "DG13": "010D"}
	tests := []struct {
		name  string
		files map[string][]byte
		info  string
		dgs   []int
	}{
		{"TD1 CCCD", cccd, cccdInfo, []int{1, 2, 13}},
		{"TD3 passport (BSI 2008 specimen)", passport, "C11T002JM496081221310317", []int{1, 2}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			byFID := map[string][]byte{}
			for name, b := range tc.files {
				byFID[fids[name]] = b
			}
			port := vicc.BasePort + i%2
			e := vicc.Start(t, port, byFID)
			got, err := readBAC(t, e.Reader, tc.info, tc.dgs)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			sameFiles(t, got, tc.files)
			e.Stop()
		})
	}
}

// TestReadWrongKeyEmulator: a wrong MRZ gives icao.ErrAccessDenied through
// pcscd, not a transport error.
func TestReadWrongKeyEmulator(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	files, info := cccdFiles(t)
	e := vicc.Start(t, vicc.BasePort, map[string][]byte{"011E": files["COM"], "0101": files["DG1"], "011D": files["SOD"]})
	wrong := info[:len(info)-7] + "3902161" // another expiry
	_, err := readBAC(t, e.Reader, wrong, []int{1})
	if !errors.Is(err, icao.ErrAccessDenied) {
		t.Fatalf("wrong MRZ: %v, want ErrAccessDenied", err)
	}
}

// pullingChip pulls itself out of the reader (through the bridge) when it
// is asked its n-th APDU, before answering.
type pullingChip struct {
	sim.Chip
	bridge *sim.Bridge
	n      int32
	seen   atomic.Int32
}

func (c *pullingChip) Process(cmd []byte) []byte {
	if c.seen.Add(1) == c.n {
		c.bridge.Remove()
	}
	return c.Chip.Process(cmd)
}

// TestCardRemovedMidRead pulls the card after N APDUs of a BAC read, at
// several points (in BAC, right after it, in EF.SOD, inside DG2): the read ends with
// a clean error matching reader.ErrCardRemoved, never a panic, and the next
// read of a fresh card on the same reader works.
func TestCardRemovedMidRead(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	files, info := cccdFiles(t)
	full, _ := synthMRZ(t)
	profile := &sim.Profile{MRZ: full, CAN: synthID[6:], Files: files}
	b := startSlot(t, 0)
	for _, n := range []int32{2, 5, 12, 40} {
		t.Run(fmt.Sprintf("after %d APDUs", n), func(t *testing.T) {
			chip, err := sim.NewCard(profile)
			if err != nil {
				t.Fatal(err)
			}
			b.Insert(&pullingChip{Chip: chip, bridge: b, n: n})
			waitCard(t, slotName(0), true)
			_, err = readBAC(t, slotName(0), info, []int{1, 13, 2})
			if !errors.Is(err, reader.ErrCardRemoved) {
				t.Fatalf("read with the card pulled: %v, want ErrCardRemoved", err)
			}
			waitCard(t, slotName(0), false)

			fresh, _ := sim.NewCard(profile)
			b.Insert(fresh)
			waitCard(t, slotName(0), true)
			got, err := readBAC(t, slotName(0), info, []int{1, 13})
			if err != nil {
				t.Fatalf("next read: %v", err)
			}
			sameFiles(t, got, map[string][]byte{"DG1": files["DG1"], "DG13": files["DG13"]})
			b.Remove()
			waitCard(t, slotName(0), false)
		})
	}
}
