package sim

import (
	"crypto"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/mrz"
)

// ProfileOptions choose the simulated card GenerateProfile makes. The zero
// value makes a random synthetic citizen with a card issued in the last
// three years.
type ProfileOptions struct {
	// ID is the 12-digit personal ID (default: synthetic, consistent with
	// the date of birth and sex). Its digits 4–6 give sex and birth year
	// when DateOfBirth is zero.
	ID string
	// FullName is the Vietnamese name with diacritics, family name first
	// (default: a random common name).
	FullName string
	// DateOfBirth (default: random, 1955–2004, or the ID's birth year).
	DateOfBirth time.Time
	// IssueDate of the card (default: random in the last three years); the
	// expiry follows from it by the ID laws (mrz.ExpiryFor).
	IssueDate time.Time
	// Now is the generation time (default time.Now()): the card is valid at
	// Now and the test PKI covers it.
	Now time.Time
	// Seed makes the profile and its keys reproducible: the same seed and
	// options give the same bytes. Nil draws a random seed.
	Seed *[32]byte
	// CloneOf makes a clone of that profile instead: the same files, MRZ and
	// CAN, new random chip keys (CA and AA then fail; Seed is not used). No
	// new PKI is made.
	CloneOf *Profile
	// Description is stored in the profile (default names the generator).
	Description string
	// Chip chooses the chip's protocols and key types (zero value: the
	// CCCD's PACE-GM, CA and AA on brainpoolP256r1; see ChipKeyOptions).
	// With PACEMapping CAM the profile also gets an EF.CardSecurity signed
	// by the SOD's Document Signer. Seeded EC keys are redrawn from Seed.
	Chip ChipKeyOptions
}

// dataGroups a CCCD carries and the generated SOD covers (DG3 is absent:
// fingerprints are EAC-protected and not simulated).
var signedDGs = []int{1, 2, 13, 14, 15}

// GenerateProfile makes a simulated CCCD: DG1 (TD1 MRZ in the CCCD layout),
// DG2 (a generated JPEG face in an ISO 19794-5 record), DG13 (every field),
// the chip keys with DG14, DG15 and EF.CardAccess (AddChipKeys: PACE-GM
// brainpoolP256r1, CA, AA, or what opts.Chip chooses), EF.COM, and an
// EF.SOD with SHA-256 hashes signed by a fresh test Document Signer under a
// fresh test CSCA (TestPKI); a PACE-CAM chip also gets EF.CardSecurity
// signed by the same DS. `openssl cms -verify -inform DER -in <SOD content>
// -CAfile <CSCA> -purpose any` accepts the SOD and EF.CardSecurity.
//
// With opts.CloneOf set it returns a clone and a nil TestPKI.
func GenerateProfile(opts ProfileOptions) (*Profile, *TestPKI, error) {
	seed := opts.Seed
	if seed == nil {
		seed = new([32]byte)
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, nil, fmt.Errorf("sim: seed: %w", err)
		}
	}
	// Independent streams, so that e.g. a new name does not change the keys.
	stream := func(label byte) *rand.ChaCha8 {
		s := *seed
		s[31] ^= label
		return rand.NewChaCha8(s)
	}
	if opts.CloneOf != nil {
		p, err := CloneChipKeys(opts.CloneOf, nil)
		if err != nil {
			return nil, nil, err
		}
		p.Description = "clone of: " + opts.CloneOf.Description
		return p, nil, nil
	}
	now := opts.Now
	if now.IsZero() {
		now = clock.Now()
	}
	rng := rand.New(stream('p'))
	who, err := newPerson(opts, rng, now)
	if err != nil {
		return nil, nil, err
	}
	p := &Profile{Description: opts.Description, Files: map[string][]byte{}}
	if p.Description == "" {
		p.Description = "synthetic CCCD made by cccd sim profile (test PKI, not a real card)"
	}
	if err := fillDocument(p, who, rand.New(stream('f'))); err != nil {
		return nil, nil, err
	}
	if err := AddChipKeys(p, opts.Chip); err != nil {
		return nil, nil, err
	}
	if err := rekey(p, stream('k')); err != nil {
		return nil, nil, err
	}
	pki, err := signProfile(p, who.Issued, stream('s'))
	if err != nil {
		return nil, nil, err
	}
	return p, pki, nil
}

// fillDocument writes MRZ, CAN, DG1, DG2, DG13 and EF.COM for who.
func fillDocument(p *Profile, who *person, rng *rand.Rand) error {
	sex := "F"
	if who.Male {
		sex = "M"
	}
	m, err := mrz.BuildCCCD(mrz.CCCDFields{ID: who.ID, DateOfBirth: who.DOB, Sex: sex, Expiry: who.Expiry, FullName: who.Name})
	if err != nil {
		return fmt.Errorf("sim: MRZ: %w", err)
	}
	p.MRZ = m
	p.CAN = who.ID[6:]
	face, err := drawFace(rng)
	if err != nil {
		return err
	}
	dg2, err := lds.EncodeDG2(face)
	if err != nil {
		return fmt.Errorf("sim: DG2: %w", err)
	}
	dg13, err := lds.EncodeDG13(&who.Personal)
	if err != nil {
		return fmt.Errorf("sim: DG13: %w", err)
	}
	com, err := lds.EncodeCOM("0107", "040000", []int{1, 2, 3, 13, 14, 15})
	if err != nil {
		return err
	}
	p.Files["DG1"], p.Files["DG2"], p.Files["DG13"], p.Files["COM"] = lds.EncodeDG1(m), dg2, dg13, com
	return nil
}

// signProfile hashes the signed data groups into an LDSSecurityObject,
// issues the test PKI and writes EF.SOD, signed on the card's issue date,
// and on a PACE-CAM chip EF.CardSecurity with the same DS. It runs after
// rekey, so both cover the final public keys.
func signProfile(p *Profile, issued time.Time, rnd *rand.ChaCha8) (*TestPKI, error) {
	dgs := map[int][]byte{}
	for _, n := range signedDGs {
		if b, ok := p.Files[fmt.Sprintf("DG%d", n)]; ok {
			dgs[n] = b
		}
	}
	lso, err := lds.NewLDSSecurityObject(crypto.SHA256, dgs)
	if err != nil {
		return nil, fmt.Errorf("sim: SOD: %w", err)
	}
	content, err := lso.Encode()
	if err != nil {
		return nil, fmt.Errorf("sim: SOD: %w", err)
	}
	pki, ds, dsKey, err := newTestPKI(rnd, issued)
	if err != nil {
		return nil, err
	}
	signed := issued.Add(9 * time.Hour)
	sod, err := signSOD(content, ds, dsKey, signed)
	if err != nil {
		return nil, err
	}
	p.Files["SOD"] = sod
	if err := signCardSecurity(p, ds, dsKey, signed); err != nil {
		return nil, err
	}
	return pki, nil
}
