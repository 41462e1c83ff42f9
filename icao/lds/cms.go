package lds

import (
	"encoding/asn1"
	"fmt"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/pki"
)

// OIDs of the CMS content types found in EF.SOD and EF.CardSecurity; the
// values are pki's, the one OID table.
var (
	// OIDSignedData is id-signedData (RFC 5652), the ContentInfo type of both files.
	OIDSignedData = oids.SignedData
	// OIDLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject, the
	// eContentType of EF.SOD.
	OIDLDSSecurityObject = oids.LDSSecurityObject
	// OIDSecurityObject is id-SecurityObject (BSI TR-03110), the eContentType
	// of EF.CardSecurity.
	OIDSecurityObject = oids.SecurityObject
)

// EncapsulatedContent walks a CMS ContentInfo holding SignedData down to the
// encapsulated content with pki's CMS reader (the code passive
// authentication parses the same files with) and returns its type and
// bytes. BER input (indefinite lengths, constructed strings) is accepted. It
// checks framing only, not the signature: that is passive authentication's
// job.
func EncapsulatedContent(contentInfo []byte) (eContentType asn1.ObjectIdentifier, eContent []byte, err error) {
	ctype, content, err := pki.EncapsulatedContent(contentInfo)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: CMS: %v", ErrMalformed, err)
	}
	if content == nil {
		return nil, nil, fmt.Errorf("%w: CMS: SignedData is detached (no eContent)", ErrMalformed)
	}
	return ctype, content, nil
}
