package pace

import (
	"encoding/asn1"
	"fmt"

	"github.com/cccd-agent/cccd/icao/lds"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/curves"
)

// Mapping is the PACE mapping of the nonce onto a new generator.
type Mapping int

// The three mappings of ICAO 9303-11 §4.4.
const (
	GenericMapping            Mapping = iota + 1 // GM
	IntegratedMapping                            // IM
	ChipAuthenticationMapping                    // CAM (ECDH only, GM then chip authentication)
)

// String returns "GM", "IM" or "CAM".
func (m Mapping) String() string {
	switch m {
	case GenericMapping:
		return "GM"
	case IntegratedMapping:
		return "IM"
	case ChipAuthenticationMapping:
		return "CAM"
	}
	return fmt.Sprintf("Mapping(%d)", int(m))
}

// OIDPACE is id-PACE, 0.4.0.127.0.7.2.2.4 (BSI TR-03110 / ICAO 9303-11 §9.2.1).
var OIDPACE = lds.OIDPACE

// Protocol is a decoded PACE protocol OID: id-PACE.{mapping/agreement}.{cipher}.
type Protocol struct {
	OID     asn1.ObjectIdentifier
	Mapping Mapping
	// ECDH is true for the elliptic-curve protocols, false for DH.
	ECDH bool
	// Cipher is the symmetric algorithm for nonce, tokens and secure messaging.
	Cipher icao.Cipher
}

// String names the protocol like the OID registry: "ECDH-GM-AES-CBC-CMAC-128".
func (p Protocol) String() string {
	ka := "DH"
	if p.ECDH {
		ka = "ECDH"
	}
	c := "3DES-CBC-CBC"
	if p.Cipher != icao.Cipher3DES {
		c = fmt.Sprintf("AES-CBC-CMAC-%d", p.Cipher.KeySize()*8)
	}
	return ka + "-" + p.Mapping.String() + "-" + c
}

// ErrUnsupportedProtocol says the chip asked for a PACE variant this
// package does not implement (or the OID is not a PACE OID at all).
var ErrUnsupportedProtocol = fmt.Errorf("pace: unsupported protocol")

// ParseProtocol decodes a PACE protocol OID (the arcs after id-PACE are
// 1 DH-GM, 2 ECDH-GM, 3 DH-IM, 4 ECDH-IM, 6 ECDH-CAM, then the cipher).
func ParseProtocol(oid asn1.ObjectIdentifier) (Protocol, error) {
	if len(oid) != len(OIDPACE)+2 || !asn1.ObjectIdentifier(oid[:len(OIDPACE)]).Equal(OIDPACE) {
		return Protocol{}, fmt.Errorf("%w: %v is not a PACE protocol OID", ErrUnsupportedProtocol, oid)
	}
	p := Protocol{OID: append(asn1.ObjectIdentifier(nil), oid...)}
	switch oid[len(OIDPACE)] {
	case 1:
		p.Mapping = GenericMapping
	case 2:
		p.Mapping, p.ECDH = GenericMapping, true
	case 3:
		p.Mapping = IntegratedMapping
	case 4:
		p.Mapping, p.ECDH = IntegratedMapping, true
	case 6:
		p.Mapping, p.ECDH = ChipAuthenticationMapping, true
	default:
		return Protocol{}, fmt.Errorf("%w: %v", ErrUnsupportedProtocol, oid)
	}
	c := icao.Cipher(oid[len(OIDPACE)+1])
	if c < icao.Cipher3DES || c > icao.CipherAES256 || (p.Mapping == ChipAuthenticationMapping && c == icao.Cipher3DES) {
		return Protocol{}, fmt.Errorf("%w: %v", ErrUnsupportedProtocol, oid)
	}
	p.Cipher = c
	return p, nil
}

// ProtocolOID builds the OID for a combination (the inverse of ParseProtocol).
func ProtocolOID(m Mapping, ecdh bool, c icao.Cipher) asn1.ObjectIdentifier {
	var arc int
	switch {
	case m == GenericMapping && !ecdh:
		arc = 1
	case m == GenericMapping:
		arc = 2
	case m == IntegratedMapping && !ecdh:
		arc = 3
	case m == IntegratedMapping:
		arc = 4
	default:
		arc = 6
	}
	return append(append(asn1.ObjectIdentifier(nil), OIDPACE...), arc, int(c))
}

// Info is what the terminal needs from a PACEInfo in EF.CardAccess.
type Info struct {
	// Protocol is the PACE protocol OID.
	Protocol asn1.ObjectIdentifier
	// Version is the PACEInfo version (2 for ICAO 9303).
	Version int
	// ParameterID is the standardized domain parameter ID (0–2, 8–18).
	ParameterID int
}

// CCCDInfo is the PACEInfo every known Vietnamese CCCD advertises in
// EF.CardAccess: ECDH-GM-AES-CBC-CMAC-128 on brainpoolP256r1 (parameter ID
// 13). Callers use it when EF.CardAccess cannot be read.
var CCCDInfo = Info{Protocol: ProtocolOID(GenericMapping, true, icao.CipherAES128), Version: 2, ParameterID: 13}

// Supported reports whether Establish can run protocol pr with standardized
// parameter id (the curve or group exists, DH/ECDH match, and IM has what
// it needs: AES and, for ECDH, p ≡ 3 mod 4).
func Supported(pr Protocol, id int) bool { return Lacks(pr, id) == "" }

// Lacks says in words what Establish lacks to run protocol pr with
// parameter id, e.g. "integrated mapping with 3DES"; "" when it can run it.
func Lacks(pr Protocol, id int) string {
	std, err := curves.ByPACEParameterID(id)
	if err != nil {
		return fmt.Sprintf("parameter ID %d (not a standardized domain parameter it knows)", id)
	}
	if pr.ECDH != (std.EC != nil) {
		return fmt.Sprintf("%s with parameter ID %d (%s): the protocol and the domain parameters disagree", pr, id, std.Name())
	}
	if pr.Mapping == IntegratedMapping {
		if pr.Cipher == icao.Cipher3DES {
			return "integrated mapping with 3DES"
		}
		if std.EC != nil && std.EC.P.Bit(0)&std.EC.P.Bit(1) != 1 {
			return fmt.Sprintf("integrated mapping on %s (only on curves with p ≡ 3 mod 4)", std.Name())
		}
	}
	return ""
}
