package lds

import (
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDs of the CMS content types found in EF.SOD and EF.CardSecurity.
var (
	// OIDSignedData is id-signedData (RFC 5652), the ContentInfo type of both files.
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// OIDLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject, the
	// eContentType of EF.SOD.
	OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	// OIDSecurityObject is id-SecurityObject (BSI TR-03110), the eContentType
	// of EF.CardSecurity.
	OIDSecurityObject = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}
)

// EncapsulatedContent walks a CMS ContentInfo holding SignedData down to the
// encapsulated content and returns its type and bytes. BER input (indefinite
// lengths, constructed strings) is accepted. It checks framing only, not the
// signature: that is passive authentication's job.
func EncapsulatedContent(contentInfo []byte) (eContentType asn1.ObjectIdentifier, eContent []byte, err error) {
	der, err := toDER(contentInfo)
	if err != nil {
		return nil, nil, fmt.Errorf("CMS: %w", err)
	}
	bad := func(what string) error { return fmt.Errorf("%w: CMS: %s", ErrMalformed, what) }

	s := cryptobyte.String(der)
	var ci, signedData, encap cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, nil, bad("ContentInfo is not one SEQUENCE")
	}
	if !ci.ReadASN1ObjectIdentifier(&ctype) {
		return nil, nil, bad("ContentInfo has no contentType")
	}
	if !ctype.Equal(OIDSignedData) {
		return nil, nil, fmt.Errorf("%w: CMS content type %s, want signedData", ErrUnsupported, ctype)
	}
	var explicit cryptobyte.String
	if !ci.ReadASN1(&explicit, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!explicit.ReadASN1(&signedData, cbasn1.SEQUENCE) {
		return nil, nil, bad("no SignedData in ContentInfo")
	}
	var version int64
	if !signedData.ReadASN1Integer(&version) ||
		!signedData.SkipASN1(cbasn1.SET) || // digestAlgorithms
		!signedData.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, nil, bad("SignedData lacks version, digestAlgorithms or encapContentInfo")
	}
	if !encap.ReadASN1ObjectIdentifier(&eContentType) {
		return nil, nil, bad("encapContentInfo has no eContentType")
	}
	var present bool
	var wrapped, octets cryptobyte.String
	if !encap.ReadOptionalASN1(&wrapped, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, nil, bad("encapContentInfo eContent is malformed")
	}
	if !present {
		return nil, nil, bad("SignedData is detached (no eContent)")
	}
	if !wrapped.ReadASN1(&octets, cbasn1.OCTET_STRING) || !wrapped.Empty() {
		return nil, nil, bad("eContent is not an OCTET STRING")
	}
	return eContentType, []byte(octets), nil
}
