package ble

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// APDU contents (personal data in DG answers) never reach errors or logs,
// even when frames arrive damaged or the reader stops answering.
func TestNoAPDUDataInErrorsOrLogs(t *testing.T) {
	var logs testenv.LogBuffer
	fake := newFakeACR(DefaultMasterKey)
	secret := []byte("001099012345|NGUYEN VAN A|15021999")
	fake.answer = func(apdu []byte) []byte { return append(bytes.Clone(secret), 0x90, 0x00) }
	r, err := New(Config{Enabled: true, Address: "AA:BB"},
		func(ctx context.Context, addr string) (GATTLink, error) { return fake, nil },
		WithTimeout(500*time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	c, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Transmit(ctx, secret); err != nil {
		t.Fatal(err)
	}
	// A damaged notification carrying the secret, then silence.
	bad, _ := EncodeFrame(append([]byte{0x80, 0x00, byte(len(secret)), 0, 0, 0, 0}, secret...))
	bad[len(bad)-2] ^= 0xFF
	fake.notes <- bad
	fake.mu.Lock()
	fake.silent = true
	fake.mu.Unlock()
	_, err = c.Transmit(ctx, secret)
	if err == nil {
		t.Fatal("Transmit to a silent reader succeeded")
	}
	all := err.Error() + logs.String()
	for _, leak := range []string{"001099012345", "NGUYEN", "15021999", hex.EncodeToString(secret[:6]), strings.ToUpper(hex.EncodeToString(secret[:6]))} {
		if strings.Contains(all, leak) {
			t.Fatalf("%q leaked:\n%s", leak, all)
		}
	}
	if !strings.Contains(logs.String(), "dropping damaged frame") {
		t.Fatalf("damaged frame not logged:\n%s", logs.String())
	}
}
