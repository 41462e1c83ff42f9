package icao_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader/sim"
)

// TestNoPersonalDataInTracesOrErrors reads a card with tracing on, then
// provokes the errors a caller shows (wrong MRZ, card removed, missing
// file), and checks that no MRZ digits, names or file bytes appear.
func TestNoPersonalDataInTracesOrErrors(t *testing.T) {
	mrz, info := testMRZ()
	p := testProfile(false, 0)
	r := sim.NewReader("sim", newSimCard(t, p))
	ctx := context.Background()

	var lines []string
	var errs []error
	rc, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := icao.NewSession(rc)
	s.Trace = func(l string) { lines = append(lines, l) }
	if err := icao.SelectApplication(ctx, s); err != nil {
		t.Fatal(err)
	}
	wrong := info[:10] + "800101" + info[16:]
	errs = append(errs, icao.BAC(ctx, s, wrong))
	if err := icao.BAC(ctx, s, info); err != nil {
		t.Fatal(err)
	}
	if _, err := icao.ReadDocument(ctx, s, icao.DocumentOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = icao.ReadFile(ctx, s, mustDG(t, 11))
	errs = append(errs, err)
	r.RemoveAfter(3)
	_, err = icao.ReadDocument(ctx, s, icao.DocumentOptions{})
	errs = append(errs, err)

	if len(lines) < 20 {
		t.Fatalf("only %d trace lines", len(lines))
	}
	if !strings.Contains(strings.Join(lines, "\n"), "> 0CB0 ") {
		t.Errorf("trace has no protected READ BINARY line:\n%s", strings.Join(lines[:5], "\n"))
	}
	secrets := []string{testDocNo, testDOB, testDOE, testID, testID[6:], "NGUYEN", mrz[:20], info}
	for name, b := range p.Files { // any 6-byte run of file content, in hex
		if len(b) >= 16 {
			secrets = append(secrets, fmt.Sprintf("%X", b[8:14]), name+" content")
		}
	}
	for _, l := range lines {
		for _, sec := range secrets {
			if strings.Contains(strings.ToUpper(l), strings.ToUpper(sec)) {
				t.Errorf("trace line %q leaks %q", l, sec)
			}
		}
	}
	for i, e := range errs {
		if e == nil {
			t.Fatalf("error %d is nil", i)
		}
		for _, sec := range secrets {
			if strings.Contains(strings.ToUpper(e.Error()), strings.ToUpper(sec)) {
				t.Errorf("error %q leaks %q", e, sec)
			}
		}
	}
	if !errors.Is(errs[0], icao.ErrAccessDenied) || !errors.Is(errs[1], icao.ErrNotFound) {
		t.Errorf("errors = %v / %v", errs[0], errs[1])
	}
}

// TestReadOddINSBeyond32K reads a 40 KB DG2 with short APDUs: offsets above
// 32767 go through READ BINARY B1 with DO'54'.
func TestReadOddINSBeyond32K(t *testing.T) {
	_, info := testMRZ()
	for _, ext := range []bool{false, true} {
		t.Run(fmt.Sprintf("extended=%v", ext), func(t *testing.T) {
			p := testProfile(ext, 0)
			p.Files["DG2"] = tlvFile(0x75, 70000, nil)
			r := sim.NewReader("sim", newSimCard(t, p), sim.WithExtendedLength(ext))
			s, _ := openSim(t, r, info)
			var b1 int
			s.Trace = func(l string) {
				if strings.HasPrefix(l, "> 0CB1") {
					b1++
				}
			}
			got, err := icao.ReadFile(context.Background(), s, mustDG(t, 2))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(p.Files["DG2"]) {
				t.Errorf("DG2 differs: %d bytes read", len(got))
			}
			if b1 == 0 {
				t.Error("no odd-INS READ BINARY sent")
			}
		})
	}
}
