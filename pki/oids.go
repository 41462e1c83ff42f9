package pki

import (
	"encoding/asn1"

	"github.com/cccd-agent/cccd/pki/oids"
)

// IsLDSContentType reports whether oid is an eContentType that real EF.SOD
// files carry: the ICAO OID or one of the legacy ones.
func IsLDSContentType(oid asn1.ObjectIdentifier) bool {
	return oid.Equal(oids.LDSSecurityObject) || oid.Equal(oids.LDSLegacyICAO) ||
		oid.Equal(oids.LDSLegacySdu) || oid.Equal(oids.Data)
}
