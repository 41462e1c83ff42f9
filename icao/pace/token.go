package pace

import (
	"github.com/cccd-agent/cccd/icao"

	"crypto/subtle"
	"encoding/asn1"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// PublicKeyDO builds the public-key data object the tokens authenticate:
// 7F49 { 06 protocol OID, 86 EC point | 84 DH value } (ICAO 9303-11 §4.4.3.4).
func PublicKeyDO(protocol asn1.ObjectIdentifier, tag uint32, pub []byte) ([]byte, error) {
	oid, err := asn1.Marshal(protocol)
	if err != nil {
		return nil, fmt.Errorf("pace: encode protocol OID: %w", err)
	}
	return tlv.Encode(0x7F49, oid, tlv.Encode(tag, pub)), nil
}

// Token computes an authentication token: the 8-byte MAC under KS_mac of
// the peer's public-key data object.
func Token(c icao.Cipher, ksMAC []byte, protocol asn1.ObjectIdentifier, tag uint32, peerPub []byte) ([]byte, error) {
	do, err := PublicKeyDO(protocol, tag, peerPub)
	if err != nil {
		return nil, err
	}
	return MAC8(c, ksMAC, do)
}

// SessionKeys derives KS_enc and KS_mac from a shared secret.
func SessionKeys(c icao.Cipher, secret []byte) (ksEnc, ksMAC []byte) {
	return icao.KDF(secret, icao.KDFEnc, c), icao.KDF(secret, icao.KDFMac, c)
}

// PasswordKey derives K_π, the key that encrypts the nonce, from f(π).
func PasswordKey(c icao.Cipher, pw Password) []byte { return icao.KDF(pw.key(), icao.KDFPi, c) }

// DecryptNonce recovers s from the chip's encrypted nonce z.
func DecryptNonce(c icao.Cipher, kPi, z []byte) ([]byte, error) {
	s, err := cbc(c, kPi, z, false)
	if err != nil {
		return nil, fmt.Errorf("pace: decrypt nonce: %w", err)
	}
	return s, nil
}

// EncryptNonce is the chip side of DecryptNonce (simulator and tests).
func EncryptNonce(c icao.Cipher, kPi, s []byte) ([]byte, error) { return cbc(c, kPi, s, true) }

// tokenEqual compares tokens in constant time.
func tokenEqual(a, b []byte) bool { return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1 }
