package pki

import (
	"crypto"
	"testing"
)

// TestHashOIDRoundTrip: HashOID and HashByOID are inverses over the hashes
// eMRTDs use, and refuse the others.
func TestHashOIDRoundTrip(t *testing.T) {
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		oid, ok := HashOID(h)
		if !ok {
			t.Fatalf("%v has no OID", h)
		}
		if back, ok := HashByOID(oid); !ok || back != h {
			t.Errorf("%v → %s → %v", h, oid, back)
		}
	}
	if _, ok := HashOID(crypto.MD5); ok {
		t.Error("MD5 has an OID")
	}
}
