package chipauth

import (
	"math/big"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/pki/ecc"

	"crypto"
	"crypto/ecdsa"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/pki"
)

// ErrNotSupported means the SecurityInfos offer no Chip Authentication this
// package can run (no key, or only unsupported variants): report the chip
// check as not supported, not as failed.
var ErrNotSupported = errors.New("chipauth: no usable chip authentication key")

// Key is the chip's static Chip Authentication key chosen from DG14 (or
// EF.CardSecurity), with the protocol to run it.
type Key struct {
	// Protocol is the CA protocol OID, e.g. id-CA-ECDH-AES-CBC-CMAC-128.
	Protocol asn1.ObjectIdentifier
	// ECDH is true for id-CA-ECDH-*, false for id-CA-DH-*.
	ECDH bool
	// Cipher is the secure-messaging cipher after CA.
	Cipher icao.Cipher
	// KeyID is the key reference (-1: the chip has a single key).
	KeyID int
	// Public is *ecdsa.PublicKey (ECDH) or *curves.DHPublicKey (DH).
	Public crypto.PublicKey
}

// ProtocolOID returns id-CA-{DH|ECDH}-<cipher>.
func ProtocolOID(ecdh bool, c icao.Cipher) asn1.ObjectIdentifier {
	ka := 1
	if ecdh {
		ka = 2
	}
	return append(append(asn1.ObjectIdentifier(nil), lds.OIDCA...), ka, int(c))
}

// parseProtocol splits a CA protocol OID; ok is false for anything else.
func parseProtocol(oid asn1.ObjectIdentifier) (ecdh bool, c icao.Cipher, ok bool) {
	if len(oid) != len(lds.OIDCA)+2 || !asn1.ObjectIdentifier(oid[:len(lds.OIDCA)]).Equal(lds.OIDCA) {
		return false, 0, false
	}
	ka, ci := oid[len(lds.OIDCA)], oid[len(lds.OIDCA)+1]
	if (ka != 1 && ka != 2) || ci < int(icao.Cipher3DES) || ci > int(icao.CipherAES256) {
		return false, 0, false
	}
	return ka == 2, icao.Cipher(ci), true
}

// ParsePublicKey decodes a CA public key SPKI: EC keys through
// pki.ParsePublicKey (named and explicit brainpool/NIST domains), X9.42
// DH keys through curves.
func ParsePublicKey(spki []byte) (crypto.PublicKey, error) {
	if k, ok, err := parseStandardized(spki); ok {
		return k, err
	}
	k, err := pki.ParsePublicKey(spki)
	if err == nil {
		if ek, ok := k.(*ecdsa.PublicKey); ok {
			return ek, nil
		}
		return nil, fmt.Errorf("%w: CA key is %T", ErrNotSupported, k)
	}
	dk, derr := curves.ParsePKIXPublicKey(spki)
	if derr == nil {
		if d, ok := dk.(*curves.DHPublicKey); ok {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%w: %w", ErrNotSupported, err)
}

// SelectKey picks the key and protocol to run from SecurityInfos: the first
// ChipAuthenticationInfo (file order) with a supported protocol and a
// matching public key (by key ID when given, by agreement type otherwise).
// Without any ChipAuthenticationInfo, CA with 3DES is implied for the first
// key (ICAO 9303-11 §9.2.5). The result is only as trustworthy as the file
// it came from: bind DG14 through passive authentication.
func SelectKey(si *lds.SecurityInfos) (Key, error) {
	if si == nil || len(si.ChipAuthPublicKeys) == 0 {
		return Key{}, fmt.Errorf("%w: no ChipAuthenticationPublicKeyInfo", ErrNotSupported)
	}
	keyFor := func(ecdh bool, id int) (crypto.PublicKey, int, bool) {
		for _, pk := range si.ChipAuthPublicKeys {
			if ecdh && !pk.Protocol.Equal(lds.OIDPKECDH) || !ecdh && !pk.Protocol.Equal(lds.OIDPKDH) {
				continue
			}
			if id >= 0 && pk.KeyID >= 0 && pk.KeyID != id {
				continue
			}
			k, err := ParsePublicKey(pk.SPKI)
			if err != nil {
				continue
			}
			if _, isEC := k.(*ecdsa.PublicKey); isEC != ecdh {
				continue
			}
			return k, pk.KeyID, true
		}
		return nil, 0, false
	}
	for _, info := range si.ChipAuth {
		if info.Version != 1 && info.Version != 2 {
			continue
		}
		ecdh, c, ok := parseProtocol(info.Protocol)
		if !ok {
			continue
		}
		if k, id, ok := keyFor(ecdh, info.KeyID); ok {
			if info.KeyID >= 0 {
				id = info.KeyID
			}
			return Key{Protocol: append(asn1.ObjectIdentifier(nil), info.Protocol...), ECDH: ecdh, Cipher: c, KeyID: id, Public: k}, nil
		}
	}
	if len(si.ChipAuth) == 0 {
		for _, ecdh := range []bool{true, false} {
			if k, id, ok := keyFor(ecdh, -1); ok {
				return Key{Protocol: ProtocolOID(ecdh, icao.Cipher3DES), ECDH: ecdh, Cipher: icao.Cipher3DES, KeyID: id, Public: k}, nil
			}
		}
	}
	return Key{}, fmt.Errorf("%w: no supported protocol with a matching key", ErrNotSupported)
}

// parseStandardized reads an SPKI with standardized domain parameters; ok is
// false when the SPKI uses another algorithm.
func parseStandardized(spki []byte) (crypto.PublicKey, bool, error) {
	in := cryptobyte.String(spki)
	var seq, alg, bits cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
		!oid.Equal(oids.StandardizedDomainParameters) {
		return nil, false, nil
	}
	var id int64
	if !alg.ReadASN1Int64WithTag(&id, cbasn1.INTEGER) || !seq.ReadASN1(&bits, cbasn1.BIT_STRING) || len(bits) < 2 || bits[0] != 0 {
		return nil, true, fmt.Errorf("%w: malformed standardized-parameter key", ErrNotSupported)
	}
	std, err := curves.ByPACEParameterID(int(id))
	if err != nil {
		return nil, true, fmt.Errorf("%w: %w", ErrNotSupported, err)
	}
	if std.EC != nil {
		x, y, err := ecc.Unmarshal(std.EC.Curve, bits[1:])
		if err != nil {
			return nil, true, fmt.Errorf("%w: %w", ErrNotSupported, err)
		}
		return &ecdsa.PublicKey{Curve: std.EC.Curve, X: x, Y: y}, true, nil
	}
	var y big.Int
	v := cryptobyte.String(bits[1:])
	if !v.ReadASN1Integer(&y) || !std.DH.ValidElement(&y) {
		return nil, true, fmt.Errorf("%w: bad DH public value", ErrNotSupported)
	}
	return &curves.DHPublicKey{Group: std.DH, Y: &y}, true, nil
}
