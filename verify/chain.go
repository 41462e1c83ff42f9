package verify

import (
	"bytes"
	"crypto/x509"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"
)

// Chain statuses reported in Result.Passive.Chain.
const (
	ChainValid      = "valid"       // DS signed by a trusted CSCA, all checks passed
	ChainUntrusted  = "untrusted"   // no trusted CSCA issued the DS (or validity unprovable)
	ChainInvalid    = "invalid"     // a trusted CSCA is named but the link is broken
	ChainRevoked    = "revoked"     // a trusted CRL lists the DS
	ChainNotChecked = "not-checked" // the SOD itself did not verify
)

// chainOutcome is what checkChain found; reasons use the tokens of result.go.
type chainOutcome struct {
	status  string
	csca    *Certificate
	reasons []string
	fatal   bool
}

// knownCriticalExtensions may be marked critical in DS certificates; any
// other critical extension makes the certificate unusable (RFC 5280 §4.2).
var knownCriticalExtensions = [][]int{
	oids.ExtKeyUsage, oids.ExtBasicConstraints, oids.ExtPrivateKeyPeriod, oids.ExtSubjectAltName,
	oids.ExtIssuerAltName, oids.ExtCertPolicies, oids.ExtExtKeyUsage, oids.ExtDocumentTypeList,
	oids.ExtNameConstraints, oids.ExtCRLDistribution, oids.ExtSubjectKeyID, oids.ExtAuthorityKeyID,
}

// checkChain validates ds against the trust store at signing time T.
//
// The rule (documented in DESIGN terms): certificate validity is evaluated
// at the moment of signing. With a signingTime attribute, T is that time and
// a DS (or CSCA) outside its validity at T is a forgery indicator: failed.
// Without one, T is the verification time `at`: a DS not yet valid at `at`
// fails, but a DS (or CSCA) already expired at `at` only proves the
// document is old — it is reported ("ds-expired", "csca-expired") and caps
// the status at intact-untrusted instead of failing it, because a DS
// certificate outlives every document it signed (ICAO 9303-12 §7.1).
func (s *TrustStore) checkChain(ds *Certificate, T time.Time, haveSigningTime bool) chainOutcome {
	var out chainOutcome
	add := func(fatal bool, r ...string) {
		out.reasons = append(out.reasons, r...)
		out.fatal = out.fatal || fatal
	}
	for _, e := range ds.Extensions {
		if e.Critical && !oidIn(e.ID, knownCriticalExtensions) {
			add(true, ReasonDSCriticalExtension)
			break
		}
	}
	if ds.HasKeyUsage && ds.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		add(true, ReasonDSKeyUsage)
	}
	expiredOnly := false
	switch {
	case T.Before(ds.NotBefore):
		add(true, ternary(haveSigningTime, ReasonDSNotYetValidAtSigning, ReasonDSNotYetValid))
	case T.After(ds.NotAfter):
		if haveSigningTime {
			add(true, ReasonDSExpiredAtSigning)
		} else {
			add(false, ReasonDSExpired)
			expiredOnly = true
		}
	}
	if haveSigningTime && !ds.PrivateKeyNotAfter.IsZero() && T.After(ds.PrivateKeyNotAfter) {
		add(true, ReasonDSKeyPeriodExceeded)
	}
	if s == nil {
		out.status = ChainUntrusted
		add(false, ReasonCSCAUnknown)
		return out
	}
	cands := s.FindIssuers(ds)
	var issuer *Certificate
	keyMatched := false // a trusted CSCA carries the DS's AKI as its SKI
	for _, c := range cands {
		if len(ds.AuthorityKeyID) > 0 && bytes.Equal(c.SubjectKeyID, ds.AuthorityKeyID) {
			keyMatched = true
		}
		if s.checkLink(ds, c) == nil {
			issuer = c
			break
		}
	}
	switch {
	case issuer == nil && keyMatched:
		// The DS names a trusted CSCA key that did not sign it: forged.
		out.status = ChainInvalid
		add(true, ReasonDSCertSignatureInvalid)
		return out
	case issuer == nil:
		// Nothing trusted signed it; a same-name match alone may be a CSCA
		// key this store does not have yet (key rollover), not a forgery.
		out.status = ChainUntrusted
		add(false, ReasonCSCAUnknown)
		return out
	}
	out.csca = issuer
	if !issuer.BasicConstraintsValid || !issuer.IsCA {
		add(true, ReasonCSCANotCA)
	}
	if issuer.HasKeyUsage && issuer.KeyUsage&x509.KeyUsageCertSign == 0 {
		add(true, ReasonCSCAKeyUsage)
	}
	switch {
	case T.Before(issuer.NotBefore):
		add(true, ReasonCSCANotYetValid)
	case T.After(issuer.NotAfter) && haveSigningTime:
		add(true, ReasonCSCAExpiredAtSigning)
	case T.After(issuer.NotAfter):
		add(false, ReasonCSCAExpired)
		expiredOnly = true
	}
	if _, revoked := s.revoked(ds, issuer); revoked {
		out.status = ChainRevoked
		add(true, ReasonDSRevoked)
		return out
	}
	switch {
	case out.fatal:
		out.status = ChainInvalid
	case expiredOnly:
		out.status = ChainUntrusted
	default:
		out.status = ChainValid
	}
	return out
}

func oidIn(id []int, list [][]int) bool {
	for _, o := range list {
		if len(o) == len(id) {
			eq := true
			for i := range o {
				if o[i] != id[i] {
					eq = false
					break
				}
			}
			if eq {
				return true
			}
		}
	}
	return false
}

func ternary(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}
