package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha1" // registers crypto.SHA1 for digests named in SODs
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/subtle"
	encasn1 "encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/cccd-agent/cccd/pki/oids"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Signature errors callers branch on.
var (
	// ErrSignatureInvalid: the signature does not verify under the key.
	ErrSignatureInvalid = errors.New("signature invalid")
	// ErrUnsupportedAlgorithm: a signature or digest algorithm this package does not implement.
	ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")
)

// HashOID is the inverse of HashByOID: the digest-algorithm OID of h, ok
// false for a hash eMRTDs do not use.
func HashOID(h crypto.Hash) (encasn1.ObjectIdentifier, bool) {
	switch h {
	case crypto.SHA1:
		return oids.SHA1, true
	case crypto.SHA224:
		return oids.SHA224, true
	case crypto.SHA256:
		return oids.SHA256, true
	case crypto.SHA384:
		return oids.SHA384, true
	case crypto.SHA512:
		return oids.SHA512, true
	}
	return nil, false
}

// HashByOID maps the digest-algorithm OIDs eMRTDs use (SHA-1, SHA-2) to
// their crypto.Hash; ok is false for any other algorithm.
func HashByOID(oid encasn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oids.SHA1):
		return crypto.SHA1, true
	case oid.Equal(oids.SHA224):
		return crypto.SHA224, true
	case oid.Equal(oids.SHA256):
		return crypto.SHA256, true
	case oid.Equal(oids.SHA384):
		return crypto.SHA384, true
	case oid.Equal(oids.SHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// sigScheme is what a signature AlgorithmIdentifier resolves to.
type sigScheme struct {
	kind    int // schemeRSA, schemePSS, schemeECDSA, schemeECDSAPlain
	hash    crypto.Hash
	mgfHash crypto.Hash
	salt    int
}

const (
	schemeRSA = iota + 1
	schemePSS
	schemeECDSA
	schemeECDSAPlain
)

// resolveScheme reads the scheme from the signature AlgorithmIdentifier. The
// digestHash (from a SignerInfo's digestAlgorithm) is used only where the
// signature OID does not name a hash (plain rsaEncryption, id-ecPublicKey).
func resolveScheme(alg AlgorithmIdentifier, digestHash crypto.Hash) (sigScheme, error) {
	o := alg.Algorithm
	switch {
	case o.Equal(oids.SHA1WithRSA):
		return sigScheme{kind: schemeRSA, hash: crypto.SHA1}, nil
	case o.Equal(oids.SHA224WithRSA):
		return sigScheme{kind: schemeRSA, hash: crypto.SHA224}, nil
	case o.Equal(oids.SHA256WithRSA):
		return sigScheme{kind: schemeRSA, hash: crypto.SHA256}, nil
	case o.Equal(oids.SHA384WithRSA):
		return sigScheme{kind: schemeRSA, hash: crypto.SHA384}, nil
	case o.Equal(oids.SHA512WithRSA):
		return sigScheme{kind: schemeRSA, hash: crypto.SHA512}, nil
	case o.Equal(oids.RSAEncryption):
		if digestHash == 0 {
			return sigScheme{}, unsupportedSignature(o)
		}
		return sigScheme{kind: schemeRSA, hash: digestHash}, nil
	case o.Equal(oids.RSASSAPSS):
		return parsePSSParams(alg.Parameters)
	case o.Equal(oids.ECDSAWithSHA1):
		return sigScheme{kind: schemeECDSA, hash: crypto.SHA1}, nil
	case o.Equal(oids.ECDSAWithSHA224):
		return sigScheme{kind: schemeECDSA, hash: crypto.SHA224}, nil
	case o.Equal(oids.ECDSAWithSHA256):
		return sigScheme{kind: schemeECDSA, hash: crypto.SHA256}, nil
	case o.Equal(oids.ECDSAWithSHA384):
		return sigScheme{kind: schemeECDSA, hash: crypto.SHA384}, nil
	case o.Equal(oids.ECDSAWithSHA512):
		return sigScheme{kind: schemeECDSA, hash: crypto.SHA512}, nil
	case o.Equal(oids.ECPublicKey):
		if digestHash == 0 {
			return sigScheme{}, unsupportedSignature(o)
		}
		return sigScheme{kind: schemeECDSA, hash: digestHash}, nil
	case len(o) == len(oids.ECDSAPlainPrefix)+1 && o[:len(oids.ECDSAPlainPrefix)].Equal(oids.ECDSAPlainPrefix):
		hashes := [...]crypto.Hash{1: crypto.SHA1, 2: crypto.SHA224, 3: crypto.SHA256, 4: crypto.SHA384, 5: crypto.SHA512}
		if i := o[len(o)-1]; i >= 1 && i < len(hashes) {
			return sigScheme{kind: schemeECDSAPlain, hash: hashes[i]}, nil
		}
	}
	return sigScheme{}, unsupportedSignature(o)
}

func unsupportedSignature(o encasn1.ObjectIdentifier) error {
	return fmt.Errorf("%w: signature %s", ErrUnsupportedAlgorithm, o)
}

// parsePSSParams reads RSASSA-PSS-params (RFC 4055) with their defaults:
// SHA-1, MGF1-SHA-1, salt 20, trailer 1.
func parsePSSParams(params []byte) (sigScheme, error) {
	sc := sigScheme{kind: schemePSS, hash: crypto.SHA1, mgfHash: crypto.SHA1, salt: 20}
	if params == nil {
		return sc, nil
	}
	bad := fmt.Errorf("%w: RSASSA-PSS parameters", ErrMalformed)
	in := cryptobyte.String(params)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) {
		return sc, bad
	}
	var field cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&field, &present, asn1.Tag(0).Constructed().ContextSpecific()) {
		return sc, bad
	}
	if present {
		ai, err := readAlgorithm(&field, "PSS hash")
		if err != nil {
			return sc, err
		}
		h, ok := HashByOID(ai.Algorithm)
		if !ok {
			return sc, fmt.Errorf("%w: PSS hash %s", ErrUnsupportedAlgorithm, ai.Algorithm)
		}
		sc.hash = h
	}
	if !seq.ReadOptionalASN1(&field, &present, asn1.Tag(1).Constructed().ContextSpecific()) {
		return sc, bad
	}
	if present {
		mgf, err := readAlgorithm(&field, "PSS mask generation")
		if err != nil {
			return sc, err
		}
		if !mgf.Algorithm.Equal(oids.MGF1) {
			return sc, fmt.Errorf("%w: mask generation %s", ErrUnsupportedAlgorithm, mgf.Algorithm)
		}
		mh := cryptobyte.String(mgf.Parameters)
		ai, err := readAlgorithm(&mh, "MGF1 hash")
		if err != nil {
			return sc, err
		}
		h, ok := HashByOID(ai.Algorithm)
		if !ok {
			return sc, fmt.Errorf("%w: MGF1 hash %s", ErrUnsupportedAlgorithm, ai.Algorithm)
		}
		sc.mgfHash = h
	}
	if !seq.ReadOptionalASN1(&field, &present, asn1.Tag(2).Constructed().ContextSpecific()) {
		return sc, bad
	}
	if present {
		n, ok := ReadSmallInt(&field)
		if !ok || n < 0 || n > 1024 {
			return sc, bad
		}
		sc.salt = n
	}
	if !seq.ReadOptionalASN1(&field, &present, asn1.Tag(3).Constructed().ContextSpecific()) {
		return sc, bad
	}
	if present {
		if n, ok := ReadSmallInt(&field); !ok || n != 1 {
			return sc, fmt.Errorf("%w: PSS trailer field", ErrUnsupportedAlgorithm)
		}
	}
	return sc, nil
}

