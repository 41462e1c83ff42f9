package pki

import "encoding/asn1"

// Object identifiers used by the CMS, X.509 and ICAO layers.
var (
	OIDSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	// OIDLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject, the
	// eContentType of an EF.SOD.
	OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	// OIDCscaMasterList is id-icao-cscaMasterList, the eContentType of a master list.
	OIDCscaMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
	// OIDSecurityObject is BSI TR-03110 id-SecurityObject, the eContentType of EF.CardSecurity.
	OIDSecurityObject = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}

	// Legacy LDS eContentTypes seen in real documents: the old icao(27) arc
	// used by BE/FR, the Sdu (NL) identifier and plain id-data (CN).
	OIDLDSLegacyICAO = asn1.ObjectIdentifier{1, 3, 27, 1, 1, 1}
	OIDLDSLegacySdu  = asn1.ObjectIdentifier{1, 2, 528, 1, 1006, 1, 20, 1}

	OIDRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDRSASSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	OIDMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	OIDSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	OIDSHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	OIDSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	OIDECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	OIDPrimeField  = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
	// OIDDHPublicNumber is X9.42 dhpublicnumber, the DH SPKI algorithm.
	OIDDHPublicNumber  = asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}
	OIDECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	OIDECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	OIDECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	// BSI TR-03111 ecdsa-plain-signatures: r‖s instead of a DER SEQUENCE.
	OIDECDSAPlainPrefix = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1}

	OIDSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	OIDExtSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	OIDExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	OIDExtPrivateKeyPeriod = asn1.ObjectIdentifier{2, 5, 29, 16}
	OIDExtSubjectAltName   = asn1.ObjectIdentifier{2, 5, 29, 17}
	OIDExtIssuerAltName    = asn1.ObjectIdentifier{2, 5, 29, 18}
	OIDExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	OIDExtCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	OIDExtNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	OIDExtCRLDistribution  = asn1.ObjectIdentifier{2, 5, 29, 31}
	OIDExtCertPolicies     = asn1.ObjectIdentifier{2, 5, 29, 32}
	OIDExtAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	OIDExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	// ICAO 9303-12 document type list, critical in many DS certificates.
	OIDExtDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}

	OIDAttrCountry = asn1.ObjectIdentifier{2, 5, 4, 6}
)

// IsLDSContentType reports whether oid is an eContentType that real EF.SOD
// files carry: the ICAO OID or one of the legacy ones.
func IsLDSContentType(oid asn1.ObjectIdentifier) bool {
	return oid.Equal(OIDLDSSecurityObject) || oid.Equal(OIDLDSLegacyICAO) ||
		oid.Equal(OIDLDSLegacySdu) || oid.Equal(OIDData)
}
