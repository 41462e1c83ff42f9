// Package verify performs passive authentication of eMRTD / CCCD security
// objects: on top of pki's CMS, X.509 and CRL parsing it reads CSCA master
// lists, checks data-group hashes against the SOD, builds the DS → CSCA chain
// against a TrustStore, and condenses it all into a Result whose JSON is the
// stable `verification` object of docs/FORMATS.md.
//
// Trust model: every certificate in a TrustStore is an anchor, as ICAO
// master lists intend — CSCAs, and link certificates (an old CSCA key
// certified by the new one, or the reverse), so a DS chains in one step to
// whichever trusted certificate carries its issuer's key. A DS whose AKI
// names a trusted key that did not sign it is forged; a DS whose issuer is
// merely unknown is "intact-untrusted".
//
// Validity rule: certificates are judged at the moment of signing. With a
// signingTime attribute that is the time used, and a DS or CSCA outside its
// validity then fails the document. Without one, the verification time is
// used: a certificate not yet valid fails, an expired one only proves the
// document is old and caps the status at intact-untrusted (see checkChain).
//
// Reason tokens are listed in result.go; they never carry personal data.
//
// Nothing in this package logs, and no error string carries data-group
// content: errors name the structure that failed, never its bytes.
package verify
