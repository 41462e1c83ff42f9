package verify

import (
	"bytes"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// BindCardAccess checks EF.CardAccess, which the chip serves unsigned before
// PACE, against the signed files that must repeat it (ICAO 9303-11:
// DG14 and EF.CardSecurity contain the SecurityInfos of EF.CardAccess). used
// is the PACEInfo the session ran with, nil when PACE did not run;
// cardSecurity is nil unless it was read and its signature checked.
//
// When DG14 is covered by the SOD and lists PACEInfos, the one used must be
// among them (and among EF.CardSecurity's, when given): otherwise the PACE
// parameters were not the issuer's (a downgrade or a forged EF.CardAccess)
// and ReasonCardAccessNotSigned fails the read. A DG14 that lists no
// PACEInfo cannot bind them, and one that lacks another SecurityInfo of
// EF.CardAccess (TA, CA) binds them only in part: ReasonCardAccessUnbound
// says so without changing the status, because no key or parameter of this
// session rests on those infos and the real CCCD's DG14 content is not
// documented.
func (r *Result) BindCardAccess(cardAccess []byte, used *lds.PACEInfo, dg14, cardSecurity []byte) {
	if used == nil || !r.Covered(14) {
		return
	}
	defer r.finish()
	signed, err := lds.ParseDG14(dg14)
	if err != nil {
		return // a covered DG14 that does not parse is reported elsewhere
	}
	if len(signed.PACE) == 0 {
		r.addReason(ReasonCardAccessUnbound)
		return
	}
	if !listsPACEInfo(signed.PACE, *used) {
		r.addReason(ReasonCardAccessNotSigned)
		return
	}
	if cardSecurity != nil {
		if cs, err := lds.ParseCardSecurity(cardSecurity); err != nil || !listsPACEInfo(cs.PACE, *used) {
			r.addReason(ReasonCardAccessNotSigned)
			return
		}
	}
	if !holdsEvery(dg14ContentSet(dg14), setElements(cardAccess)) ||
		(cardSecurity != nil && !holdsEvery(cardSecuritySet(cardSecurity), setElements(cardAccess))) {
		r.addReason(ReasonCardAccessUnbound)
	}
}

func listsPACEInfo(infos []lds.PACEInfo, used lds.PACEInfo) bool {
	for _, i := range infos {
		if i.Protocol.Equal(used.Protocol) && i.ParameterID == used.ParameterID {
			return true
		}
	}
	return false
}

// holdsEvery reports whether every element of want is byte for byte in have.
func holdsEvery(have, want [][]byte) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if bytes.Equal(h, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// setElements returns the DER elements of a SET OF SecurityInfo (tag 31),
// nil when b is not one.
func setElements(b []byte) [][]byte {
	el, _, err := tlv.Parse(b)
	if err != nil || el.Tag != 0x31 {
		return nil
	}
	var out [][]byte
	rest := el.Value
	for len(rest) > 0 {
		child, after, err := tlv.Parse(rest)
		if err != nil {
			return nil
		}
		out = append(out, child.Raw)
		rest = after
	}
	return out
}

// dg14ContentSet returns the SecurityInfo elements of DG14 (6E wrapping the
// SET).
func dg14ContentSet(dg14 []byte) [][]byte {
	el, _, err := tlv.Parse(dg14)
	if err != nil || el.Tag != lds.TagDG14 {
		return nil
	}
	return setElements(el.Value)
}

// cardSecuritySet returns the SecurityInfo elements EF.CardSecurity signs.
func cardSecuritySet(cs []byte) [][]byte {
	if el, _, err := tlv.Parse(cs); err == nil {
		cs = el.Raw
	}
	_, content, err := lds.EncapsulatedContent(cs)
	if err != nil {
		return nil
	}
	return setElements(content)
}
