package lds

import (
	"encoding/asn1"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Protocol OIDs of BSI TR-03110 / ICAO 9303-11 §9.2 used in SecurityInfos.
var (
	oidBSI = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2}

	OIDPKDH   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 1} // id-PK-DH
	OIDPKECDH = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 2} // id-PK-ECDH
	OIDTA     = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 2}    // id-TA
	OIDCA     = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3}    // id-CA
	OIDPACE   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}    // id-PACE

	OIDCADH                  = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1}
	OIDCADH3DESCBCCBC        = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 1}
	OIDCADHAESCBCCMAC128     = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 2}
	OIDCADHAESCBCCMAC192     = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 3}
	OIDCADHAESCBCCMAC256     = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 4}
	OIDCAECDH                = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2}
	OIDCAECDH3DESCBCCBC      = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 1}
	OIDCAECDHAESCBCCMAC128   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 2}
	OIDCAECDHAESCBCCMAC192   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 3}
	OIDCAECDHAESCBCCMAC256   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 4}
	OIDPACEDHGM              = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1}
	OIDPACEDHGM3DESCBCCBC    = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 1}
	OIDPACEDHGMAESCBCCMAC128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 2}
	OIDPACEDHGMAESCBCCMAC192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 3}
	OIDPACEDHGMAESCBCCMAC256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 4}

	OIDPACEECDHGM              = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2}
	OIDPACEECDHGM3DESCBCCBC    = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 1}
	OIDPACEECDHGMAESCBCCMAC128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}
	OIDPACEECDHGMAESCBCCMAC192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 3}
	OIDPACEECDHGMAESCBCCMAC256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 4}

	OIDPACEDHIM              = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3}
	OIDPACEDHIM3DESCBCCBC    = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3, 1}
	OIDPACEDHIMAESCBCCMAC128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3, 2}
	OIDPACEDHIMAESCBCCMAC192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3, 3}
	OIDPACEDHIMAESCBCCMAC256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3, 4}

	OIDPACEECDHIM              = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4}
	OIDPACEECDHIM3DESCBCCBC    = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4, 1}
	OIDPACEECDHIMAESCBCCMAC128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4, 2}
	OIDPACEECDHIMAESCBCCMAC192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4, 3}
	OIDPACEECDHIMAESCBCCMAC256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4, 4}

	OIDPACEECDHCAM              = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6}
	OIDPACEECDHCAMAESCBCCMAC128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6, 2}
	OIDPACEECDHCAMAESCBCCMAC192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6, 3}
	OIDPACEECDHCAMAESCBCCMAC256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6, 4}

	// OIDAA is id-icao-mrtd-security-aaProtocolObject (ActiveAuthenticationInfo).
	OIDAA = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}
)

// PACEInfo advertises one PACE variant (protocol OID names mapping, key
// agreement and cipher) with its standardized domain parameters.
type PACEInfo struct {
	Protocol asn1.ObjectIdentifier
	Version  int
	// ParameterID is the standardized domain parameter id (13 =
	// brainpoolP256r1), -1 when absent (proprietary parameters).
	ParameterID int
}

// PACEDomainParameterInfo carries explicit PACE domain parameters.
type PACEDomainParameterInfo struct {
	Protocol asn1.ObjectIdentifier
	// DomainParameter is the DER AlgorithmIdentifier as stored.
	DomainParameter []byte
	ParameterID     int // -1 when absent
}

// ChipAuthenticationInfo advertises Chip Authentication with one cipher.
type ChipAuthenticationInfo struct {
	Protocol asn1.ObjectIdentifier
	Version  int
	KeyID    int // -1 when absent
}

// ChipAuthenticationDomainParameterInfo carries CA domain parameters.
type ChipAuthenticationDomainParameterInfo struct {
	Protocol        asn1.ObjectIdentifier
	DomainParameter []byte // DER AlgorithmIdentifier as stored
	KeyID           int    // -1 when absent
}

// ChipAuthenticationPublicKeyInfo is the chip's static CA public key.
type ChipAuthenticationPublicKeyInfo struct {
	Protocol asn1.ObjectIdentifier // id-PK-ECDH or id-PK-DH
	// SPKI is the DER SubjectPublicKeyInfo as stored (the verifier decodes
	// brainpool and explicit parameters).
	SPKI      []byte
	Algorithm asn1.ObjectIdentifier // the SPKI's algorithm OID
	KeyID     int                   // -1 when absent
}

