// Package pkitest builds eMRTD test PKI for tests: CSCA and DS certificates
// (RSA, RSASSA-PSS, ECDSA on NIST or Brainpool curves with named or explicit
// parameters), EF.SOD files, CRLs and CSCA master lists. Its output is
// ordinary DER that `openssl cms -verify` and `openssl crl` accept, so it
// also serves to forge documents for negative tests.
//
// It is test support: keys come from crypto/rand, errors panic (the inputs
// are the test's own constants).
package pkitest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/asn1"
	"math/big"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/pki/ecc"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Scheme is a signature scheme: how an issuer signs.
type Scheme struct {
	Kind string      // "pkcs1", "pss" or "ecdsa"
	Hash crypto.Hash // the message hash (and MGF1 hash for PSS unless MGFHash is set)
	// MGFHash overrides the MGF1 hash of PSS; zero means Hash.
	MGFHash crypto.Hash
	// Salt is the PSS salt length; zero means the hash size.
	Salt int
}

// Key is a private key with the parameters its SPKI is encoded with.
type Key struct {
	Signer crypto.Signer
	// Explicit encodes an EC key with explicit domain parameters (ICAO
	// 9303-12 style) instead of a named-curve OID.
	Explicit bool
}

// RSAKey generates an RSA key of the given size.
func RSAKey(bits int) *Key {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	must(err)
	return &Key{Signer: k}
}

// ECKey generates an EC key on the named curve ("P-256", "brainpoolP256r1", ...).
func ECKey(curve string, explicit bool) *Key {
	for _, d := range ecc.Domains() {
		if d.Name == curve {
			k, err := ecdsa.GenerateKey(d.Curve, rand.Reader)
			must(err)
			return &Key{Signer: k, Explicit: explicit}
		}
	}
	panic("pkitest: unknown curve " + curve)
}

// SPKI returns the DER SubjectPublicKeyInfo of the key.
func (k *Key) SPKI() []byte {
	var b cryptobyte.Builder
	switch pub := k.Signer.Public().(type) {
	case *rsa.PublicKey:
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oids.RSAEncryption)
				b.AddASN1NULL()
			})
			b.AddASN1BitString(cryptobyte.String(mustBytes(func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1BigInt(pub.N)
					b.AddASN1Int64(int64(pub.E))
				})
			})))
		})
	case *ecdsa.PublicKey:
		d, ok := ecc.DomainOf(pub.Curve)
		if !ok {
			panic("pkitest: unknown curve")
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oids.ECPublicKey)
				if !k.Explicit {
					b.AddASN1ObjectIdentifier(d.OID)
					return
				}
				size := (d.P.BitLen() + 7) / 8
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(1)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oids.PrimeField)
						b.AddASN1BigInt(d.P)
					})
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(d.A.FillBytes(make([]byte, size)))
						b.AddASN1OctetString(d.B.FillBytes(make([]byte, size)))
					})
					b.AddASN1OctetString(point(size, d.Gx, d.Gy))
					b.AddASN1BigInt(d.N)
					b.AddASN1BigInt(d.H)
				})
			})
			size := (d.P.BitLen() + 7) / 8
			b.AddASN1BitString(point(size, pub.X, pub.Y))
		})
	default:
		panic("pkitest: unsupported key")
	}
	return b.BytesOrPanic()
}

func point(size int, x, y *big.Int) []byte {
	out := make([]byte, 1+2*size)
	out[0] = 4
	x.FillBytes(out[1 : 1+size])
	y.FillBytes(out[1+size:])
	return out
}

// KeyID is the SHA-1 of the public key bits (RFC 5280 method 1), used for
// SKI and AKI.
func (k *Key) KeyID() []byte {
	s := cryptobyte.String(k.SPKI())
	var seq, bits cryptobyte.String
	s.ReadASN1(&seq, cbasn1.SEQUENCE)
	seq.SkipASN1(cbasn1.SEQUENCE)
	seq.ReadASN1(&bits, cbasn1.BIT_STRING)
	sum := sha1.Sum(bits[1:])
	return sum[:]
}

// DefaultScheme picks the usual scheme for a key: ECDSA-SHA256 or RSA PKCS#1 SHA-256.
func (k *Key) DefaultScheme() Scheme {
	if _, ok := k.Signer.(*ecdsa.PrivateKey); ok {
		return Scheme{Kind: "ecdsa", Hash: crypto.SHA256}
	}
	return Scheme{Kind: "pkcs1", Hash: crypto.SHA256}
}

