package pki

import (
	encasn1 "encoding/asn1"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/cccd-agent/cccd/pki/oids"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Name is an X.501 distinguished name as it appears in a certificate or CRL.
// Raw keeps the exact encoding; Attributes are flattened in encoded order.
type Name struct {
	Raw        []byte
	Attributes []NameAttribute
}

// NameAttribute is one AttributeTypeAndValue with its value decoded to text.
type NameAttribute struct {
	Type  encasn1.ObjectIdentifier
	Value string
}

var attrShortNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
	"2.5.4.11": "OU", "2.5.4.5": "serialNumber", "1.2.840.113549.1.9.1": "emailAddress",
}

// parseName decodes a Name element (the whole SEQUENCE, tag included).
func parseName(raw []byte) (Name, bool) {
	n := Name{Raw: raw}
	in := cryptobyte.String(raw)
	var rdns cryptobyte.String
	if !in.ReadASN1(&rdns, asn1.SEQUENCE) || !in.Empty() {
		return n, false
	}
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, asn1.SET) {
			return n, false
		}
		for !set.Empty() {
			var atv cryptobyte.String
			var a NameAttribute
			var val cryptobyte.String
			var tag asn1.Tag
			if !set.ReadASN1(&atv, asn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&a.Type) ||
				!atv.ReadAnyASN1(&val, &tag) {
				return n, false
			}
			a.Value = decodeString(val, tag)
			n.Attributes = append(n.Attributes, a)
		}
	}
	return n, true
}

// decodeString turns a directory string into text. T61/Teletex is taken as
// Latin-1, which is what eMRTD PKIs put there in practice.
func decodeString(b []byte, tag asn1.Tag) string {
	switch tag {
	case 30: // BMPString
		u := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	case 20: // TeletexString
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	}
	return string(b)
}

// String renders the name in RFC 4514-like order (as encoded), e.g.
// "C=VN, O=…, CN=CSCA ePassport Vietnam". Certificate names are not personal data.
func (n Name) String() string {
	parts := make([]string, 0, len(n.Attributes))
	for _, a := range n.Attributes {
		k, ok := attrShortNames[a.Type.String()]
		if !ok {
			k = a.Type.String()
		}
		parts = append(parts, k+"="+a.Value)
	}
	return strings.Join(parts, ", ")
}

// Country returns the value of the first countryName attribute, upper-cased.
func (n Name) Country() string {
	for _, a := range n.Attributes {
		if a.Type.Equal(oids.AttrCountry) {
			return strings.ToUpper(strings.TrimSpace(a.Value))
		}
	}
	return ""
}

// Equal compares two names semantically: the same multiset of attributes,
// values compared case-insensitively with whitespace folded, regardless of
// string type (PrintableString vs UTF8String) and of RDN order. Real SODs
// differ from their certificates in both ways (UA: string types, MY: order).
func (n Name) Equal(o Name) bool {
	if len(n.Raw) > 0 && string(n.Raw) == string(o.Raw) {
		return true
	}
	if len(n.Attributes) != len(o.Attributes) {
		return false
	}
	return slices.Equal(n.canonical(), o.canonical())
}

// canonical returns the sorted "oid=value" forms used by Equal and as a map key.
func (n Name) canonical() []string {
	c := make([]string, len(n.Attributes))
	for i, a := range n.Attributes {
		c[i] = a.Type.String() + "=" + foldValue(a.Value)
	}
	slices.Sort(c)
	return c
}

// Key is a map key equal for names that Equal treats as equal.
func (n Name) Key() string { return strings.Join(n.canonical(), "\x00") }

func foldValue(v string) string {
	return strings.ToLower(strings.Join(strings.Fields(v), " "))
}
