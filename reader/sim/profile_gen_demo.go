package sim

import (
	"sync"
	"time"
)

// The demo card of `make demo` and the tests: a synthetic citizen (no real
// person), stable across runs because every key and random choice comes from
// a fixed seed.
//
//	ID number      079190012345 (province 079 = Hồ Chí Minh City, female born 19-90)
//	CAN            012345 (last 6 ID digits)
//	Name           Nguyễn Thị Thu Hà   (MRZ: NGUYEN<<THI<THU<HA)
//	Date of birth  1990-05-17, sex Nữ / F
//	Issued         2021-04-12 at age 30 → valid to her 40th birthday, 2030-05-17
//	Chip           PACE-GM brainpoolP256r1 (CAN or MRZ), BAC, CA, AA
//	SOD            SHA-256, signed by "DS cccd TEST" under "CSCA cccd TEST"
//	               (DemoPKI; import its CSCA as the demo trust anchor)
//
// The demo roster lists this person as insured.
const (
	DemoID   = "079190012345"
	DemoName = "Nguyễn Thị Thu Hà"
	DemoCAN  = "012345"
)

// DemoDateOfBirth and DemoIssueDate are the demo citizen's dates.
var (
	DemoDateOfBirth = time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	DemoIssueDate   = time.Date(2021, 4, 12, 0, 0, 0, 0, time.UTC)
)

// demoSeed fixes every key and random choice of the demo profile.
var demoSeed = [32]byte{'c', 'c', 'c', 'd', '-', 'd', 'e', 'm', 'o', '-', 'v', '1'}

var demo struct {
	once sync.Once
	p    *Profile
	pki  *TestPKI
	err  error
}

func makeDemo() {
	demo.p, demo.pki, demo.err = GenerateProfile(ProfileOptions{
		ID:          DemoID,
		FullName:    DemoName,
		DateOfBirth: DemoDateOfBirth,
		IssueDate:   DemoIssueDate,
		Now:         time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Seed:        &demoSeed,
		Description: "cccd demo card: synthetic citizen " + DemoName + " (test PKI, not a real card)",
	})
}

// DemoProfile returns the demo card (see DemoID). It is generated once per
// process, identically on every run; each call returns a fresh copy that
// the caller may modify.
func DemoProfile() (*Profile, error) {
	demo.once.Do(makeDemo)
	if demo.err != nil {
		return nil, demo.err
	}
	q := *demo.p
	q.Files = make(map[string][]byte, len(demo.p.Files))
	for k, v := range demo.p.Files {
		q.Files[k] = append([]byte(nil), v...)
	}
	q.ChipAuthKey = append([]byte(nil), demo.p.ChipAuthKey...)
	q.ActiveAuthKey = append([]byte(nil), demo.p.ActiveAuthKey...)
	return &q, nil
}

// DemoPKI returns the test PKI that signed the demo card: its CSCA is the
// demo trust anchor.
func DemoPKI() (*TestPKI, error) {
	demo.once.Do(makeDemo)
	if demo.err != nil {
		return nil, demo.err
	}
	pki := *demo.pki
	return &pki, nil
}
