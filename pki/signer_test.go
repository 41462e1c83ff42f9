package pki

import (
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// MY: the SignerInfo names the issuer with its RDNs in another order than the
// embedded certificate; the signer is still selected, by serial plus a
// semantic name match (OpenSSL reports "signer certificate not found").
func TestTolerantSignerSelection(t *testing.T) {
	sd, err := ParseSignedData(testenv.ReadShared(t, "pa/gmrtd-sods/MY_EF_SOD.bin")[4:])
	if err != nil {
		t.Fatal(err)
	}
	si := &sd.SignerInfos[0]
	c := sd.Certificates[0]
	if string(si.Issuer.Raw) == string(c.Issuer.Raw) {
		t.Fatal("test data changed: issuer encodings are identical")
	}
	n, ok := si.IssuerName()
	if !ok || !n.Equal(c.Issuer) {
		t.Fatalf("semantic issuer match failed: %q vs %q", n, c.Issuer)
	}
	if got := sd.signerCandidates(si, nil); len(got) != 1 || got[0] != c {
		t.Errorf("candidates = %d", len(got))
	}
	if _, err := sd.VerifySignature(); err != nil {
		t.Errorf("VerifySignature: %v", err)
	}
}