// verifySignature checks sig over msg with pub under the scheme alg names.
// Certificates, CRLs, master lists and SignerInfos all come through here.
func verifySignature(pub crypto.PublicKey, alg AlgorithmIdentifier, digestHash crypto.Hash, msg, sig []byte) error {
	sc, err := resolveScheme(alg, digestHash)
	if err != nil {
		return err
	}
	if !sc.hash.Available() {
		return fmt.Errorf("%w: hash %v", ErrUnsupportedAlgorithm, sc.hash)
	}
	h := sc.hash.New()
	h.Write(msg)
	return verifyDigest(pub, sc, h.Sum(nil), sig)
}

// verifyDigest checks sig over an already computed digest.
func verifyDigest(pub crypto.PublicKey, sc sigScheme, digest, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch sc.kind {
		case schemeRSA:
			if rsa.VerifyPKCS1v15(k, sc.hash, digest, sig) != nil {
				return ErrSignatureInvalid
			}
			return nil
		case schemePSS:
			return verifyPSS(k, sc, digest, sig)
		}
	case *ecdsa.PublicKey:
		var r, s *big.Int
		switch sc.kind {
		case schemeECDSA:
			var ok bool
			if r, s, ok = parseECDSASignature(sig); !ok {
				return ErrSignatureInvalid
			}
		case schemeECDSAPlain:
			if len(sig) == 0 || len(sig)%2 != 0 {
				return ErrSignatureInvalid
			}
			r = new(big.Int).SetBytes(sig[:len(sig)/2])
			s = new(big.Int).SetBytes(sig[len(sig)/2:])
		default:
			return fmt.Errorf("%w: RSA scheme with an EC key", ErrSignatureInvalid)
		}
		if !ecdsa.Verify(k, digest, r, s) {
			return ErrSignatureInvalid
		}
		return nil
	case nil:
		return fmt.Errorf("%w: no usable public key", ErrUnsupportedKey)
	}
	return fmt.Errorf("%w: key type does not fit the signature scheme", ErrSignatureInvalid)
}

