package main

import (
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/vicc"
)

// TestReadNPAThroughPCSC: `cccd read` on vsmartcard's German eID emulator
// (PACE by OpenPACE) behind pcscd + vpcd, ECDH-GM on brainpoolP256r1
// (parameter 13). The right CAN: PACE-CAN completes and cccd says the card
// has no eMRTD application (its protected 6A82 verified), exit 1, not a
// key or crypto failure. A wrong CAN: exit 3, worded as a refused key or a
// failed mapping.
func TestReadNPAThroughPCSC(t *testing.T) {
	const can = "482915"
	testenv.LockVPCD(t)
	vicc.StartNPA(t, vicc.BasePort, vicc.NPAOptions{CAN: can})

	_, stderr, code := cccdRead(t, "--can", can, "--trace")
	if code != exitFailure || !strings.Contains(stderr, "PACE-CAN succeeded") || !strings.Contains(stderr, "no eMRTD application") ||
		!strings.Contains(stderr, "MAC verified") || strings.Contains(stderr, "refused the key") {
		t.Fatalf("right CAN: exit %d, want %d with \"no eMRTD application\" after PACE-CAN:\n%s", code, exitFailure, stderr)
	}
	if strings.Contains(stderr, can) {
		t.Errorf("stderr shows the CAN:\n%s", stderr)
	}

	_, stderr, code = cccdRead(t, "--can", "123456")
	if code != exitAccessDenied || !strings.Contains(stderr, "refused the key or failed the PACE mapping") {
		t.Fatalf("wrong CAN: exit %d, want %d:\n%s", code, exitAccessDenied, stderr)
	}
}
