package pkitest

import (
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Name is a distinguished name in the order C, O, OU, CN (empty parts omitted).
type Name struct{ C, O, OU, CN string }

// DER encodes the name: C as PrintableString, the rest as UTF8String.
func (n Name) DER() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		add := func(oid asn1.ObjectIdentifier, tag cbasn1.Tag, v string) {
			if v == "" {
				return
			}
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oid)
					b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
				})
			})
		}
		add(oids.AttrCountry, cbasn1.PrintableString, n.C)
		add(oids.AttrOrganization, cbasn1.UTF8String, n.O)
		add(oids.AttrOrganizationalUnit, cbasn1.UTF8String, n.OU)
		add(oids.AttrCommonName, cbasn1.UTF8String, n.CN)
	})
	return b.BytesOrPanic()
}

// Extension is an extra certificate extension.
type Extension struct {
	ID       asn1.ObjectIdentifier
	Critical bool
	Value    []byte
}

// Template describes a certificate to issue.
type Template struct {
	Subject             Name
	Serial              *big.Int // random when nil
	NotBefore, NotAfter time.Time
	// CA makes a CSCA: basicConstraints CA:TRUE pathlen 0 and key usage
	// keyCertSign|cRLSign. Otherwise a DS: key usage digitalSignature.
	CA bool
	// Scheme is the issuer's signature scheme; zero means the issuer key's default.
	Scheme Scheme
	// AuthorityKeyID overrides the AKI (default: the issuer key's ID), e.g.
	// for a forged certificate that names a real CSCA.
	AuthorityKeyID []byte
	Extra          []Extension
}

// Cert is an issued certificate with its private key.
type Cert struct {
	DER     []byte
	Key     *Key
	Subject Name
	Issuer  Name
	Serial  *big.Int
}

// PEM returns the certificate PEM-encoded.
func (c *Cert) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
}

// Issue makes a certificate for key, signed by issuer (nil: self-signed).
func Issue(t Template, key *Key, issuer *Cert) *Cert {
	signerKey, issuerName := key, t.Subject
	if issuer != nil {
		signerKey, issuerName = issuer.Key, issuer.Subject
	}
	scheme := t.Scheme
	if scheme.Kind == "" {
		scheme = signerKey.DefaultScheme()
	}
	serial := t.Serial
	if serial == nil {
		var err error
		serial, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
		must(err)
		serial.Add(serial, big.NewInt(1))
	}
	aki := t.AuthorityKeyID
	if aki == nil {
		aki = signerKey.KeyID()
	}
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(2) })
		b.AddASN1BigInt(serial)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { scheme.addAlg(b) })
		b.AddBytes(issuerName.DER())
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addTime(b, t.NotBefore)
			addTime(b, t.NotAfter)
		})
		b.AddBytes(t.Subject.DER())
		b.AddBytes(key.SPKI())
		b.AddASN1(cbasn1.Tag(3).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				exts := []Extension{{ID: oids.ExtSubjectKeyID, Value: mustBytes(func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(key.KeyID())
				})}, {ID: oids.ExtAuthorityKeyID, Value: mustBytes(func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(aki) })
					})
				})}}
				if t.CA {
					exts = append(exts, Extension{ID: oids.ExtBasicConstraints, Critical: true, Value: mustBytes(func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1Boolean(true)
							b.AddASN1Int64(0)
						})
					})}, Extension{ID: oids.ExtKeyUsage, Critical: true, Value: keyUsage(0x06)})
				} else {
					exts = append(exts, Extension{ID: oids.ExtKeyUsage, Critical: true, Value: keyUsage(0x80)})
				}
				for _, e := range append(exts, t.Extra...) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(e.ID)
						if e.Critical {
							b.AddASN1Boolean(true)
						}
						b.AddASN1OctetString(e.Value)
					})
				}
			})
		})
	})
	tbs := tb.BytesOrPanic()
	sig := signerKey.Sign(scheme, tbs)
	var cb cryptobyte.Builder
	cb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { scheme.addAlg(b) })
		b.AddASN1BitString(sig)
	})
	return &Cert{DER: cb.BytesOrPanic(), Key: key, Subject: t.Subject, Issuer: issuerName, Serial: serial}
}

// keyUsage encodes a one-byte KeyUsage BIT STRING (bit 0 = 0x80).
func keyUsage(bits byte) []byte {
	unused := byte(0)
	for unused < 7 && bits&(1<<unused) == 0 {
		unused++
	}
	return mustBytes(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) { b.AddBytes([]byte{unused, bits}) })
	})
}