// parseECDSASignature reads Ecdsa-Sig-Value leniently: a superfluous leading
// 00 in r or s (seen in real DS signatures) is accepted.
func parseECDSASignature(sig []byte) (r, s *big.Int, ok bool) {
	in := cryptobyte.String(sig)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() {
		return nil, nil, false
	}
	if r, ok = readInteger(&seq); !ok {
		return nil, nil, false
	}
	if s, ok = readInteger(&seq); !ok || !seq.Empty() || r.Sign() <= 0 || s.Sign() <= 0 {
		return nil, nil, false
	}
	return r, s, true
}

// verifyPSS honours the exact salt length and the MGF1 hash. crypto/rsa
// covers MGF1 hash == message hash; otherwise EMSA-PSS-VERIFY (RFC 8017
// §9.1.2) runs here on the RSA public operation.
func verifyPSS(pub *rsa.PublicKey, sc sigScheme, digest, sig []byte) error {
	if sc.mgfHash == sc.hash {
		if rsa.VerifyPSS(pub, sc.hash, digest, sig, &rsa.PSSOptions{SaltLength: sc.salt, Hash: sc.hash}) != nil {
			return ErrSignatureInvalid
		}
		return nil
	}
	if !sc.mgfHash.Available() {
		return fmt.Errorf("%w: MGF1 hash %v", ErrUnsupportedAlgorithm, sc.mgfHash)
	}
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k {
		return ErrSignatureInvalid
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return ErrSignatureInvalid
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N)
	emBits := pub.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	if m.BitLen() > emBits {
		return ErrSignatureInvalid
	}
	em := m.FillBytes(make([]byte, emLen))
	hLen := sc.hash.Size()
	if emLen < hLen+sc.salt+2 || em[emLen-1] != 0xBC {
		return ErrSignatureInvalid
	}
	db := em[:emLen-hLen-1]
	hv := em[emLen-hLen-1 : emLen-1]
	topMask := byte(0xFF >> (8*emLen - emBits))
	if db[0]&^topMask != 0 {
		return ErrSignatureInvalid
	}
	mask := mgf1(sc.mgfHash, hv, len(db))
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= topMask
	ps := len(db) - sc.salt - 1
	for _, c := range db[:ps] {
		if c != 0 {
			return ErrSignatureInvalid
		}
	}
	if db[ps] != 0x01 {
		return ErrSignatureInvalid
	}
	h := sc.hash.New()
	h.Write(make([]byte, 8))
	h.Write(digest)
	h.Write(db[len(db)-sc.salt:])
	if subtle.ConstantTimeCompare(h.Sum(nil), hv) != 1 {
		return ErrSignatureInvalid
	}
	return nil
}

// mgf1 is the MGF1 mask generation function of RFC 8017 B.2.1.
func mgf1(hash crypto.Hash, seed []byte, n int) []byte {
	out := make([]byte, 0, n+hash.Size())
	var ctr [4]byte
	for i := uint32(0); len(out) < n; i++ {
		ctr = [4]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		h := hash.New()
		h.Write(seed)
		h.Write(ctr[:])
		out = h.Sum(out)
	}
	return out[:n]
}
