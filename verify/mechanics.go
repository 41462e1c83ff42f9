package verify

import (
	"crypto"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/pki"
)

// The ASN.1, CMS, X.509 and key mechanics live in pki; these names keep
// verify's exported API as it was before the split.

type (
	// Certificate is pki.Certificate.
	Certificate = pki.Certificate
	// CRL is pki.CRL.
	CRL = pki.CRL
	// SignedData is pki.SignedData.
	SignedData = pki.SignedData
	// SignerInfo is pki.SignerInfo.
	SignerInfo = pki.SignerInfo
	// Attribute is pki.Attribute.
	Attribute = pki.Attribute
	// Name is pki.Name.
	Name = pki.Name
	// NameAttribute is pki.NameAttribute.
	NameAttribute = pki.NameAttribute
	// Extension is pki.Extension.
	Extension = pki.Extension
	// AlgorithmIdentifier is pki.AlgorithmIdentifier.
	AlgorithmIdentifier = pki.AlgorithmIdentifier
)

// Sentinel errors, the same values as pki's so errors.Is matches either name.
var (
	ErrMalformed             = pki.ErrMalformed
	ErrSignerNotFound        = pki.ErrSignerNotFound
	ErrContentTypeMismatch   = pki.ErrContentTypeMismatch
	ErrMessageDigestMismatch = pki.ErrMessageDigestMismatch
	ErrSignatureInvalid      = pki.ErrSignatureInvalid
	ErrUnsupportedAlgorithm  = pki.ErrUnsupportedAlgorithm
	ErrUnsupportedKey        = pki.ErrUnsupportedKey
	ErrUnsupportedCurve      = pki.ErrUnsupportedCurve
)

// Content types verify has always exported.
var (
	OIDLDSSecurityObject = oids.LDSSecurityObject
	OIDCscaMasterList    = oids.CscaMasterList
	OIDSecurityObject    = oids.SecurityObject
)

// ParseCertificate is pki.ParseCertificate.
func ParseCertificate(der []byte) (*Certificate, error) { return pki.ParseCertificate(der) }

// ParseCRL is pki.ParseCRL.
func ParseCRL(der []byte) (*CRL, error) { return pki.ParseCRL(der) }

// ParseSignedData is pki.ParseSignedData.
func ParseSignedData(b []byte) (*SignedData, error) { return pki.ParseSignedData(b) }

// ParsePublicKey is pki.ParsePublicKey.
func ParsePublicKey(spki []byte) (crypto.PublicKey, error) { return pki.ParsePublicKey(spki) }
