package pn532_test

import (
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pn532emu"
	"github.com/cccd-agent/cccd/reader/pn532"
)

// APDUs carry personal data (DG1, DG13 answers): no error string and no
// debug log line of the driver may contain their bytes, in text or hex.
func TestNoAPDUDataInErrorsOrLogs(t *testing.T) {
	var logs testenv.LogBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b, r := startBench(t, &testChip{}, pn532emu.Options{}, pn532.Config{Logger: logger, Retries: 1})
	ctx := testCtx(t)
	c, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("001099012345|NGUYEN VAN A|15021999")
	faults := []func(*pn532emu.Emulator){
		func(e *pn532emu.Emulator) { e.BreakChecksum(1) },
		func(e *pn532emu.Emulator) { e.BreakChecksum(2) }, // original + one resend: all Retries
		func(e *pn532emu.Emulator) { e.NackCommands(2) },
		func(e *pn532emu.Emulator) { e.StallResponses(1) },
	}
	var msgs []string
	for _, inject := range faults {
		inject(b.Emulator())
		if _, err := c.Transmit(ctx, echo(secret)); err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) != 3 {
		t.Fatalf("only %d faults produced errors: %q", len(msgs), msgs)
	}
	all := strings.Join(msgs, "\n") + logs.String()
	for _, leak := range []string{"001099012345", "NGUYEN", "15021999", hex.EncodeToString(secret[:6]), strings.ToUpper(hex.EncodeToString(secret[:6]))} {
		if strings.Contains(all, leak) {
			t.Fatalf("%q leaked into errors or logs:\n%s", leak, all)
		}
	}
}
