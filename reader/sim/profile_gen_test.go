package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/testenv"
)

func TestDemoProfile(t *testing.T) {
	p, err := DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	if p.CAN != DemoCAN || !p.PACE || len(p.MRZ) != 90 {
		t.Errorf("CAN %q, PACE %v, MRZ length %d", p.CAN, p.PACE, len(p.MRZ))
	}
	m, err := lds.ParseDG1(p.Files["DG1"])
	if err != nil {
		t.Fatal(err)
	}
	if id, err := m.IDNumber(); err != nil || id != DemoID {
		t.Errorf("DG1 ID = %q, %v", id, err)
	}
	if m.String() != p.MRZ[:30]+"\n"+p.MRZ[30:60]+"\n"+p.MRZ[60:] {
		t.Errorf("DG1 and profile MRZ differ")
	}
	if m.Surname != "NGUYEN" || m.GivenNames != "THI THU HA" || m.Sex != "F" || m.DateOfBirth != "900517" || m.DateOfExpiry != "300517" {
		t.Errorf("MRZ fields: %s / %s / %s / %s / %s", m.Surname, m.GivenNames, m.Sex, m.DateOfBirth, m.DateOfExpiry)
	}
	want := lds.Personal{
		IDNumber: DemoID, FullName: DemoName, DateOfBirth: "1990-05-17", Sex: "Nữ", Nationality: "Việt Nam",
		Ethnicity: "Kinh", Religion: "Không", DateOfIssue: "2021-04-12", DateOfExpiry: "2030-05-17",
	}
	got, err := lds.ParseDG13(p.Files["DG13"])
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range [][2]string{
		{got.IDNumber, want.IDNumber}, {got.FullName, want.FullName}, {got.DateOfBirth, want.DateOfBirth},
		{got.Sex, want.Sex}, {got.Nationality, want.Nationality}, {got.Ethnicity, want.Ethnicity},
		{got.Religion, want.Religion}, {got.DateOfIssue, want.DateOfIssue}, {got.DateOfExpiry, want.DateOfExpiry},
	} {
		if f[0] != f[1] {
			t.Errorf("DG13 field %q, want %q", f[0], f[1])
		}
	}
	if got.FatherName == "" || got.MotherName == "" || got.PlaceOfResidence == "" || got.PlaceOfOrigin == "" || got.IdentifyingMarks == "" {
		t.Errorf("DG13 incomplete: %+v", got)
	}
	if !strings.HasPrefix(got.FatherName, "Nguyễn ") {
		t.Errorf("father %q does not share the family name", got.FatherName)
	}
	pki, err := DemoPKI()
	if err != nil || !bytes.Contains(pki.CSCACert, []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("DemoPKI: %v", err)
	}
}

