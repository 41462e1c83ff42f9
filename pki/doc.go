// Package pki is the public-key floor under icao and verify: it parses and
// checks the X.509 and CMS objects of eMRTD PKI — certificates, CRLs, CMS
// SignedData, SubjectPublicKeyInfo and public keys (named and explicit EC
// domains, RSA and RSASSA-PSS), distinguished names — normalises BER to DER,
// verifies signatures, and holds the object identifiers they use.
//
// It parses everything itself with cryptobyte because crypto/x509 and the Go
// CMS libraries refuse most real eMRTD PKI: explicit EC parameters,
// Brainpool, RSASSA-PSS variants, BER input, non-minimal integers.
//
// It knows mechanics, not policy: whether a chain is trusted, which reasons
// a verdict carries and what a master list may add to a trust store are
// decided by verify. Nothing here logs, and no error string carries content:
// errors name the structure that failed, never its bytes.
package pki
