package lds

import (
	"crypto"
	"encoding/asn1"
	"fmt"
	"sort"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/pki"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TagSOD is the application tag wrapping EF.SOD.
const TagSOD = 0x77

// Hash algorithm OIDs that may appear in an LDSSecurityObject (pki/oids' values).
var (
	OIDSHA1   = oids.SHA1
	OIDSHA224 = oids.SHA224
	OIDSHA256 = oids.SHA256
	OIDSHA384 = oids.SHA384
	OIDSHA512 = oids.SHA512
)

// HashFromOID maps a digest algorithm OID to its crypto.Hash; ok is false for
// an algorithm eMRTDs do not use.
func HashFromOID(oid asn1.ObjectIdentifier) (h crypto.Hash, ok bool) {
	return pki.HashByOID(oid)
}

// SODContent strips the 0x77 wrapper of EF.SOD and returns what it holds: the
// CMS ContentInfo whose content is the SignedData (the form `openssl cms
// -verify -inform DER` takes). The bytes are returned as encoded on the chip
// (possibly BER) and alias the input.
func SODContent(sod []byte) (signedData []byte, err error) {
	t, _, err := tlv.Parse(sod)
	if err != nil {
		return nil, fmt.Errorf("%w: EF.SOD: %v", ErrMalformed, err)
	}
	if t.Tag != TagSOD {
		return nil, fmt.Errorf("%w: EF.SOD starts with tag %X, want 77", ErrMalformed, t.Tag)
	}
	// Bytes after the element are padding some chips return with the last
	// READ BINARY; they are not part of the file.
	return t.Value, nil
}

// DataGroupHash is one entry of the SOD's hash list.
type DataGroupHash struct {
	Number int    // data group number, 1..16
	Value  []byte // the hash of the whole EF.DGn file as read
}

// LDSVersionInfo is the optional version info of an LDSSecurityObject v1.
type LDSVersionInfo struct {
	LDSVersion     string // e.g. "0108"
	UnicodeVersion string // e.g. "040000"
}

// LDSSecurityObject is the signed content of EF.SOD: the hash of every data
// group the issuer signed.
type LDSSecurityObject struct {
	Version int                   // 0 or 1
	HashOID asn1.ObjectIdentifier // the hashAlgorithm OID as encoded
	Hash    crypto.Hash           // HashOID as a crypto.Hash
	// HashName is the algorithm's name, e.g. "SHA-256".
	HashName string
	// DataGroupHashes lists the hashes in the order of the file; numbers are unique.
	DataGroupHashes []DataGroupHash
	// VersionInfo is set for version 1 objects that carry it.
	VersionInfo *LDSVersionInfo
}

// HashOf returns the signed hash of data group n and whether the SOD lists it.
// A data group read from the chip but absent here is unsigned (an injection).
func (o *LDSSecurityObject) HashOf(n int) ([]byte, bool) {
	for _, h := range o.DataGroupHashes {
		if h.Number == n {
			return h.Value, true
		}
	}
	return nil, false
}

// DataGroups returns the signed data group numbers in ascending order.
func (o *LDSSecurityObject) DataGroups() []int {
	out := make([]int, 0, len(o.DataGroupHashes))
	for _, h := range o.DataGroupHashes {
		out = append(out, h.Number)
	}
	sort.Ints(out)
	return out
}

// ParseSOD is SODContent, EncapsulatedContent and ParseLDSSecurityObject in
// one step, checking that the eContentType is one that real EF.SOD files
// carry (pki.IsLDSContentType: the ICAO OID or a legacy one), as passive
// authentication does.
func ParseSOD(sod []byte) (*LDSSecurityObject, error) {
	ci, err := SODContent(sod)
	if err != nil {
		return nil, err
	}
	ctype, content, err := EncapsulatedContent(ci)
	if err != nil {
		return nil, fmt.Errorf("EF.SOD: %w", err)
	}
	if !pki.IsLDSContentType(ctype) {
		return nil, fmt.Errorf("%w: EF.SOD eContentType %s, want ldsSecurityObject", ErrMalformed, ctype)
	}
	return ParseLDSSecurityObject(content)
}

// ParseLDSSecurityObject decodes the DER LDSSecurityObject (ICAO 9303-10 §4.6.2)
// found in the SOD's eContent.
func ParseLDSSecurityObject(eContent []byte) (*LDSSecurityObject, error) {
	der, err := toDER(eContent)
	if err != nil {
		return nil, fmt.Errorf("LDSSecurityObject: %w", err)
	}
	bad := func(what string) error { return fmt.Errorf("%w: LDSSecurityObject: %s", ErrMalformed, what) }
	s := cryptobyte.String(der)
	var seq, algID, list cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, bad("not one SEQUENCE")
	}
	var o LDSSecurityObject
	var version int64
	if !seq.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version < 0 || version > 1 {
		return nil, bad("version missing or not 0/1")
	}
	o.Version = int(version)
	if !seq.ReadASN1(&algID, cbasn1.SEQUENCE) || !algID.ReadASN1ObjectIdentifier(&o.HashOID) {
		return nil, bad("hashAlgorithm missing")
	}
	h, ok := HashFromOID(o.HashOID)
	if !ok {
		return nil, fmt.Errorf("%w: LDSSecurityObject hash algorithm %s", ErrUnsupported, o.HashOID)
	}
	o.Hash, o.HashName = h, h.String()
	if !seq.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, bad("dataGroupHashValues missing")
	}
	seen := map[int]bool{}
	for !list.Empty() {
		var entry, value cryptobyte.String
		var n int64
		if !list.ReadASN1(&entry, cbasn1.SEQUENCE) ||
			!entry.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) ||
			!entry.ReadASN1(&value, cbasn1.OCTET_STRING) || !entry.Empty() {
			return nil, bad("malformed DataGroupHash")
		}
		if n < 1 || n > 16 {
			return nil, bad(fmt.Sprintf("data group number %d out of range 1..16", n))
		}
		if seen[int(n)] {
			return nil, bad(fmt.Sprintf("data group %d listed twice", n))
		}
		if len(value) != h.Size() {
			return nil, bad(fmt.Sprintf("DG%d hash is %d bytes, %s needs %d", n, len(value), o.HashName, h.Size()))
		}
		seen[int(n)] = true
		o.DataGroupHashes = append(o.DataGroupHashes, DataGroupHash{Number: int(n), Value: []byte(value)})
	}
	if len(o.DataGroupHashes) < 2 {
		return nil, bad("fewer than two data group hashes")
	}
	if !seq.Empty() {
		var vi cryptobyte.String
		var lv, uv cryptobyte.String
		if !seq.ReadASN1(&vi, cbasn1.SEQUENCE) ||
			!vi.ReadASN1(&lv, cbasn1.PrintableString) ||
			!vi.ReadASN1(&uv, cbasn1.PrintableString) || !vi.Empty() || !seq.Empty() {
			return nil, bad("malformed ldsVersionInfo")
		}
		o.VersionInfo = &LDSVersionInfo{LDSVersion: string(lv), UnicodeVersion: string(uv)}
	}
	return &o, nil
}