// TerminalAuthenticationInfo advertises Terminal Authentication (EAC).
type TerminalAuthenticationInfo struct {
	Version int
}

// ActiveAuthenticationInfo names the signature algorithm of ECDSA Active
// Authentication (ICAO 9303-11 §6.1).
type ActiveAuthenticationInfo struct {
	Version            int
	SignatureAlgorithm asn1.ObjectIdentifier
}

// UnknownInfo is a SecurityInfo with a protocol this package does not decode.
type UnknownInfo struct {
	Protocol asn1.ObjectIdentifier
	Raw      []byte // the whole DER SecurityInfo
}

// SecurityInfos is a decoded SET OF SecurityInfo, as found in EF.CardAccess,
// DG14 and EF.CardSecurity. Each list keeps file order.
type SecurityInfos struct {
	PACE                     []PACEInfo
	PACEDomainParameters     []PACEDomainParameterInfo
	ChipAuth                 []ChipAuthenticationInfo
	ChipAuthDomainParameters []ChipAuthenticationDomainParameterInfo
	ChipAuthPublicKeys       []ChipAuthenticationPublicKeyInfo
	TerminalAuth             []TerminalAuthenticationInfo
	ActiveAuth               []ActiveAuthenticationInfo
	Unknown                  []UnknownInfo
}

// TagDG14 is the application tag of DG14.
const TagDG14 = 0x6E

// ParseCardAccess decodes EF.CardAccess: a bare SecurityInfos SET. Bytes
// after the SET (read padding) are ignored.
func ParseCardAccess(b []byte) (*SecurityInfos, error) {
	el, _, err := tlv.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: EF.CardAccess: %v", ErrMalformed, err)
	}
	si, err := ParseSecurityInfos(el.Raw)
	if err != nil {
		return nil, fmt.Errorf("EF.CardAccess: %w", err)
	}
	return si, nil
}

// ParseDG14 decodes DG14 (6E → SecurityInfos).
func ParseDG14(b []byte) (*SecurityInfos, error) {
	outer, _, err := tlv.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: DG14: %v", ErrMalformed, err)
	}
	if outer.Tag != TagDG14 {
		return nil, fmt.Errorf("%w: DG14 starts with tag %X, want 6E", ErrMalformed, outer.Tag)
	}
	si, err := ParseSecurityInfos(outer.Value)
	if err != nil {
		return nil, fmt.Errorf("DG14: %w", err)
	}
	return si, nil
}

// ParseCardSecurity decodes EF.CardSecurity: a CMS SignedData whose
// eContent (type id-SecurityObject) is SecurityInfos. The signature is not
// checked here; passive authentication must verify it before the chip keys
// inside are trusted.
func ParseCardSecurity(b []byte) (*SecurityInfos, error) {
	ci := b
	if el, _, err := tlv.Parse(b); err == nil {
		ci = el.Raw // drop read padding; BER files go to the CMS walk whole
	}
	ctype, content, err := EncapsulatedContent(ci)
	if err != nil {
		return nil, fmt.Errorf("EF.CardSecurity: %w", err)
	}
	if !ctype.Equal(OIDSecurityObject) {
		return nil, fmt.Errorf("%w: EF.CardSecurity eContentType %s, want id-SecurityObject", ErrMalformed, ctype)
	}
	si, err := ParseSecurityInfos(content)
	if err != nil {
		return nil, fmt.Errorf("EF.CardSecurity: %w", err)
	}
	return si, nil
}

// ParseSecurityInfos decodes exactly one SET OF SecurityInfo (BER accepted).
func ParseSecurityInfos(b []byte) (*SecurityInfos, error) {
	der, err := toDER(b)
	if err != nil {
		return nil, fmt.Errorf("SecurityInfos: %w", err)
	}
	s := cryptobyte.String(der)
	var set cryptobyte.String
	if !s.ReadASN1(&set, cbasn1.SET) {
		return nil, fmt.Errorf("%w: SecurityInfos is not a SET", ErrMalformed)
	}
	si := &SecurityInfos{}
	for !set.Empty() {
		var raw, info cryptobyte.String
		if !set.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: SecurityInfo is not a SEQUENCE", ErrMalformed)
		}
		info = raw
		var oid asn1.ObjectIdentifier
		if !info.ReadASN1(&info, cbasn1.SEQUENCE) || !info.ReadASN1ObjectIdentifier(&oid) {
			return nil, fmt.Errorf("%w: SecurityInfo has no protocol OID", ErrMalformed)
		}
		if err := si.add(oid, info, []byte(raw)); err != nil {
			return nil, fmt.Errorf("%w: SecurityInfo %s: %s", ErrMalformed, oid, err)
		}
	}
	return si, nil
}

