package verify

import (
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/pki"
)

// Passive performs passive authentication of one document: sod is EF.SOD as
// read (with its 0x77 wrapper), dgs the data groups read, by number, each the
// whole EF.DGn file. trust may be nil (nothing trusted). at is the
// verification time, used for certificate validity when the SOD carries no
// signingTime (see checkChain for the rule).
//
// It never returns nil and never panics on hostile input: every problem
// becomes a reason token in the Result.
func Passive(sod []byte, dgs map[int][]byte, trust *TrustStore, at time.Time) *Result {
	r := newResult()
	defer r.finish()

	ci, err := lds.SODContent(sod)
	if err != nil {
		r.addReason(ReasonSODMalformed)
		return r
	}
	sd, err := pki.ParseSignedDataWith(ci, trust.parseCertificateCached)
	if err != nil {
		r.addReason(ReasonSODMalformed)
		return r
	}
	if !pki.IsLDSContentType(sd.EContentType) {
		r.addReason(ReasonSODContentType)
		return r
	}
	lso, err := lds.ParseLDSSecurityObject(sd.EContent)
	if err != nil {
		r.addReason(ReasonLDSMalformed)
		return r
	}

	checkSigner(r, sd)
	checkHashes(r, lso, dgs)
	if r.DS == nil {
		return r
	}
	checkCountry(r, dgs[1])
	checkTrust(r, sd, trust, at)
	return r
}

// CardSecurity authenticates EF.CardSecurity (BSI TR-03110: CMS SignedData
// over SecurityInfos, eContentType id-SecurityObject) the way Passive
// authenticates an SOD: signature by the embedded DS, DS → CSCA chain at
// signing time. It returns the signed SecurityInfos (nil unless the
// signature verified) and a Result without data-group hashes. A PACE-CAM
// verdict counts only when the status is not failed and securityInfos is
// the content the chip's key was taken from.
func CardSecurity(cs []byte, trust *TrustStore, at time.Time) (securityInfos []byte, r *Result) {
	r = newResult()
	defer r.finish()
	sd, err := pki.ParseSignedDataWith(cs, trust.parseCertificateCached)
	if err != nil {
		r.addReason(ReasonSODMalformed)
		return nil, r
	}
	if !sd.EContentType.Equal(OIDSecurityObject) {
		r.addReason(ReasonSODContentType)
		return nil, r
	}
	checkSigner(r, sd)
	if r.DS == nil {
		return nil, r
	}
	checkTrust(r, sd, trust, at)
	return sd.EContent, r
}

// checkSigner verifies the CMS signature and records the DS certificate.
func checkSigner(r *Result, sd *SignedData) {
	ds, err := sd.VerifySignature()
	switch {
	case err == nil:
		r.Passive.Signature = SignatureValid
		r.DS = ds
		r.Passive.Signer = ds.SubjectString()
	case errors.Is(err, ErrSignerNotFound):
		r.Passive.Signature = SignatureInvalid
		r.addReason(ReasonDSCertificateMissing)
	case errors.Is(err, ErrUnsupportedAlgorithm), errors.Is(err, ErrUnsupportedKey), errors.Is(err, ErrUnsupportedCurve):
		r.Passive.Signature = SignatureUnsupported
		r.addReason(ReasonSODAlgorithmUnsupported)
	default:
		r.Passive.Signature = SignatureInvalid
		r.addReason(ReasonSODSignatureInvalid)
	}
}

// checkTrust validates the DS against the trust store at signing time.
func checkTrust(r *Result, sd *SignedData, trust *TrustStore, at time.Time) {
	T, haveST := sd.SignerInfos[0].SigningTime()
	if !haveST {
		T = at
		r.addReason(ReasonSigningTimeAbsent)
	}
	ch := trust.checkChain(r.DS, T, haveST)
	r.Passive.Chain = ch.status
	for _, x := range ch.reasons {
		r.addReason(x)
	}
	if ch.csca != nil && ch.status == ChainValid {
		r.CSCA = ch.csca
		r.Passive.CSCA = ch.csca.SubjectString()
		// Revocation is judged now, not at signing: an old CRL could miss
		// a DS revoked since.
		if trust.crlOutdated(ch.csca, at) {
			r.addReason(ReasonCRLOutdated)
		}
	}
}

// checkHashes compares every data group read with the SOD: listed and
// equal (match), listed and different (tampered), not listed (injected).
// Data groups listed but not read are reported as not-read.
func checkHashes(r *Result, lso *lds.LDSSecurityObject, dgs map[int][]byte) {
	for _, n := range sortedKeys(dgs) {
		name := dgName(n)
		want, listed := lso.HashOf(n)
		if !listed {
			r.Passive.Hashes[name] = HashNotInSOD
			r.addReason(ReasonDGNotInSOD + ":" + name)
			continue
		}
		if pki.HashEqual(lso.Hash, dgs[n], want) {
			r.Passive.Hashes[name] = HashMatch
		} else {
			r.Passive.Hashes[name] = HashMismatch
			r.addReason(ReasonDGHashMismatch + ":" + name)
		}
	}
	for _, n := range lso.DataGroups() {
		if _, read := dgs[n]; !read {
			r.Passive.Hashes[dgName(n)] = HashNotRead
		}
	}
}

// checkCountry compares the DS certificate's country with DG1's issuing
// state. Only the verdict is recorded, never the MRZ.
func checkCountry(r *Result, dg1 []byte) {
	dsC := r.DS.Country()
	if dsC == "" {
		dsC = r.DS.Issuer.Country()
	}
	if dg1 == nil || dsC == "" {
		r.addReason(ReasonCountryUnchecked)
		return
	}
	state, ok := dg1IssuingState(dg1)
	if !ok {
		r.addReason(ReasonCountryUnchecked)
		return
	}
	iso := issuingStateISO(state)
	switch {
	case iso == "":
		r.addReason(ReasonCountryUnchecked)
	case iso != dsC:
		r.addReason(ReasonCountryMismatch)
	}
}

var dgNames = func() (t [17]string) {
	for i := range t {
		t[i] = "DG" + strconv.Itoa(i)
	}
	return t
}()

func dgName(n int) string {
	if n >= 0 && n < len(dgNames) {
		return dgNames[n]
	}
	return "DG" + strconv.Itoa(n)
}

// sortedKeys returns the data-group numbers in ascending order without
// sorting in the common case (numbers 0..16).
func sortedKeys(dgs map[int][]byte) []int {
	out := make([]int, 0, len(dgs))
	for n := 0; n < len(dgNames); n++ {
		if _, ok := dgs[n]; ok {
			out = append(out, n)
		}
	}
	if len(out) == len(dgs) {
		return out
	}
	var odd []int
	for n := range dgs {
		if n < 0 || n >= len(dgNames) {
			odd = append(odd, n)
		}
	}
	sort.Ints(odd)
	return append(out, odd...)
}

// findTLV walks nested tags (outer first) and returns the innermost value.
func findTLV(b []byte, tags ...uint32) ([]byte, bool) {
	for _, t := range tags {
		v, err := tlv.Find(b, t)
		if err != nil {
			return nil, false
		}
		b = v.Value
	}
	return b, true
}
