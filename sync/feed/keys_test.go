package feed

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

func TestKeysFromOpenSSL(t *testing.T) {
	openssl := testenv.LookPath(t, "openssl")
	dir := t.TempDir()
	keyPath, pubPath := filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem")
	if out, err := exec.Command(openssl, "genpkey", "-algorithm", "ed25519", "-out", keyPath).CombinedOutput(); err != nil {
		t.Fatalf("openssl genpkey: %v\n%s", err, out)
	}
	if out, err := exec.Command(openssl, "pkey", "-in", keyPath, "-pubout", "-out", pubPath).CombinedOutput(); err != nil {
		t.Fatalf("openssl pkey: %v\n%s", err, out)
	}
	keyPEM, _ := os.ReadFile(keyPath)
	pubPEM, _ := os.ReadFile(pubPath)
	priv, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKeyPEM(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(priv.Public()) {
		t.Fatal("public key from openssl does not match the private key")
	}
	again, err := MarshalPublicKeyPEM(pub)
	if err != nil || string(again) != string(pubPEM) {
		t.Fatalf("MarshalPublicKeyPEM = %q, %v; want openssl's %q", again, err, pubPEM)
	}
	// The key id is the SHA-256 of the DER SPKI, as `openssl pkey -pubout -outform DER | sha256sum` gives.
	der, err := exec.Command(openssl, "pkey", "-in", keyPath, "-pubout", "-outform", "DER").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := KeyID(pub), sha256Hex(der); got != want {
		t.Errorf("KeyID = %s, want %s", got, want)
	}
}

func TestParseKeyErrors(t *testing.T) {
	pubPEM, err := MarshalPublicKeyPEM(rostertest.Key(1).Public().(ed25519PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   func([]byte) error
		in   []byte
	}{
		{"private: not PEM", func(b []byte) error { _, err := ParsePrivateKeyPEM(b); return err }, []byte("nope")},
		{"private: a public key", func(b []byte) error { _, err := ParsePrivateKeyPEM(b); return err }, pubPEM},
		{"private: garbage DER", func(b []byte) error { _, err := ParsePrivateKeyPEM(b); return err }, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")},
		{"public: not PEM", func(b []byte) error { _, err := ParsePublicKeyPEM(b); return err }, []byte("nope")},
		{"public: garbage DER", func(b []byte) error { _, err := ParsePublicKeyPEM(b); return err }, []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")},
	}
	for _, tc := range tests {
		if err := tc.fn(tc.in); !errors.Is(err, ErrBadKey) {
			t.Errorf("%s: err = %v, want ErrBadKey", tc.name, err)
		}
	}
}
