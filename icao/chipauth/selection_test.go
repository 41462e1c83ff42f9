package chipauth

import (
	"crypto/ecdsa"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/testenv"
)

func TestSelectKeyRealFiles(t *testing.T) {
	dg14s := seedDG14s(t)
	tests := []struct {
		name   string
		parse  func([]byte) (*lds.SecurityInfos, error)
		file   []byte
		cipher icao.Cipher
		keyID  int
		curve  string
	}{
		{"jMRTD bsi2008 DG14 (explicit brainpoolP224r1)", lds.ParseDG14, dg14s["jmrtd-bsi2008"], icao.Cipher3DES, -1, "brainpoolP224r1"},
		{"TR-03105-5 DG14", lds.ParseDG14, dg14s["pymrtd-tr03105-5"], icao.Cipher3DES, -1, "brainpoolP224r1"},
		{"ETSI TR 103 200 DG14", lds.ParseDG14, dg14s["pymrtd-etsi-tr103200-eacaa"], icao.Cipher3DES, -1, "brainpoolP224r1"},
		{"DE EF.CardSecurity (standardized parameters)", lds.ParseCardSecurity, testenv.ReadShared(t, "pa/gmrtd-sods/DE_EF_CardSecurity.bin"), icao.CipherAES128, 72, "brainpoolP256r1"},
		{"FI EF.CardSecurity", lds.ParseCardSecurity, testenv.ReadShared(t, "pa/gmrtd-sods/FI_EF_CardSecurity.bin"), icao.Cipher3DES, 16, "brainpoolP384r1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			si, err := tc.parse(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			k, err := SelectKey(si)
			if err != nil {
				t.Fatal(err)
			}
			ek, ok := k.Public.(*ecdsa.PublicKey)
			if !ok || !k.ECDH {
				t.Fatalf("key %T", k.Public)
			}
			if k.Cipher != tc.cipher || k.KeyID != tc.keyID || ecc.Name(ek.Curve) != tc.curve {
				t.Errorf("got %s key ID %d on %s", k.Cipher, k.KeyID, ecc.Name(ek.Curve))
			}
		})
	}
}

func TestSelectKeyRules(t *testing.T) {
	if _, err := SelectKey(nil); !errors.Is(err, ErrNotSupported) {
		t.Error(err)
	}
	if _, err := SelectKey(&lds.SecurityInfos{}); !errors.Is(err, ErrNotSupported) {
		t.Error(err)
	}
	if got := ProtocolOID(true, icao.CipherAES128).String(); got != "0.4.0.127.0.7.2.2.3.2.2" {
		t.Error(got)
	}
}
