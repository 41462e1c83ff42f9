package verify

import "encoding/asn1"

// Object identifiers used by the CMS, X.509 and ICAO layers.
var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	// OIDLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject, the
	// eContentType of an EF.SOD.
	OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	// OIDCscaMasterList is id-icao-cscaMasterList, the eContentType of a master list.
	OIDCscaMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
	// OIDSecurityObject is BSI TR-03110 id-SecurityObject, the eContentType of EF.CardSecurity.
	OIDSecurityObject = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}

	// Legacy LDS eContentTypes seen in real documents (gmrtd's sod.go
	// isValidEContentType accepts them too): the old icao(27) arc used by
	// BE/FR, the Sdu (NL) identifier and plain id-data (CN).
	oidLDSLegacyICAO = asn1.ObjectIdentifier{1, 3, 27, 1, 1, 1}
	oidLDSLegacySdu  = asn1.ObjectIdentifier{1, 2, 528, 1, 1006, 1, 20, 1}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSASSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidPrimeField      = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
	oidECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	// BSI TR-03111 ecdsa-plain-signatures: r‖s instead of a DER SEQUENCE.
	oidECDSAPlainPrefix = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidExtSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtPrivateKeyPeriod = asn1.ObjectIdentifier{2, 5, 29, 16}
	oidExtSubjectAltName   = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtIssuerAltName    = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidExtNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidExtCRLDistribution  = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtCertPolicies     = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	// ICAO 9303-12 document type list, critical in many DS certificates.
	oidExtDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}

	oidAttrCountry = asn1.ObjectIdentifier{2, 5, 4, 6}
)

// isLDSContentType reports whether oid is an eContentType that real EF.SOD
// files carry: the ICAO OID or one of the legacy ones.
func isLDSContentType(oid asn1.ObjectIdentifier) bool {
	return oid.Equal(OIDLDSSecurityObject) || oid.Equal(oidLDSLegacyICAO) ||
		oid.Equal(oidLDSLegacySdu) || oid.Equal(oidData)
}