// Sign signs msg with the scheme and returns the signature value.
func (k *Key) Sign(s Scheme, msg []byte) []byte {
	h := s.Hash.New()
	h.Write(msg)
	digest := h.Sum(nil)
	switch s.Kind {
	case "pkcs1":
		sig, err := rsa.SignPKCS1v15(rand.Reader, k.Signer.(*rsa.PrivateKey), s.Hash, digest)
		must(err)
		return sig
	case "pss":
		if s.MGFHash != 0 && s.MGFHash != s.Hash {
			panic("pkitest: PSS with a different MGF1 hash is not supported by crypto/rsa signing")
		}
		sig, err := rsa.SignPSS(rand.Reader, k.Signer.(*rsa.PrivateKey), s.Hash, digest,
			&rsa.PSSOptions{SaltLength: s.salt(), Hash: s.Hash})
		must(err)
		return sig
	case "ecdsa":
		sig, err := ecdsa.SignASN1(rand.Reader, k.Signer.(*ecdsa.PrivateKey), digest)
		must(err)
		return sig
	}
	panic("pkitest: unknown scheme " + s.Kind)
}

func (s Scheme) salt() int {
	if s.Salt != 0 {
		return s.Salt
	}
	return s.Hash.Size()
}

// AlgorithmIdentifier returns the DER AlgorithmIdentifier of the scheme.
func (s Scheme) AlgorithmIdentifier() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { s.addAlg(b) })
	return b.BytesOrPanic()
}

func (s Scheme) addAlg(b *cryptobyte.Builder) {
	switch s.Kind {
	case "pkcs1":
		b.AddASN1ObjectIdentifier(rsaOIDs[s.Hash])
		b.AddASN1NULL()
	case "ecdsa":
		b.AddASN1ObjectIdentifier(ecdsaOIDs[s.Hash])
	case "pss":
		b.AddASN1ObjectIdentifier(oids.RSASSAPSS)
		mgf := s.MGFHash
		if mgf == 0 {
			mgf = s.Hash
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				addHashAlg(b, s.Hash)
			})
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oids.MGF1)
					addHashAlg(b, mgf)
				})
			})
			b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1Int64(int64(s.salt()))
			})
		})
	default:
		panic("pkitest: unknown scheme " + s.Kind)
	}
}

func addHashAlg(b *cryptobyte.Builder, h crypto.Hash) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(hashOIDs[h])
		b.AddASN1NULL()
	})
}

var (
	hashOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA1: oids.SHA1, crypto.SHA224: oids.SHA224, crypto.SHA256: oids.SHA256,
		crypto.SHA384: oids.SHA384, crypto.SHA512: oids.SHA512,
	}
	rsaOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA1: oids.SHA1WithRSA, crypto.SHA224: oids.SHA224WithRSA, crypto.SHA256: oids.SHA256WithRSA,
		crypto.SHA384: oids.SHA384WithRSA, crypto.SHA512: oids.SHA512WithRSA,
	}
	ecdsaOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA1: oids.ECDSAWithSHA1, crypto.SHA224: oids.ECDSAWithSHA224, crypto.SHA256: oids.ECDSAWithSHA256,
		crypto.SHA384: oids.ECDSAWithSHA384, crypto.SHA512: oids.ECDSAWithSHA512,
	}
)

func must(err error) {
	if err != nil {
		panic("pkitest: " + err.Error())
	}
}

func mustBytes(f func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	f(&b)
	return b.BytesOrPanic()
}

func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC()
	if t.Year() >= 1950 && t.Year() < 2050 {
		b.AddASN1UTCTime(t)
		return
	}
	b.AddASN1GeneralizedTime(t)
}

// CheapKey reports whether a signature check under pub is cheap: RSA of at
// most 2048 bits or a NIST curve with constant-time assembly. Checks on
// Brainpool curves run on math/big and, under fuzzing instrumentation, take
// long enough to starve the fuzzer; fuzz targets skip them.
func CheapKey(pub crypto.PublicKey) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen() <= 2048
	case *ecdsa.PublicKey:
		n := k.Curve.Params().Name
		return n == "P-224" || n == "P-256" || n == "P-384"
	}
	return true
}