// TestGeneratedFiles checks every file of generated profiles: parsers accept
// them, the DG13 round-trips, the SOD lists the right hashes, the face is
// 15–20 KB.
func TestGeneratedFiles(t *testing.T) {
	seed := [32]byte{1}
	cases := []struct {
		name string
		opts ProfileOptions
	}{
		{"random", ProfileOptions{}},
		{"seeded", ProfileOptions{Seed: &seed}},
		{"overrides", ProfileOptions{Seed: &seed, ID: "001203001234", FullName: "Đặng  Văn   Lâm", DateOfBirth: time.Date(2003, 2, 28, 0, 0, 0, 0, time.UTC)}},
		{"ID only", ProfileOptions{ID: "048162004321"}},
		{"elderly: no expiry", ProfileOptions{DateOfBirth: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), IssueDate: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)}},
		{"child under the 2023 law", ProfileOptions{DateOfBirth: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, pki, err := GenerateProfile(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if pki == nil {
				t.Fatal("no PKI")
			}
			m, err := lds.ParseDG1(p.Files["DG1"])
			if err != nil {
				t.Fatal(err)
			}
			id, err := m.IDNumber()
			if err != nil || id[6:] != p.CAN {
				t.Fatalf("ID %q, CAN %q, %v", id, p.CAN, err)
			}
			if tc.opts.ID != "" && id != tc.opts.ID {
				t.Errorf("ID = %s, want %s", id, tc.opts.ID)
			}
			// ID digits 4–6 agree with sex and birth year.
			dob, _ := m.BirthDate(clock.Now())
			g := int(id[3] - '0')
			if (g%2 == 0) != (m.Sex == "M") || dob.Year()%100 != int(id[4]-'0')*10+int(id[5]-'0') || 1900+100*(g/2) != dob.Year()/100*100 {
				t.Errorf("ID %s disagrees with sex %s / birth year %d", id, m.Sex, dob.Year())
			}
			personal, err := lds.ParseDG13(p.Files["DG13"])
			if err != nil {
				t.Fatal(err)
			}
			if reenc, err := lds.EncodeDG13(personal); err != nil || !bytes.Equal(reenc, p.Files["DG13"]) {
				t.Errorf("DG13 does not round-trip: %v", err)
			}
			if personal.IDNumber != id || personal.DateOfBirth != dob.Format("2006-01-02") || mrz.Transliterate(personal.FullName) != strings.TrimSpace(m.Surname+" "+m.GivenNames) {
				t.Errorf("DG13 disagrees with DG1")
			}
			if tc.opts.FullName != "" && personal.FullName != strings.Join(strings.Fields(tc.opts.FullName), " ") {
				t.Errorf("name = %q", personal.FullName)
			}
			if exp, ok := m.ExpiryDate(); ok {
				if !exp.After(clock.Now()) || personal.DateOfExpiry != exp.Format("2006-01-02") {
					t.Errorf("expiry %v / DG13 %q", exp, personal.DateOfExpiry)
				}
			} else if personal.DateOfExpiry != "Không thời hạn" || m.DateOfExpiry != "<<<<<<" {
				t.Errorf("no-expiry card: MRZ %q, DG13 %q", m.DateOfExpiry, personal.DateOfExpiry)
			}
			img, err := lds.ParseDG2(p.Files["DG2"])
			if err != nil {
				t.Fatal(err)
			}
			if img.Format != "jpeg" || len(img.Data) < 15000 || len(img.Data) > 20*1024 || !img.SizeMatchesRecord() {
				t.Errorf("face: %s %dx%d, %d bytes", img.Format, img.Width, img.Height, len(img.Data))
			}
			com, err := lds.ParseCOM(p.Files["COM"])
			if err != nil || !reflect.DeepEqual(com.DataGroups, []int{1, 2, 3, 13, 14, 15}) {
				t.Errorf("COM: %+v %v", com, err)
			}
			si, err := lds.ParseCardAccess(p.Files["CardAccess"])
			if err != nil || len(si.PACE) != 1 || si.PACE[0].ParameterID != 13 || !si.PACE[0].Protocol.Equal(lds.OIDPACEECDHGMAESCBCCMAC128) {
				t.Errorf("CardAccess: %+v %v", si, err)
			}
			if _, err := lds.ParseDG14(p.Files["DG14"]); err != nil {
				t.Errorf("DG14: %v", err)
			}
			if _, err := lds.ParseDG15(p.Files["DG15"]); err != nil {
				t.Errorf("DG15: %v", err)
			}
			lso, err := lds.ParseSOD(p.Files["SOD"])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(lso.DataGroups(), signedDGs) {
				t.Errorf("SOD lists %v", lso.DataGroups())
			}
			for _, n := range signedDGs {
				h, _ := lso.HashOf(n)
				sum := sha256.Sum256(p.Files[fmt.Sprintf("DG%d", n)])
				if !bytes.Equal(h, sum[:]) {
					t.Errorf("DG%d hash mismatch", n)
				}
			}
		})
	}
}

