package lds

import (
	"crypto"
	_ "crypto/sha1" // registers the hashes NewLDSSecurityObject may use
	_ "crypto/sha256"
	_ "crypto/sha512"
	"fmt"

	"github.com/cccd-agent/cccd/pki"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// NewLDSSecurityObject hashes each data group file with h and returns the
// version 0 object listing them in ascending data group order.
func NewLDSSecurityObject(h crypto.Hash, dataGroups map[int][]byte) (*LDSSecurityObject, error) {
	oid, ok := pki.HashOID(h)
	if !ok || !h.Available() {
		return nil, fmt.Errorf("%w: hash %v", ErrUnsupported, h)
	}
	o := &LDSSecurityObject{HashOID: oid, Hash: h, HashName: h.String()}
	for n := 1; n <= 16; n++ {
		b, ok := dataGroups[n]
		if !ok {
			continue
		}
		d := h.New()
		d.Write(b)
		o.DataGroupHashes = append(o.DataGroupHashes, DataGroupHash{Number: n, Value: d.Sum(nil)})
	}
	if len(dataGroups) != len(o.DataGroupHashes) {
		return nil, fmt.Errorf("%w: data group numbers must be 1..16", ErrUnsupported)
	}
	return o, nil
}

// Encode returns the DER LDSSecurityObject (the SOD's eContent).
func (o *LDSSecurityObject) Encode() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(int64(o.Version))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(o.HashOID)
			b.AddASN1NULL()
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, h := range o.DataGroupHashes {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(int64(h.Number))
					b.AddASN1OctetString(h.Value)
				})
			}
		})
		if o.VersionInfo != nil {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.PrintableString, func(b *cryptobyte.Builder) { b.AddBytes([]byte(o.VersionInfo.LDSVersion)) })
				b.AddASN1(cbasn1.PrintableString, func(b *cryptobyte.Builder) { b.AddBytes([]byte(o.VersionInfo.UnicodeVersion)) })
			})
		}
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: LDSSecurityObject: %v", ErrUnsupported, err)
	}
	return out, nil
}
