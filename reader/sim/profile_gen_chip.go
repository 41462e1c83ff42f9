package sim

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"io"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao/curves"
)

// rekey replaces the EC chip keys AddChipKeys made with keys drawn from rnd
// and rewrites their public points in DG14, DG15 and EF.CardSecurity, so a
// seeded profile is reproducible (crypto/ecdsa ignores custom random
// sources since Go 1.26). Each old public point must be found in the files.
func rekey(p *Profile, rnd io.Reader) error {
	for _, k := range []*[]byte{&p.ChipAuthKey, &p.ActiveAuthKey} {
		if len(*k) == 0 {
			continue
		}
		parsed, err := curves.ParsePKCS8(*k)
		if err != nil {
			return fmt.Errorf("sim: chip key: %w", err)
		}
		old, ok := parsed.(*ecdsa.PrivateKey)
		if !ok {
			continue // RSA and DH keys stay as generated
		}
		nk, err := deriveECKey(old.Curve, rnd)
		if err != nil {
			return fmt.Errorf("sim: chip key: %w", err)
		}
		oldPoint := ecc.Marshal(old.Curve, old.X, old.Y)
		newPoint := ecc.Marshal(nk.Curve, nk.X, nk.Y)
		found := false
		for _, name := range []string{"DG14", "DG15", "CardSecurity"} {
			f := p.Files[name]
			if n := bytes.Count(f, oldPoint); n > 0 {
				p.Files[name] = bytes.ReplaceAll(f, oldPoint, newPoint)
				found = true
			}
		}
		if !found {
			return fmt.Errorf("sim: chip public key not found in DG14/DG15")
		}
		if *k, err = curves.MarshalPKCS8(nk); err != nil {
			return fmt.Errorf("sim: chip key: %w", err)
		}
	}
	return nil
}