func TestGenerateProfileDeterministic(t *testing.T) {
	seed := [32]byte{7, 7, 7}
	opts := ProfileOptions{Seed: &seed, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	enc := func(o ProfileOptions) ([]byte, *TestPKI) {
		p, pki, err := GenerateProfile(o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return b, pki
	}
	a, pa := enc(opts)
	b, pb := enc(opts)
	if !bytes.Equal(a, b) || !reflect.DeepEqual(pa, pb) {
		t.Error("same seed gave different profiles")
	}
	other := [32]byte{8}
	opts.Seed = &other
	c, pc := enc(opts)
	if bytes.Equal(a, c) || bytes.Equal(pa.CSCACert, pc.CSCACert) {
		t.Error("different seeds gave the same profile")
	}
	d1, _ := DemoProfile()
	makeDemoAgain := func() *Profile {
		p, _, err := GenerateProfile(ProfileOptions{ID: DemoID, FullName: DemoName, DateOfBirth: DemoDateOfBirth,
			IssueDate: DemoIssueDate, Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Seed: &demoSeed, Description: d1.Description})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if !reflect.DeepEqual(d1, makeDemoAgain()) {
		t.Error("demo profile is not reproducible")
	}
}

// TestSODVerifiesWithOpenSSL is the acceptance check: OpenSSL's CMS verifier
// accepts the generated SOD against the generated CSCA, and refuses it when
// the signed content or the trust anchor is wrong.
func TestSODVerifiesWithOpenSSL(t *testing.T) {
	p, pki, err := GenerateProfile(ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := GenerateProfile(ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	content, err := lds.SODContent(p.Files["SOD"])
	if err != nil {
		t.Fatal(err)
	}
	checkCMSWithOpenSSL(t, content, pki.CSCACert, other.CSCACert, clock.Now())
}

// checkCMSWithOpenSSL runs `openssl cms -verify` on signedData (a DER
// ContentInfo): it must succeed against csca and output the encapsulated
// content, and fail when the content's last byte is flipped or when only
// otherCSCA is trusted. OpenSSL judges certificate validity at the time
// given (the time the test PKI was made for), not by the real clock.
func checkCMSWithOpenSSL(t *testing.T, signedData, csca, otherCSCA []byte, at time.Time) {
	t.Helper()
	openssl := testenv.LookPath(t, "openssl")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	_, eContent, err := lds.EncapsulatedContent(signedData)
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), signedData...)
	i := bytes.Index(tampered, eContent)
	tampered[i+len(eContent)-1] ^= 1
	cscaFile := write("csca.pem", csca)
	cases := []struct {
		name, in, caFile string
		ok               bool
	}{
		{"genuine", write("signed.der", signedData), cscaFile, true},
		{"tampered content", write("tampered.der", tampered), cscaFile, false},
		{"other CSCA", write("signed2.der", signedData), write("other.pem", otherCSCA), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outFile := filepath.Join(dir, tc.name+".out")
			out, err := exec.Command(openssl, "cms", "-verify", "-inform", "DER", "-in", tc.in,
				"-CAfile", tc.caFile, "-purpose", "any", "-out", outFile,
				"-attime", strconv.FormatInt(at.Unix(), 10)).CombinedOutput()
			if (err == nil) != tc.ok {
				t.Fatalf("openssl cms -verify: err %v, want ok=%v\n%s", err, tc.ok, out)
			}
			if tc.ok {
				got, _ := os.ReadFile(outFile)
				if !bytes.Equal(got, eContent) || !strings.Contains(string(out), "Verification successful") {
					t.Errorf("openssl output %q, content %d bytes", out, len(got))
				}
			}
		})
	}
}

func TestCloneProfile(t *testing.T) {
	orig, err := DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	clone, pki, err := GenerateProfile(ProfileOptions{CloneOf: orig})
	if err != nil {
		t.Fatal(err)
	}
	if pki != nil {
		t.Error("a clone got its own PKI")
	}
	if !reflect.DeepEqual(clone.Files, orig.Files) || clone.MRZ != orig.MRZ || clone.CAN != orig.CAN {
		t.Error("clone files differ from the original")
	}
	if bytes.Equal(clone.ChipAuthKey, orig.ChipAuthKey) || bytes.Equal(clone.ActiveAuthKey, orig.ActiveAuthKey) || len(clone.ChipAuthKey) == 0 {
		t.Error("clone kept the original chip keys")
	}
}

func TestGenerateProfileErrors(t *testing.T) {
	cases := []struct {
		name string
		opts ProfileOptions
	}{
		{"short ID", ProfileOptions{ID: "07919001234"}},
		{"letters in ID", ProfileOptions{ID: "07919001234X"}},
		{"future birth", ProfileOptions{DateOfBirth: clock.Now().AddDate(1, 0, 0)}},
		{"name without letters", ProfileOptions{FullName: "123 !!"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := GenerateProfile(tc.opts)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "0791900123") || strings.Contains(err.Error(), "123 !!") {
				t.Errorf("error %q leaks the input", err)
			}
		})
	}
	if _, _, err := GenerateProfile(ProfileOptions{CloneOf: &Profile{ChipAuthKey: []byte{1, 2}}}); err == nil || errors.Unwrap(err) == nil {
		t.Errorf("clone of a broken profile: %v", err)
	}
}
