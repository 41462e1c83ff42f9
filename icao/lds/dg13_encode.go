package lds

import (
	"fmt"
	"sort"

	"github.com/cccd-agent/cccd/internal/tlv"
	"golang.org/x/text/unicode/norm"
)

// oidDG13 is the OID 1.0.10646.1.0.8 every observed DG13 carries after its
// version (meaning undocumented; an ISO/IEC 10646 arc).
var oidDG13 = []byte{0x06, 0x06, 0x28, 0xD3, 0x16, 0x01, 0x00, 0x08}

// EncodeDG13 writes p as a DG13 in the layout observed on real cards:
// field 1, 3, 11 and 15 as PrintableString, the rest as
// UTF8String, dates as dd/mm/yyyy, each parent in its own SEQUENCE, an empty
// field 14 when there is no spouse. Empty fields other than 14 are left out.
// Dates in p must be ISO 8601 (yyyy-mm-dd) or are written as given.
func EncodeDG13(p *Personal) ([]byte, error) {
	type field struct {
		n         int
		printable bool
		value     string
	}
	fs := []field{
		{dg13ID, true, p.IDNumber},
		{dg13FullName, false, p.FullName},
		{dg13DateOfBirth, true, vnDate(p.DateOfBirth)},
		{dg13Sex, false, p.Sex},
		{dg13Nationality, false, p.Nationality},
		{dg13Ethnicity, false, p.Ethnicity},
		{dg13Religion, false, p.Religion},
		{dg13PlaceOfOrigin, false, p.PlaceOfOrigin},
		{dg13PlaceOfResidence, false, p.PlaceOfResidence},
		{dg13IdentifyingMarks, false, p.IdentifyingMarks},
		{dg13DateOfIssue, true, vnDate(p.DateOfIssue)},
		{dg13DateOfExpiry, false, vnDate(p.DateOfExpiry)},
	}
	var set [][]byte
	num := func(n int) []byte { return []byte{0x02, 0x01, byte(n)} }
	str := func(printable bool, v string) ([]byte, error) {
		if printable {
			for i := 0; i < len(v); i++ {
				if !printableChar(v[i]) {
					return nil, fmt.Errorf("%w: DG13: character not allowed in a PrintableString", ErrUnsupported)
				}
			}
			return tlv.Encode(0x13, []byte(v)), nil
		}
		return tlv.Encode(0x0C, []byte(norm.NFC.String(v))), nil
	}
	for _, f := range fs {
		if f.value == "" {
			continue
		}
		v, err := str(f.printable, f.value)
		if err != nil {
			return nil, err
		}
		set = append(set, tlv.Encode(0x30, num(f.n), v))
	}
	if p.FatherName != "" || p.MotherName != "" {
		parents := [][]byte{num(dg13Parents)}
		for _, name := range []string{p.FatherName, p.MotherName} {
			if name == "" {
				parents = append(parents, tlv.Encode(0x30)) // an unknown parent keeps its slot
				continue
			}
			v, _ := str(false, name)
			parents = append(parents, tlv.Encode(0x30, v))
		}
		set = append(set, tlv.Encode(0x30, parents...))
	}
	if p.SpouseName == "" {
		set = append(set, tlv.Encode(0x30, num(dg13Spouse)))
	} else {
		v, _ := str(false, p.SpouseName)
		set = append(set, tlv.Encode(0x30, num(dg13Spouse), tlv.Encode(0x30, v)))
	}
	if p.OldIDNumber != "" {
		v, err := str(true, p.OldIDNumber)
		if err != nil {
			return nil, err
		}
		set = append(set, tlv.Encode(0x30, num(dg13OldID), v))
	}
	others := make([]int, 0, len(p.Other))
	for n := range p.Other {
		if n > dg13OldID && n <= maxDG13Field {
			others = append(others, n)
		}
	}
	sort.Ints(others)
	for _, n := range others {
		v, err := str(true, p.Other[n])
		if err != nil {
			v, _ = str(false, p.Other[n])
		}
		set = append(set, tlv.Encode(0x30, num(n), v))
	}
	body := tlv.Encode(0x30, []byte{0x02, 0x01, 0x01}, oidDG13, tlv.Encode(0x31, set...))
	return tlv.Encode(TagDG13, body), nil
}

// vnDate writes an ISO yyyy-mm-dd date as dd/mm/yyyy; other text is kept.
func vnDate(iso string) string {
	if len(iso) == 10 && iso[4] == '-' && iso[7] == '-' && allDigits(iso[0:4]+iso[5:7]+iso[8:10]) {
		return iso[8:10] + "/" + iso[5:7] + "/" + iso[0:4]
	}
	return iso
}

// printableChar reports whether c may appear in an ASN.1 PrintableString.
func printableChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case ' ', '\'', '(', ')', '+', ',', '-', '.', '/', ':', '=', '?':
		return true
	}
	return false
}
