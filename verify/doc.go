// Package verify performs passive authentication of eMRTD / CCCD security
// objects: it parses CMS SignedData, X.509 certificates, CRLs and CSCA master
// lists itself (crypto/x509 and the Go CMS libraries refuse most real eMRTD
// PKI: explicit EC parameters, Brainpool, RSASSA-PSS variants, BER input),
// checks data-group hashes against the SOD, builds the DS → CSCA chain against
// a TrustStore, and condenses it all into a Result whose JSON is the stable
// `verification` object of DESIGN.md.
//
// Nothing in this package logs, and no error string carries data-group
// content: errors name the structure that failed, never its bytes.
package verify
