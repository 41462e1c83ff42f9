package verify

import "strings"

// Overall statuses (stable, docs/FORMATS.md).
const (
	StatusVerified        = "verified"         // signature + hashes good, chains to a trusted CSCA
	StatusIntactUntrusted = "intact-untrusted" // signature + hashes good, trust not established
	StatusFailed          = "failed"           // forged, tampered, injected, expired at signing, revoked, chip failed
)

// Reason tokens. They are machine-readable, stable, and never carry personal
// data (only data-group names).
//
//	token                                 fatal  meaning
//	sod-malformed                         yes    EF.SOD is not a parsable CMS SignedData
//	sod-content-type                      yes    eContentType is not an LDS security object
//	lds-malformed                         yes    the LDSSecurityObject inside the SOD does not parse
//	ds-certificate-missing                yes    no embedded certificate matches the SignerInfo
//	sod-signature-invalid                 yes    signature, contentType or messageDigest check failed
//	sod-algorithm-unsupported             yes    the signature cannot be checked (algorithm/curve)
//	dg-hash-mismatch:DGn                  yes    DGn differs from its hash in the SOD (tampered)
//	dg-not-in-sod:DGn                     yes    DGn was read but the SOD does not list it (injected)
//	country-mismatch                      yes    DS certificate country ≠ DG1 issuing state
//	country-unchecked                     no     DG1 absent or its issuing state has no ISO code here
//	signing-time-absent                   no     no signingTime; validity evaluated at verification time
//	ds-expired-at-signing                 yes    signingTime after the DS certificate's notAfter
//	ds-not-yet-valid-at-signing           yes    signingTime before the DS certificate's notBefore
//	ds-not-yet-valid                      yes    (no signingTime) DS not valid yet at verification time
//	ds-expired                            no*    (no signingTime) DS expired by verification time
//	ds-key-period-exceeded                yes    signingTime after the DS private-key usage period
//	ds-key-usage                          yes    DS key usage lacks digitalSignature
//	ds-critical-extension                 yes    DS carries an unknown critical extension
//	ds-certificate-signature-invalid      yes    a trusted CSCA is named but did not sign the DS
//	ds-revoked                            yes    a CRL of the issuing CSCA lists the DS
//	csca-unknown                          no*    no trusted CSCA issued the DS
//	csca-not-ca                           yes    the issuing certificate is not CA:TRUE
//	csca-key-usage                        yes    the issuing certificate lacks keyCertSign
//	csca-expired-at-signing               yes    CSCA expired before signingTime
//	csca-not-yet-valid                    yes    CSCA not valid yet at the signing (or verification) time
//	csca-expired                          no*    (no signingTime) CSCA expired by verification time
//	crl-outdated                          no     every CRL held for the issuing CSCA is past its nextUpdate
//	chip-authentication-failed            yes    CA / AA / PACE-CAM failed
//	chip-key-not-bound                    yes    chip check passed with a key the SOD does not cover
//	card-access-not-signed                yes    DG14/EF.CardSecurity list PACEInfos, not the one PACE ran with
//	card-access-unbound                   no     DG14 lists no PACEInfo, or lacks another info of EF.CardAccess
//
// no* = not fatal, but the status cannot be "verified": at best intact-untrusted.
const (
	ReasonSODMalformed             = "sod-malformed"
	ReasonSODContentType           = "sod-content-type"
	ReasonLDSMalformed             = "lds-malformed"
	ReasonDSCertificateMissing     = "ds-certificate-missing"
	ReasonSODSignatureInvalid      = "sod-signature-invalid"
	ReasonSODAlgorithmUnsupported  = "sod-algorithm-unsupported"
	ReasonDGHashMismatch           = "dg-hash-mismatch" // + ":DGn"
	ReasonDGNotInSOD               = "dg-not-in-sod"    // + ":DGn"
	ReasonCountryMismatch          = "country-mismatch"
	ReasonCountryUnchecked         = "country-unchecked"
	ReasonSigningTimeAbsent        = "signing-time-absent"
	ReasonDSExpiredAtSigning       = "ds-expired-at-signing"
	ReasonDSNotYetValidAtSigning   = "ds-not-yet-valid-at-signing"
	ReasonDSNotYetValid            = "ds-not-yet-valid"
	ReasonDSExpired                = "ds-expired"
	ReasonDSKeyPeriodExceeded      = "ds-key-period-exceeded"
	ReasonDSKeyUsage               = "ds-key-usage"
	ReasonDSCriticalExtension      = "ds-critical-extension"
	ReasonDSCertSignatureInvalid   = "ds-certificate-signature-invalid"
	ReasonDSRevoked                = "ds-revoked"
	ReasonCSCAUnknown              = "csca-unknown"
	ReasonCSCANotCA                = "csca-not-ca"
	ReasonCSCAKeyUsage             = "csca-key-usage"
	ReasonCSCAExpiredAtSigning     = "csca-expired-at-signing"
	ReasonCSCANotYetValid          = "csca-not-yet-valid"
	ReasonCSCAExpired              = "csca-expired"
	ReasonCRLOutdated              = "crl-outdated"
	ReasonChipAuthenticationFailed = "chip-authentication-failed"
	ReasonChipKeyNotBound          = "chip-key-not-bound"
	ReasonCardAccessNotSigned      = "card-access-not-signed"
	ReasonCardAccessUnbound        = "card-access-unbound"
)

// Signature statuses reported in Result.Passive.Signature.
const (
	SignatureValid       = "valid"
	SignatureInvalid     = "invalid"
	SignatureUnsupported = "unsupported"
	SignatureNotChecked  = "not-checked"
)

