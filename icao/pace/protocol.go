package pace

import (
	"encoding/asn1"
	"fmt"
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

// Cipher is the symmetric algorithm a PACE protocol OID selects for the
// nonce, the tokens and the secure messaging that follows.
type Cipher int

// Ciphers named by the last arc of a PACE (or CA) protocol OID.
const (
	Cipher3DES   Cipher = 1 // 3DES-CBC-CBC: retail MAC, SHA-1 KDF
	CipherAES128 Cipher = 2 // AES-CBC-CMAC-128: SHA-1 KDF
	CipherAES192 Cipher = 3 // AES-CBC-CMAC-192: SHA-256 KDF
	CipherAES256 Cipher = 4 // AES-CBC-CMAC-256: SHA-256 KDF
)

// String returns the usual name of the cipher.
func (c Cipher) String() string {
	switch c {
	case Cipher3DES:
		return "3DES"
	case CipherAES128:
		return "AES-128"
	case CipherAES192:
		return "AES-192"
	case CipherAES256:
		return "AES-256"
	}
	return fmt.Sprintf("Cipher(%d)", int(c))
}

// KeyLen is the session key length in bytes.
func (c Cipher) KeyLen() int {
	switch c {
	case Cipher3DES, CipherAES128:
		return 16
	case CipherAES192:
		return 24
	case CipherAES256:
		return 32
	}
	return 0
}

// BlockSize is the cipher's block size in bytes.
func (c Cipher) BlockSize() int {
	if c == Cipher3DES {
		return 8
	}
	return 16
}

// OIDPACE is id-PACE, 0.4.0.127.0.7.2.2.4 (BSI TR-03110 / ICAO 9303-11 §9.2.1).
var OIDPACE = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}

// Protocol is a decoded PACE protocol OID: id-PACE.{mapping/agreement}.{cipher}.
type Protocol struct {
	OID     asn1.ObjectIdentifier
	Mapping Mapping
	// ECDH is true for the elliptic-curve protocols, false for DH.
	ECDH   bool
	Cipher Cipher
}

// String names the protocol like the OID registry: "ECDH-GM-AES-CBC-CMAC-128".
func (p Protocol) String() string {
	ka := "DH"
	if p.ECDH {
		ka = "ECDH"
	}
	c := "3DES-CBC-CBC"
	if p.Cipher != Cipher3DES {
		c = fmt.Sprintf("AES-CBC-CMAC-%d", p.Cipher.KeyLen()*8)
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
	c := Cipher(oid[len(OIDPACE)+1])
	if c < Cipher3DES || c > CipherAES256 || (p.Mapping == ChipAuthenticationMapping && c == Cipher3DES) {
		return Protocol{}, fmt.Errorf("%w: %v", ErrUnsupportedProtocol, oid)
	}
	p.Cipher = c
	return p, nil
}

// ProtocolOID builds the OID for a combination (the inverse of ParseProtocol).
func ProtocolOID(m Mapping, ecdh bool, c Cipher) asn1.ObjectIdentifier {
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
var CCCDInfo = Info{Protocol: ProtocolOID(GenericMapping, true, CipherAES128), Version: 2, ParameterID: 13}
