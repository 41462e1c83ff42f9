package checkin

import (
	"context"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/verify"
)

// camProfile makes a PACE-CAM card of the demo citizen (so
// assertNoPersonalData knows its data) under a test PKI of its own.
func camProfile(t testing.TB, seed byte) (*sim.Profile, *verify.TrustStore) {
	t.Helper()
	s := [32]byte{'c', 'a', 'm', '-', 'c', 'h', 'e', 'c', 'k', 'i', 'n', seed}
	p, pki, err := sim.GenerateProfile(sim.ProfileOptions{
		ID: sim.DemoID, FullName: sim.DemoName, DateOfBirth: sim.DemoDateOfBirth, IssueDate: sim.DemoIssueDate,
		Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Seed: &s,
		Chip: sim.ChipKeyOptions{PACEMapping: pace.ChipAuthenticationMapping},
	})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pki.CSCACert)
	trust := verify.NewTrustStore()
	if err := trust.Add(block.Bytes); err != nil {
		t.Fatal(err)
	}
	return p, trust
}

func profileReader(t *testing.T, p *sim.Profile) *sim.Reader {
	t.Helper()
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	return sim.NewReader("sim:cam", chip)
}

// TestReadCardPACECAM is issue #3's PACE-CAM through the reception flow:
// the chip check is PACE-CAM, bound to EF.CardSecurity's own signature, and
// anything that breaks that binding is never green.
func TestReadCardPACECAM(t *testing.T) {
	genuine, trust := camProfile(t, 1)
	foreign, _ := camProfile(t, 2) // another issuer's PKI and chip key
	key, _ := ParseKey(sim.DemoCAN)
	tests := []struct {
		name       string
		mutate     func(*sim.Profile)
		trust      *verify.TrustStore
		wantStatus string
		wantChip   string // method/status
		wantReason string
		wantTrace  string
	}{
		{"genuine, trusted CSCA", nil, trust, verify.StatusVerified, "PACE-CAM/ok", "", "the chip check is PACE-CAM"},
		{"genuine, no trust", nil, nil, verify.StatusIntactUntrusted, "PACE-CAM/ok", "", "EF.CardSecurity intact-untrusted"},
		{"clone", func(p *sim.Profile) {
			c, err := sim.CloneChipKeys(p, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			*p = *c
		}, trust, verify.StatusFailed, "PACE-CAM/failed", verify.ReasonChipAuthenticationFailed, ""},
		// An EF.CardSecurity that cannot be bound to the SOD's signer is not
		// used: Chip Authentication with DG14's key (covered by the SOD)
		// decides, so a genuine chip stays genuine and a clone still fails.
		{"EF.CardSecurity signature flipped: Chip Authentication decides", func(p *sim.Profile) {
			cs := p.Files["CardSecurity"]
			cs[len(cs)-1] ^= 1 // the signature is the file's last element
		}, trust, verify.StatusVerified, "CA/ok", "", "cannot be bound to the SOD's signer"},
		{"EF.CardSecurity signature flipped, no trust", func(p *sim.Profile) {
			cs := p.Files["CardSecurity"]
			cs[len(cs)-1] ^= 1
		}, nil, verify.StatusIntactUntrusted, "CA/ok", "", "cannot be bound to the SOD's signer"},
		{"genuine chip, EF.CardSecurity signed by another DS", func(p *sim.Profile) {
			p.Files["CardSecurity"] = resignCardSecurity(t, p.Files["CardSecurity"])
		}, trust, verify.StatusVerified, "CA/ok", "", "cannot be bound to the SOD's signer"},
		{"genuine chip, EF.CardSecurity signed by another DS, no trust", func(p *sim.Profile) {
			p.Files["CardSecurity"] = resignCardSecurity(t, p.Files["CardSecurity"])
		}, nil, verify.StatusIntactUntrusted, "CA/ok", "", "cannot be bound to the SOD's signer"},
		{"clone signing its own EF.CardSecurity with its own DS", func(p *sim.Profile) {
			p.ChipAuthKey = foreign.ChipAuthKey
			p.Files["CardSecurity"] = foreign.Files["CardSecurity"]
		}, trust, verify.StatusFailed, "CA/failed", verify.ReasonChipAuthenticationFailed, "cannot be bound to the SOD's signer"},
		{"clone signing its own EF.CardSecurity, no trust", func(p *sim.Profile) {
			p.ChipAuthKey = foreign.ChipAuthKey
			p.Files["CardSecurity"] = foreign.Files["CardSecurity"]
		}, nil, verify.StatusFailed, "CA/failed", verify.ReasonChipAuthenticationFailed, "cannot be bound to the SOD's signer"},
		{"no EF.CardSecurity: Chip Authentication instead", func(p *sim.Profile) {
			delete(p.Files, "CardSecurity")
		}, trust, verify.StatusVerified, "CA/ok", "", "falls back to Chip Authentication (DG14)"},
		{"EF.CardSecurity not a SignedData: Chip Authentication instead", func(p *sim.Profile) {
			p.Files["CardSecurity"] = p.Files["CardAccess"]
		}, trust, verify.StatusVerified, "CA/ok", "", "falls back to Chip Authentication (DG14)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := *genuine
			p.Files = map[string][]byte{}
			for k, v := range genuine.Files {
				p.Files[k] = append([]byte(nil), v...)
			}
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			var trace []string
			res, err := readWith(t, profileReader(t, &p), key, ReadOptions{Trust: tc.trust, Trace: func(l string) { trace = append(trace, l) }})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Verification
			if res.Access != "PACE-CAN" || v.Status != tc.wantStatus || v.Chip.Method+"/"+v.Chip.Status != tc.wantChip {
				t.Fatalf("access %s status %s chip %s/%s reasons %v", res.Access, v.Status, v.Chip.Method, v.Chip.Status, v.Reasons)
			}
			if tc.wantReason != "" && !contains(v.Reasons, tc.wantReason) {
				t.Errorf("reasons %v lack %s", v.Reasons, tc.wantReason)
			}
			if tc.wantStatus == verify.StatusVerified && len(v.Reasons) > 0 {
				t.Errorf("verified read with reasons %v", v.Reasons)
			}
			all := strings.Join(trace, "\n")
			if !strings.Contains(all, tc.wantTrace) {
				t.Errorf("trace lacks %q:\n%s", tc.wantTrace, all)
			}
			assertNoPersonalData(t, all)
			if res.Personal == nil || res.Personal.FullName != sim.DemoName {
				t.Errorf("personal data not read: %+v", res.Personal)
			}
		})
	}
}

