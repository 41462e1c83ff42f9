package icao

import (
	"bytes"
	"testing"
)

// TestKDFAndCMACPACEVectors checks KDF and AES-CMAC against the PACE
// worked examples (the PACE engineer builds on both).
func TestKDFAndCMACPACEVectors(t *testing.T) {
	g1 := newValueMap(t, loadVectorSet(t, "icao9303-p11-appG1-pace-ecdh-gm").Values)
	extra := newValueMap(t, loadVectorSet(t, "pace-kdf-extra").Values)
	tests := []struct {
		name    string
		vm      *valueMap
		secret  string
		counter uint32
		want    string
	}{
		{"G.1 K_pi", g1, "f_pi", KDFPi, "k_pi"},
		{"G.1 KS_enc", g1, "shared_secret_k", KDFEnc, "ks_enc"},
		{"G.1 KS_mac", g1, "shared_secret_k", KDFMac, "ks_mac"},
		{"G.2 KS_enc", extra, "g2_shared_secret", KDFEnc, "g2_ks_enc"},
		{"G.2 KS_mac", extra, "g2_shared_secret", KDFMac, "g2_ks_mac"},
		{"I KS_enc", extra, "appI_shared_secret", KDFEnc, "appI_ks_enc"},
		{"I KS_mac", extra, "appI_shared_secret", KDFMac, "appI_ks_mac"},
	}
	for _, tt := range tests {
		if got := KDF(tt.vm.hex(tt.secret), tt.counter, CipherAES128); !bytes.Equal(got, tt.vm.hex(tt.want)) {
			t.Errorf("%s = %X, want %X", tt.name, got, tt.vm.hex(tt.want))
		}
	}
	for _, side := range []string{"ifd", "ic"} {
		full, err := AESCMAC(g1.hex("ks_mac"), g1.hex("t_"+side+"_input"))
		if err != nil {
			t.Fatal(err)
		}
		g1.check("t_"+side+"_cmac_full", full)
		g1.check("t_"+side, full[:8])
	}
}
