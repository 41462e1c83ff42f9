package sim

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"sort"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/icao/lds"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signSOD signs eContent (a DER LDSSecurityObject) with signCMS and
// returns EF.SOD: the ContentInfo under tag 77.
func signSOD(eContent []byte, ds *x509.Certificate, dsKey *ecdsa.PrivateKey, signingTime time.Time) ([]byte, error) {
	contentInfo, err := signCMS(lds.OIDLDSSecurityObject, eContent, ds, dsKey, signingTime)
	if err != nil {
		return nil, fmt.Errorf("sim: SOD: %w", err)
	}
	var sod cryptobyte.Builder
	sod.AddASN1(cbasn1.Tag(lds.TagSOD), func(b *cryptobyte.Builder) { b.AddBytes(contentInfo) })
	return sod.Bytes()
}

// signCMS wraps eContent of type eContentType in a CMS SignedData (RFC
// 5652, version 3) signed by the DS with ecdsa-with-SHA256 over the signed
// attributes contentType, signingTime and messageDigest, embeds the DS
// certificate, and returns the bare ContentInfo (EF.CardSecurity's form;
// EF.SOD adds tag 77). The signature is RFC 6979 deterministic.
func signCMS(eContentType asn1.ObjectIdentifier, eContent []byte, ds *x509.Certificate, dsKey *ecdsa.PrivateKey, signingTime time.Time) ([]byte, error) {
	digest := sha256.Sum256(eContent)
	attrs := [][]byte{
		attribute(oids.ContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(eContentType) }),
		attribute(oids.SigningTime, func(b *cryptobyte.Builder) { b.AddASN1UTCTime(signingTime.UTC()) }),
		attribute(oids.MessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest[:]) }),
	}
	// DER orders a SET OF by its elements' encodings; the signature covers
	// the attributes re-tagged as that SET.
	sort.Slice(attrs, func(i, j int) bool { return bytes.Compare(attrs[i], attrs[j]) < 0 })
	var set cryptobyte.Builder
	set.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range attrs {
			b.AddBytes(a)
		}
	})
	signedAttrs, err := set.Bytes()
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(signedAttrs)
	sig, err := dsKey.Sign(nil, h[:], crypto.SHA256) // RFC 6979: reproducible
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}

	sha256AlgID := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(lds.OIDSHA256)
			b.AddASN1NULL()
		})
	}
	var ci cryptobyte.Builder
	ci.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(lds.OIDSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(3)
				b.AddASN1(cbasn1.SET, sha256AlgID)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(eContentType)
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(eContent)
					})
				})
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddBytes(ds.Raw)
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(ds.RawIssuer)
							b.AddASN1BigInt(ds.SerialNumber)
						})
						sha256AlgID(b)
						// [0] IMPLICIT SET: same content, context tag.
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							for _, a := range attrs {
								b.AddBytes(a)
							}
						})
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oids.ECDSAWithSHA256)
						})
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	contentInfo, err := ci.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encode SignedData: %w", err)
	}
	return contentInfo, nil
}

// attribute encodes one CMS Attribute with a single value.
func attribute(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
	return b.BytesOrPanic() // fixed shapes: cannot fail
}