// Hash statuses reported per data group in Result.Passive.Hashes.
const (
	HashMatch    = "match"
	HashMismatch = "mismatch"
	HashNotInSOD = "not-in-sod" // read, but unsigned: injection
	HashNotRead  = "not-read"   // signed, but not supplied
)

// Chip methods and statuses (stable, docs/FORMATS.md).
const (
	ChipNone         = "none"
	ChipOK           = "ok"
	ChipFailed       = "failed"
	ChipNotSupported = "not-supported"
	ChipSkipped      = "skipped"
)

// Result is the `verification` object of docs/FORMATS.md. Its JSON field names are
// a stable contract.
type Result struct {
	Status  string      `json:"status"`
	Reasons []string    `json:"reasons"`
	Passive PassiveInfo `json:"passive"`
	Chip    ChipInfo    `json:"chip"`

	// DS and CSCA are the certificates found, for callers that show more
	// than the JSON; nil when not established.
	DS   *Certificate `json:"-"`
	CSCA *Certificate `json:"-"`
}

// PassiveInfo details passive authentication.
type PassiveInfo struct {
	Signature string            `json:"signature"` // SignatureValid, ...
	Hashes    map[string]string `json:"hashes"`    // "DG1" → HashMatch, ...
	Chain     string            `json:"chain"`     // ChainValid, ...
	Signer    string            `json:"signer"`    // DS certificate subject, "" if unknown
	CSCA      string            `json:"csca"`      // issuing CSCA subject, "" if untrusted
}

// ChipInfo is the chip-authentication verdict merged by ApplyChip.
type ChipInfo struct {
	Method string `json:"method"` // "CA", "AA", "PACE-CAM" or "none"
	Status string `json:"status"` // ChipOK, ChipFailed, ChipNotSupported, ChipSkipped
}

// fatalReasons are the tokens that make the status failed.
var fatalReasons = map[string]bool{
	ReasonSODMalformed: true, ReasonSODContentType: true, ReasonLDSMalformed: true,
	ReasonDSCertificateMissing: true, ReasonSODSignatureInvalid: true, ReasonSODAlgorithmUnsupported: true,
	ReasonDGHashMismatch: true, ReasonDGNotInSOD: true, ReasonCountryMismatch: true,
	ReasonDSExpiredAtSigning: true, ReasonDSNotYetValidAtSigning: true, ReasonDSNotYetValid: true,
	ReasonDSKeyPeriodExceeded: true, ReasonDSKeyUsage: true, ReasonDSCriticalExtension: true,
	ReasonDSCertSignatureInvalid: true, ReasonDSRevoked: true, ReasonCSCANotCA: true,
	ReasonCSCAKeyUsage: true, ReasonCSCAExpiredAtSigning: true, ReasonCSCANotYetValid: true,
	ReasonChipAuthenticationFailed: true, ReasonChipKeyNotBound: true, ReasonCardAccessNotSigned: true,
}

// IsFatal reports whether a reason token makes the verification fail.
func IsFatal(reason string) bool {
	if i := strings.IndexByte(reason, ':'); i >= 0 {
		reason = reason[:i]
	}
	return fatalReasons[reason]
}

func newResult() *Result {
	return &Result{
		Reasons: []string{},
		Passive: PassiveInfo{Signature: SignatureNotChecked, Hashes: map[string]string{}, Chain: ChainNotChecked},
		Chip:    ChipInfo{Method: ChipNone, Status: ChipSkipped},
	}
}

func (r *Result) addReason(reason string) {
	for _, x := range r.Reasons {
		if x == reason {
			return
		}
	}
	r.Reasons = append(r.Reasons, reason)
}

// finish derives Status from the evidence collected.
func (r *Result) finish() {
	for _, x := range r.Reasons {
		if IsFatal(x) {
			r.Status = StatusFailed
			return
		}
	}
	intact := r.Passive.Signature == SignatureValid
	for _, h := range r.Passive.Hashes {
		if h == HashMismatch || h == HashNotInSOD {
			intact = false
		}
	}
	switch {
	case !intact:
		r.Status = StatusFailed
	case r.Passive.Chain == ChainValid:
		r.Status = StatusVerified
	default:
		r.Status = StatusIntactUntrusted
	}
}

// Covered reports whether data group dg was read, is listed in the SOD with
// a matching hash, and the SOD signature is valid: the condition for trusting
// a key that DG14 or DG15 carries.
func (r *Result) Covered(dg int) bool {
	return r.Passive.Signature == SignatureValid && r.Passive.Hashes[dgName(dg)] == HashMatch
}

// ApplyChip merges a chip-authentication verdict (method "CA", "AA" or
// "PACE-CAM"). ok is the protocol's outcome; bound says whether the file that
// carried the chip key (DG14, DG15 or EF.CardSecurity) is covered by a valid
// SOD (see Covered). A chip check counts only when bound: a clone can pass CA
// or AA with keys of its own. A failed or unbound check makes the status
// failed.
func (r *Result) ApplyChip(method string, ok bool, bound bool) {
	r.Chip.Method = method
	switch {
	case !ok:
		r.Chip.Status = ChipFailed
		r.addReason(ReasonChipAuthenticationFailed)
	case !bound:
		r.Chip.Status = ChipFailed
		r.addReason(ReasonChipKeyNotBound)
	default:
		r.Chip.Status = ChipOK
	}
	r.finish()
}

// SetChipNotSupported records that the chip offers no chip authentication
// (the status is unchanged: passive authentication alone decides).
func (r *Result) SetChipNotSupported() {
	r.Chip = ChipInfo{Method: ChipNone, Status: ChipNotSupported}
}
