package pkitest

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"math/big"
	"sort"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/internal/tlv"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SOD describes an EF.SOD to build.
type SOD struct {
	DGs  map[int][]byte // data groups to hash (whole EF.DGn files)
	Hash crypto.Hash    // LDS hash algorithm; zero means SHA-256
	// Hashes overrides or adds DG hash values (e.g. to list a DG not supplied).
	Hashes map[int][]byte
	Signer *Cert // the DS certificate and key
	Scheme Scheme
	// SigningTime adds the signingTime attribute when non-zero.
	SigningTime time.Time
}

// LDSSecurityObject returns the DER eContent.
func (o SOD) LDSSecurityObject() []byte {
	h := o.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	hashes := map[int][]byte{}
	for n, dg := range o.DGs {
		d := h.New()
		d.Write(dg)
		hashes[n] = d.Sum(nil)
	}
	for n, v := range o.Hashes {
		hashes[n] = v
	}
	nums := make([]int, 0, len(hashes))
	for n := range hashes {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return mustBytes(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(hashOIDs[h])
				b.AddASN1NULL()
			})
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, n := range nums {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(int64(n))
						b.AddASN1OctetString(hashes[n])
					})
				}
			})
		})
	})
}

// ContentInfo returns the CMS ContentInfo (what `openssl cms -verify` reads).
func (o SOD) ContentInfo() []byte {
	return SignCMS(oids.LDSSecurityObject, o.LDSSecurityObject(), o.Signer, o.Scheme, o.SigningTime)
}

// Build returns EF.SOD: the ContentInfo wrapped in application tag 0x77.
func (o SOD) Build() []byte {
	return tlv.Encode(0x77, o.ContentInfo())
}

// SignCMS makes a CMS SignedData over eContent, signed by signer with its
// certificate embedded and the signed attributes contentType,
// messageDigest (and signingTime when non-zero), DER-sorted.
func SignCMS(eContentType asn1.ObjectIdentifier, eContent []byte, signer *Cert, scheme Scheme, signingTime time.Time) []byte {
	if scheme.Kind == "" {
		scheme = signer.Key.DefaultScheme()
	}
	d := scheme.Hash.New()
	d.Write(eContent)
	attrs := [][]byte{
		attribute(oids.ContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(eContentType) }),
		attribute(oids.MessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(d.Sum(nil)) }),
	}
	if !signingTime.IsZero() {
		attrs = append(attrs, attribute(oids.SigningTime, func(b *cryptobyte.Builder) { addTime(b, signingTime) }))
	}
	sort.Slice(attrs, func(i, j int) bool { return bytes.Compare(attrs[i], attrs[j]) < 0 })
	set := mustBytes(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, a := range attrs {
				b.AddBytes(a)
			}
		})
	})
	sig := signer.Key.Sign(scheme, set)
	return mustBytes(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oids.SignedData)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(3)
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addHashAlg(b, scheme.Hash) })
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(eContentType)
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(eContent)
						})
					})
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(signer.DER) })
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1Int64(1)
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddBytes(signer.Issuer.DER())
								b.AddASN1BigInt(signer.Serial)
							})
							addHashAlg(b, scheme.Hash)
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddBytes(set[len(set)-setContentLen(set):])
							})
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { scheme.addAlg(b) })
							b.AddASN1OctetString(sig)
						})
					})
				})
			})
		})
	})
}

// setContentLen returns the content length of a DER element.
func setContentLen(el []byte) int {
	s := cryptobyte.String(el)
	var c cryptobyte.String
	if !s.ReadASN1(&c, cbasn1.SET) {
		panic("pkitest: bad SET")
	}
	return len(c)
}

func attribute(oid asn1.ObjectIdentifier, value func(b *cryptobyte.Builder)) []byte {
	return mustBytes(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, value)
		})
	})
}

// DG1 wraps an MRZ as EF.DG1 (61 { 5F1F MRZ }).
func DG1(mrz string) []byte {
	return tlv.Encode(0x61, tlv.Encode(0x5F1F, []byte(mrz)))
}

// CRL makes a v2 CRL issued by issuer listing the revoked serials.
func CRL(issuer *Cert, thisUpdate time.Time, revoked ...*big.Int) []byte {
	scheme := issuer.Key.DefaultScheme()
	tbs := mustBytes(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(1)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { scheme.addAlg(b) })
			b.AddBytes(issuer.Subject.DER())
			addTime(b, thisUpdate)
			addTime(b, thisUpdate.AddDate(0, 3, 0))
			if len(revoked) > 0 {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, s := range revoked {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1BigInt(s)
							addTime(b, thisUpdate)
						})
					}
				})
			}
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oids.ExtAuthorityKeyID)
						b.AddASN1OctetString(mustBytes(func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(issuer.Key.KeyID()) })
							})
						}))
					})
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oids.ExtCRLNumber)
						b.AddASN1OctetString(mustBytes(func(b *cryptobyte.Builder) { b.AddASN1Int64(1) }))
					})
				})
			})
		})
	})
	sig := issuer.Key.Sign(scheme, tbs)
	return mustBytes(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(tbs)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { scheme.addAlg(b) })
			b.AddASN1BitString(sig)
		})
	})
}

// MasterList makes a CSCA master list signed by signer holding certs.
func MasterList(signer *Cert, certs ...[]byte) []byte {
	content := mustBytes(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				for _, c := range certs {
					b.AddBytes(c)
				}
			})
		})
	})
	return SignCMS(oids.CscaMasterList, content, signer, Scheme{}, time.Time{})
}
