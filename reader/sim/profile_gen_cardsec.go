package sim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// offersCAM reports whether p's EF.CardAccess advertises PACE-CAM.
func offersCAM(p *Profile) bool {
	ca, ok := p.Files["CardAccess"]
	if !ok {
		return false
	}
	si, err := lds.ParseCardAccess(ca)
	if err != nil {
		return false
	}
	for _, info := range si.PACE {
		if pr, err := pace.ParseProtocol(info.Protocol); err == nil && pr.Mapping == pace.ChipAuthenticationMapping {
			return true
		}
	}
	return false
}

// cardSecurityInfos builds the SecurityInfos SET a PACE-CAM chip signs into
// EF.CardSecurity (BSI TR-03110-3 §A.1.2): every SecurityInfo of
// EF.CardAccess (PACEInfo, ChipAuthenticationInfo, TerminalAuthenticationInfo)
// and those of DG14 but ActiveAuthenticationInfo, so it carries the
// ChipAuthenticationPublicKeyInfo whose key CAM proves. Duplicates go; DER
// sorts the SET. It fails when no ECDH chip key is among them: CAM proves an
// EC key.
func cardSecurityInfos(p *Profile) ([]byte, error) {
	var items []asn1.RawValue
	seen := map[string]bool{}
	ecKey := false
	aa, pkECDH := mustOIDBytes(lds.OIDAA), mustOIDBytes(lds.OIDPKECDH)
	add := func(name string, set []byte, skipAA bool) error {
		infos, err := tlv.ParseAll(set)
		if err != nil {
			return fmt.Errorf("sim: %s SecurityInfos: %w", name, err)
		}
		for _, el := range infos {
			// SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, ... }
			kids, err := el.Children()
			if err != nil || len(kids) == 0 || kids[0].Tag != 0x06 {
				return fmt.Errorf("sim: %s holds a SecurityInfo without a protocol OID", name)
			}
			oid := kids[0].Raw
			if (skipAA && bytes.Equal(oid, aa)) || seen[string(el.Raw)] {
				continue
			}
			ecKey = ecKey || bytes.Equal(oid, pkECDH)
			seen[string(el.Raw)] = true
			items = append(items, asn1.RawValue{FullBytes: el.Raw})
		}
		return nil
	}
	ca, err := tlv.Unwrap(p.Files["CardAccess"], 0x31)
	if err != nil {
		return nil, fmt.Errorf("sim: EF.CardAccess: %w", err)
	}
	if err := add("EF.CardAccess", ca, false); err != nil {
		return nil, err
	}
	dg14, err := tlv.Unwrap(p.Files["DG14"], 0x6E)
	if err != nil {
		return nil, fmt.Errorf("sim: DG14: %w", err)
	}
	set, err := tlv.Unwrap(dg14, 0x31)
	if err != nil {
		return nil, fmt.Errorf("sim: DG14: %w", err)
	}
	if err := add("DG14", set, true); err != nil {
		return nil, err
	}
	if !ecKey {
		return nil, fmt.Errorf("sim: PACE-CAM needs an ECDH chip key in DG14; give CADomain the PACE curve")
	}
	return derSet(items), nil
}

// signCardSecurity writes EF.CardSecurity into a PACE-CAM profile: the
// SecurityInfos (cardSecurityInfos) as a CMS SignedData of type
// id-SecurityObject, signed by the DS that signs the SOD. It must run after
// rekey: the ChipAuthenticationPublicKeyInfo is copied from DG14 as it is
// then. Profiles without CAM are left alone.
func signCardSecurity(p *Profile, ds *x509.Certificate, dsKey *ecdsa.PrivateKey, signingTime time.Time) error {
	if !offersCAM(p) {
		return nil
	}
	infos, err := cardSecurityInfos(p)
	if err != nil {
		return err
	}
	cs, err := signCMS(lds.OIDSecurityObject, infos, ds, dsKey, signingTime)
	if err != nil {
		return fmt.Errorf("sim: EF.CardSecurity: %w", err)
	}
	p.Files["CardSecurity"] = cs
	return nil
}

// mustOIDBytes is the DER encoding of a fixed OID.
func mustOIDBytes(oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic(err) // programming error: fixed OIDs encode
	}
	return b
}