// resignCardSecurity returns cs's content signed by a Document Signer of
// another, untrusted CSCA: what a genuine chip whose EF.CardSecurity and
// SOD have different signers looks like to a desk without that CSCA.
func resignCardSecurity(t *testing.T, cs []byte) []byte {
	t.Helper()
	ctype, content, err := lds.EncapsulatedContent(cs)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	csca := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "Other CSCA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0), CA: true}, pkitest.ECKey("P-256", false), nil)
	ds := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "Other DS"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0)}, pkitest.ECKey("P-256", false), csca)
	return pkitest.SignCMS(ctype, content, ds, pkitest.Scheme{}, now)
}

// TestCaptureKeepsCardSecurity: a PACE-CAM read keeps EF.CardSecurity in
// the capture (so `cccd dump` writes it), also when the chip check is
// skipped; a PACE-GM read does not read it.
func TestCaptureKeepsCardSecurity(t *testing.T) {
	cam, _ := camProfile(t, 3)
	gm, err := sim.DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ParseKey(sim.DemoCAN)
	tests := []struct {
		name string
		p    *sim.Profile
		skip bool
		want bool
	}{
		{"PACE-CAM", cam, false, true},
		{"PACE-CAM, chip check skipped", cam, true, true},
		{"PACE-GM", gm, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := profileReader(t, tc.p)
			card, err := r.Connect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer card.Close()
			c, err := CaptureCard(context.Background(), card, key, ReadOptions{SkipChipAuth: tc.skip})
			if err != nil {
				t.Fatal(err)
			}
			got := c.Files.CardSecurity()
			ok := got != nil
			if ok != tc.want || (ok && string(got) != string(tc.p.Files["CardSecurity"])) {
				t.Fatalf("CardSecurity in capture: %v (%d bytes)", ok, len(got))
			}
			if c.Files.SOD() == nil || c.Files.DG(1) == nil {
				t.Error("reading EF.CardSecurity first lost the application's files")
			}
		})
	}
}

// removeOnCardSecurity reports the card gone at a READ BINARY by SFI 1D
// while the master file is selected: EF.CardSecurity's read (SM leaves the
// header in clear).
type removeOnCardSecurity struct {
	reader.Card
	inMF bool
}

func (c *removeOnCardSecurity) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if len(apdu) >= 4 && apdu[1] == 0xA4 && apdu[2] != 0x02 {
		c.inMF = apdu[2] == 0x00 // P1 00: the MF; 04: the application
	}
	if len(apdu) >= 4 && c.inMF && apdu[1] == 0xB0 && apdu[2] == 0x80|0x1D {
		return nil, reader.ErrCardRemoved
	}
	return c.Card.Transmit(ctx, apdu)
}

// TestReadCardRemovedDuringCardSecurity: a card that leaves while
// EF.CardSecurity is read ends the read (no silent fallback to CA), and the
// error names no personal data.
func TestReadCardRemovedDuringCardSecurity(t *testing.T) {
	p, _ := camProfile(t, 4)
	card, err := profileReader(t, p).Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	key, _ := ParseKey(sim.DemoCAN)
	_, err = ReadCard(context.Background(), &removeOnCardSecurity{Card: card}, "sim:cam", key, ReadOptions{})
	if !errors.Is(err, reader.ErrCardRemoved) || !strings.Contains(err.Error(), "EF.CardSecurity") {
		t.Fatalf("err = %v, want ErrCardRemoved while reading EF.CardSecurity", err)
	}
	assertNoPersonalData(t, err.Error())
}
