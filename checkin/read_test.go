package checkin

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/verify"
)

// demoTrust returns a trust store holding the demo card's test CSCA.
func demoTrust(t *testing.T) *verify.TrustStore {
	t.Helper()
	pki, err := sim.DemoPKI()
	if err != nil {
		t.Fatal(err)
	}
	store := verify.NewTrustStore()
	items, err := verify.DecodeTrustFile(pki.CSCACert)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AddItems(items, "demo"); err != nil {
		t.Fatal(err)
	}
	return store
}

func demoReader(t *testing.T, mutate func(*sim.Profile), opts ...sim.Option) *sim.Reader {
	t.Helper()
	p, err := sim.DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(p)
	}
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	return sim.NewReader("sim:demo", chip, opts...)
}

func readWith(t *testing.T, r *sim.Reader, key Key, opts ReadOptions) (*ReadResult, error) {
	t.Helper()
	card, err := r.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	return ReadCard(context.Background(), card, r.Name(), key, opts)
}

func TestReadCardDemo(t *testing.T) {
	trust := demoTrust(t)
	canKey, _ := ParseKey(sim.DemoCAN)
	idKey, _ := ParseKey(sim.DemoID)
	idKey.DateOfBirth = sim.DemoDateOfBirth
	tests := []struct {
		name       string
		mutate     func(*sim.Profile)
		key        Key
		trust      *verify.TrustStore
		wantAccess string
		wantStatus string
		wantChip   string
	}{
		{"CAN, trusted CSCA", nil, canKey, trust, "PACE-CAN", verify.StatusVerified, "CA"},
		{"CAN, no trust", nil, canKey, nil, "PACE-CAN", verify.StatusIntactUntrusted, "CA"},
		{"chip without PACE, ID and DOB", func(p *sim.Profile) { p.PACE = false; delete(p.Files, "CardAccess") }, idKey, trust, "BAC", verify.StatusVerified, "CA"},
		{"clone", func(p *sim.Profile) {
			clone, err := sim.CloneChipKeys(p, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			*p = *clone
		}, canKey, trust, "PACE-CAN", verify.StatusFailed, "CA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := readWith(t, demoReader(t, tc.mutate), tc.key, ReadOptions{Trust: tc.trust})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Verification
			if res.Access != tc.wantAccess || v.Status != tc.wantStatus || v.Chip.Method != tc.wantChip {
				t.Fatalf("access %s status %s chip %s/%s reasons %v", res.Access, v.Status, v.Chip.Method, v.Chip.Status, v.Reasons)
			}
			// The demo chip's DG14 repeats its EF.CardAccess: PACE is bound.
			if contains(v.Reasons, verify.ReasonCardAccessNotSigned) || contains(v.Reasons, verify.ReasonCardAccessUnbound) {
				t.Fatalf("EF.CardAccess not bound by DG14: reasons %v", v.Reasons)
			}
			if tc.wantStatus == verify.StatusFailed && !contains(v.Reasons, "chip-authentication-failed") {
				t.Fatalf("clone reasons %v lack chip-authentication-failed", v.Reasons)
			}
			if res.Personal == nil || res.Personal.FullName != sim.DemoName || res.Document.IDNumber != sim.DemoID {
				t.Fatalf("person not read: %+v", res.Personal)
			}
			if res.Photo == nil || res.Photo.Format != "jpeg" || len(res.Photo.Data) != res.Photo.Bytes || res.Timing.APDUs == 0 {
				t.Fatalf("photo %+v timing %+v", res.Photo, res.Timing)
			}
		})
	}
}

func TestReadCardWrongCANThenRight(t *testing.T) {
	r := demoReader(t, nil)
	wrong, _ := ParseKey("999999")
	_, err := readWith(t, r, wrong, ReadOptions{})
	if !errors.Is(err, icao.ErrAccessDenied) {
		t.Fatalf("wrong CAN: err = %v, want ErrAccessDenied", err)
	}
	right, _ := ParseKey(sim.DemoCAN)
	if res, err := readWith(t, r, right, ReadOptions{}); err != nil || res.Access != "PACE-CAN" {
		t.Fatalf("right CAN after a wrong one: %v", err)
	}
}

func TestReadCardRemovedMidRead(t *testing.T) {
	r := demoReader(t, nil, sim.WithRemoveAfter(40))
	key, _ := ParseKey(sim.DemoCAN)
	var trace []string
	_, err := readWith(t, r, key, ReadOptions{Trace: func(l string) { trace = append(trace, l) }})
	if !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("err = %v, want ErrCardRemoved", err)
	}
	assertNoPersonalData(t, err.Error())
	assertNoPersonalData(t, strings.Join(trace, "\n"))
	if _, err := readWith(t, r, key, ReadOptions{}); err != nil {
		t.Fatalf("next read after removal: %v", err)
	}
}

func TestReadCardNoKey(t *testing.T) {
	_, err := readWith(t, demoReader(t, nil), Key{Source: "id", IDNumber: sim.DemoID}, ReadOptions{})
	if !errors.Is(err, ErrNoKey) {
		t.Fatalf("err = %v, want ErrNoKey", err)
	}
}

func TestAssembleTamperedDG2(t *testing.T) {
	r := demoReader(t, func(p *sim.Profile) {
		dg2 := append([]byte(nil), p.Files["DG2"]...)
		dg2[len(dg2)-10] ^= 0xFF
		p.Files["DG2"] = dg2
	})
	key, _ := ParseKey(sim.DemoCAN)
	res, err := readWith(t, r, key, ReadOptions{Trust: demoTrust(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verification.Status != verify.StatusFailed || !contains(res.Verification.Reasons, "dg-hash-mismatch:DG2") {
		t.Fatalf("tampered DG2: %s %v", res.Verification.Status, res.Verification.Reasons)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// assertNoPersonalData fails when s holds any of the demo person's data.
func assertNoPersonalData(t *testing.T, s string) {
	t.Helper()
	for _, leak := range []string{sim.DemoID, sim.DemoCAN, "190012345", "NGUYEN", "Nguyễn", "900517", "1990-05-17", "Thu Hà"} {
		if strings.Contains(s, leak) {
			t.Fatalf("personal data %q leaked into %q", leak, s)
		}
	}
}

// TestReadBACChipWithCAN: a chip without PACE cannot take the CAN; the read
// fails with ErrNoKey (the access sentinel) and the console is told to scan
// the QR code, not that the card is unreadable.
func TestReadBACChipWithCAN(t *testing.T) {
	p, _, err := sim.GenerateProfile(sim.ProfileOptions{Seed: new([32]byte), Chip: sim.ChipKeyOptions{NoPACE: true}})
	if err != nil {
		t.Fatal(err)
	}
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseKey(p.CAN)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readWith(t, sim.NewReader("sim:bac", chip), key, ReadOptions{})
	if !errors.Is(err, access.ErrNoKey) || !errors.Is(err, ErrNoKey) {
		t.Fatalf("err = %v, want access.ErrNoKey", err)
	}
	if got := describeReadError(err); got.Code != "key-unusable" || !strings.Contains(got.MessageEN, "QR") {
		t.Fatalf("console error %+v, want key-unusable asking for the QR code", got)
	}
}
