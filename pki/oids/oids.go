// Package oids is the one table of object identifiers for the CMS, X.509,
// key and signature structures of eMRTD PKI. It is a leaf: pki, icao, verify
// and the test PKI builder all take their OIDs from here.
package oids

import "encoding/asn1"

// Object identifiers by the name their standard gives them (RFC 5652, 5280,
// 4055, 8017, X9.62, SEC 2, BSI TR-03111, ICAO 9303).
var (
	SignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	Data          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	ContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	MessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	SigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	// LDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject, the
	// eContentType of an EF.SOD.
	LDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	// CscaMasterList is id-icao-cscaMasterList, the eContentType of a master list.
	CscaMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
	// SecurityObject is BSI TR-03110 id-SecurityObject, the eContentType of EF.CardSecurity.
	SecurityObject = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}

	// Legacy LDS eContentTypes seen in real documents: the old icao(27) arc
	// used by BE/FR, the Sdu (NL) identifier and plain id-data (CN).
	LDSLegacyICAO = asn1.ObjectIdentifier{1, 3, 27, 1, 1, 1}
	LDSLegacySdu  = asn1.ObjectIdentifier{1, 2, 528, 1, 1006, 1, 20, 1}

	RSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	RSASSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	MGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	SHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	SHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	SHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	SHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	SHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	ECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	PrimeField  = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
	// DHPublicNumber is X9.42 dhpublicnumber, the DH SPKI algorithm.
	DHPublicNumber  = asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}
	ECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	ECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	ECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	ECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	ECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	// BSI TR-03111 ecdsa-plain-signatures: r‖s instead of a DER SEQUENCE;
	// the last arc names the hash (1 SHA-1, 2 SHA-224 … 5 SHA-512).
	ECDSAPlainPrefix = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1}
	ECDSAPlainSHA1   = under(ECDSAPlainPrefix, 1)
	ECDSAPlainSHA224 = under(ECDSAPlainPrefix, 2)
	ECDSAPlainSHA256 = under(ECDSAPlainPrefix, 3)
	ECDSAPlainSHA384 = under(ECDSAPlainPrefix, 4)
	ECDSAPlainSHA512 = under(ECDSAPlainPrefix, 5)

	SHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	SHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	SHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	SHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	SHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	ExtSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	ExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	ExtPrivateKeyPeriod = asn1.ObjectIdentifier{2, 5, 29, 16}
	ExtSubjectAltName   = asn1.ObjectIdentifier{2, 5, 29, 17}
	ExtIssuerAltName    = asn1.ObjectIdentifier{2, 5, 29, 18}
	ExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	ExtCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	ExtNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	ExtCRLDistribution  = asn1.ObjectIdentifier{2, 5, 29, 31}
	ExtCertPolicies     = asn1.ObjectIdentifier{2, 5, 29, 32}
	ExtAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	ExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	// ICAO 9303-12 document type list, critical in many DS certificates.
	ExtDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}

	AttrCountry            = asn1.ObjectIdentifier{2, 5, 4, 6}
	AttrCommonName         = asn1.ObjectIdentifier{2, 5, 4, 3}
	AttrOrganization       = asn1.ObjectIdentifier{2, 5, 4, 10}
	AttrOrganizationalUnit = asn1.ObjectIdentifier{2, 5, 4, 11}

	// StandardizedDomainParameters is BSI TR-03110-3
	// id-StandardizedDomainParameters: an SPKI algorithm whose parameter is
	// a PACE domain parameter ID.
	StandardizedDomainParameters = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 2}
)

// under returns arc as a child of prefix, in a new slice.
func under(prefix asn1.ObjectIdentifier, arc int) asn1.ObjectIdentifier {
	return append(append(asn1.ObjectIdentifier{}, prefix...), arc)
}
