package lds

import (
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// TagCOM is the application tag of EF.COM.
const TagCOM = 0x60

// dgTags maps a data group number (index) to its LDS application tag.
var dgTags = [17]byte{0, 0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70}

// DGTag returns the application tag of data group n (1..16), 0 if none.
func DGTag(n int) byte {
	if n < 1 || n > 16 {
		return 0
	}
	return dgTags[n]
}

// DGNumber returns the data group number whose application tag is tag, 0 if none.
func DGNumber(tag byte) int {
	for n := 1; n <= 16; n++ {
		if dgTags[n] == tag {
			return n
		}
	}
	return 0
}

// COM is EF.COM: the LDS version and the list of data groups present. The
// list is not signed; take the authoritative list from the SOD.
type COM struct {
	LDSVersion     string // "aabb" as stored, e.g. "0107" for LDS 1.7
	UnicodeVersion string // "aabbcc" as stored, e.g. "040000"
	DataGroups     []int  // in file order
	UnknownTags    []byte // tags of the list that name no data group, in file order
}

// ParseCOM decodes EF.COM (tag 60 with 5F01 LDS version, 5F36 Unicode
// version and 5C tag list). Tags of the list that name no data group are
// kept in UnknownTags, not an error: EF.COM is unsigned and only says what
// to read, and a later LDS version may list more. Bytes after the 60 element
// (read padding) are ignored.
func ParseCOM(b []byte) (*COM, error) {
	outer, _, err := tlv.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: EF.COM: %v", ErrMalformed, err)
	}
	if outer.Tag != TagCOM {
		return nil, fmt.Errorf("%w: EF.COM starts with tag %X, want 60", ErrMalformed, outer.Tag)
	}
	children, err := outer.Children()
	if err != nil {
		return nil, fmt.Errorf("%w: EF.COM: %v", ErrMalformed, err)
	}
	c := &COM{}
	var haveList bool
	for _, ch := range children {
		switch ch.Tag {
		case 0x5F01:
			c.LDSVersion = string(ch.Value)
		case 0x5F36:
			c.UnicodeVersion = string(ch.Value)
		case 0x5C:
			haveList = true
			for _, t := range ch.Value {
				if n := DGNumber(t); n > 0 {
					c.DataGroups = append(c.DataGroups, n)
				} else {
					c.UnknownTags = append(c.UnknownTags, t)
				}
			}
		}
	}
	if !haveList {
		return nil, fmt.Errorf("%w: EF.COM has no tag list (5C)", ErrMalformed)
	}
	return c, nil
}

// EncodeCOM builds EF.COM for the given data groups. ldsVersion is four
// digits ("0107"), unicodeVersion six ("040000").
func EncodeCOM(ldsVersion, unicodeVersion string, dataGroups []int) ([]byte, error) {
	list := make([]byte, 0, len(dataGroups))
	for _, n := range dataGroups {
		t := DGTag(n)
		if t == 0 {
			return nil, fmt.Errorf("%w: EF.COM: no data group %d", ErrUnsupported, n)
		}
		list = append(list, t)
	}
	return tlv.Encode(TagCOM,
		tlv.Encode(0x5F01, []byte(ldsVersion)),
		tlv.Encode(0x5F36, []byte(unicodeVersion)),
		tlv.Encode(0x5C, list)), nil
}