// add decodes the body (after the OID) of one SecurityInfo by its protocol.
func (si *SecurityInfos) add(oid asn1.ObjectIdentifier, body cryptobyte.String, raw []byte) error {
	under := func(prefix asn1.ObjectIdentifier, arcs int) bool {
		return len(oid) == len(prefix)+arcs && asn1.ObjectIdentifier(oid[:len(prefix)]).Equal(prefix)
	}
	pace, ca := OIDPACE, OIDCA
	pk := append(append(asn1.ObjectIdentifier{}, oidBSI...), 1)
	var err error
	switch {
	case under(pace, 2):
		var p PACEInfo
		p.Protocol = oid
		if p.Version, err = readInt(&body); err == nil {
			p.ParameterID, err = optionalInt(&body)
		}
		si.PACE = append(si.PACE, p)
	case under(pace, 1):
		var p PACEDomainParameterInfo
		p.Protocol = oid
		if p.DomainParameter, err = readElement(&body, cbasn1.SEQUENCE); err == nil {
			p.ParameterID, err = optionalInt(&body)
		}
		si.PACEDomainParameters = append(si.PACEDomainParameters, p)
	case under(ca, 2):
		var c ChipAuthenticationInfo
		c.Protocol = oid
		if c.Version, err = readInt(&body); err == nil {
			c.KeyID, err = optionalInt(&body)
		}
		si.ChipAuth = append(si.ChipAuth, c)
	case under(ca, 1):
		var c ChipAuthenticationDomainParameterInfo
		c.Protocol = oid
		if c.DomainParameter, err = readElement(&body, cbasn1.SEQUENCE); err == nil {
			c.KeyID, err = optionalInt(&body)
		}
		si.ChipAuthDomainParameters = append(si.ChipAuthDomainParameters, c)
	case under(pk, 1):
		var k ChipAuthenticationPublicKeyInfo
		k.Protocol = oid
		var spki []byte
		if spki, err = readElement(&body, cbasn1.SEQUENCE); err == nil {
			if k.SPKI, k.Algorithm, err = readSPKI(spki); err == nil {
				k.KeyID, err = optionalInt(&body)
			}
		}
		si.ChipAuthPublicKeys = append(si.ChipAuthPublicKeys, k)
	case oid.Equal(OIDTA):
		var t TerminalAuthenticationInfo
		t.Version, err = readInt(&body)
		body = nil // optional efCVCA file id: not needed
		si.TerminalAuth = append(si.TerminalAuth, t)
	case oid.Equal(OIDAA):
		var a ActiveAuthenticationInfo
		if a.Version, err = readInt(&body); err == nil && !body.ReadASN1ObjectIdentifier(&a.SignatureAlgorithm) {
			err = fmt.Errorf("no signature algorithm")
		}
		si.ActiveAuth = append(si.ActiveAuth, a)
	default:
		si.Unknown = append(si.Unknown, UnknownInfo{Protocol: oid, Raw: raw})
		return nil
	}
	if err != nil {
		return err
	}
	if !body.Empty() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// readInt reads a required small non-negative INTEGER.
func readInt(s *cryptobyte.String) (int, error) {
	var v int64
	if !s.ReadASN1Int64WithTag(&v, cbasn1.INTEGER) || v < 0 || v > 1<<31-1 {
		return 0, fmt.Errorf("missing or invalid INTEGER")
	}
	return int(v), nil
}

// optionalInt reads an optional trailing INTEGER; -1 when absent.
func optionalInt(s *cryptobyte.String) (int, error) {
	if s.Empty() {
		return -1, nil
	}
	return readInt(s)
}

// readElement reads one whole element with the given tag.
func readElement(s *cryptobyte.String, tag cbasn1.Tag) ([]byte, error) {
	var el cryptobyte.String
	if !s.ReadASN1Element(&el, tag) {
		return nil, fmt.Errorf("missing %v element", tag)
	}
	return []byte(el), nil
}
