package qr

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pn532emu"
)

var zeroTime time.Time

// A synthetic QR in the layout of a real CCCD QR.
const (
	qr2021    = "001099012345||Nguyễn Văn A|15021999|Nam|Số 1, Phố P, Phường Q, Quận R, Hà Nội|01072021"
	qrVariant = "079203004567|Trần Thị Bích|01/02/2003|Nữ|12 Đường Lê Lợi, Quận 1, TP Hồ Chí Minh|05082021|"
)

func TestParse(t *testing.T) {
	at := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	sc, err := parse(qr2021, "pn532:/dev/ttyUSB0", at)
	if err != nil {
		t.Fatal(err)
	}
	want := Scan{Reader: "pn532:/dev/ttyUSB0", IDNumber: "001099012345", CAN: "012345", At: at,
		DateOfBirth: time.Date(1999, 2, 15, 0, 0, 0, 0, time.UTC), IssueDate: time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)}
	if sc != want {
		t.Fatalf("parse = %+v, want %+v", sc, want)
	}
	for _, wrapped := range []string{"]Q1" + qr2021, "\x02" + qr2021 + "\x03", qr2021 + "\t"} {
		if sc, err := parse(wrapped, "pn532:/dev/ttyUSB0", at); err != nil || sc != want {
			t.Fatalf("parse(%q) = %+v, %v", wrapped[:4], sc, err)
		}
	}
	for _, bad := range []string{"hello", "]Q", "001099012345|x", strings.Replace(qr2021, "15021999", "31021999", 1), strings.Replace(qr2021, "15021999", "199", 1)} {
		_, err := parse(bad, "r", at)
		if !errors.Is(err, mrz.ErrQR) {
			t.Fatalf("parse(%q): %v, want mrz.ErrQR", bad, err)
		}
	}
}

// TestScannerOverPTY runs the scanner on one end of a socat PTY pair and a
// fake scanner (go.bug.st/serial) on the other: scans with each terminator,
// a scan without one, a rejected code, an unplug and a replug. The QR text
// must never reach the log.
func TestScannerOverPTY(t *testing.T) {
	socat := testenv.LookPath(t, "socat")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	pair, err := pn532emu.StartSocat(ctx, socat, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { pair.Stop() }()

	var logs testenv.LogBuffer
	s, err := New(Config{Path: pair.A, Reader: "pn532:/dev/ttyUSB0", Reopen: 100 * time.Millisecond,
		IdleFlush: 150 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan Scan)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx, out) }()

	openDevice := func() serial.Port {
		p, err := serial.Open(pair.B, &serial.Mode{BaudRate: 9600})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	dev := openDevice()
	next := func(want string) {
		t.Helper()
		select {
		case sc := <-out:
			if sc.IDNumber != want || sc.CAN != want[6:] || sc.Reader != "pn532:/dev/ttyUSB0" || sc.At.IsZero() {
				t.Fatalf("scan %+v, want ID %s", sc, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no scan for %s", want)
		}
	}
	for _, term := range []string{"\r", "\n", "\r\n"} {
		dev.Write([]byte(qr2021 + term))
		next("001099012345")
	}
	dev.Write([]byte("NOT A CCCD|but has|a name Nguyễn Văn A\r\n"))
	dev.Write([]byte(qrVariant)) // no terminator: ended by idle flush
	next("079203004567")

	// Unplug: socat goes away, the scanner keeps retrying, then the cable
	// comes back under the same name.
	dev.Close()
	pair.Stop()
	time.Sleep(300 * time.Millisecond)
	pair, err = pn532emu.StartSocat(ctx, socat, dir)
	if err != nil {
		t.Fatal(err)
	}
	dev = openDevice()
	defer dev.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The scanner may still be waiting to reopen: resend until seen.
		dev.Write([]byte(qr2021 + "\r"))
		select {
		case sc := <-out:
			if sc.IDNumber != "001099012345" {
				t.Fatalf("scan after replug: %+v", sc)
			}
		case <-time.After(300 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no scan after replug")
			}
			continue
		}
		break
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	scans, rejected := s.Stats()
	if scans < 5 || rejected != 1 {
		t.Fatalf("stats: %d scans, %d rejected; want ≥5 and 1", scans, rejected)
	}
	text := logs.String()
	if !strings.Contains(text, "scan rejected") || !strings.Contains(text, "reopening") {
		t.Fatalf("log lacks the rejection or the reopen:\n%s", text)
	}
	for _, secret := range []string{"Nguyễn", "Văn", "Trần", "001099012345", "079203004567", "012345", "15021999", "Phố", "Lê Lợi", "NOT A CCCD"} {
		if strings.Contains(text, secret) {
			t.Fatalf("log leaks %q:\n%s", secret, text)
		}
	}
}

// Errors of the parser never repeat the scanned text.
func TestErrorsCarryNoPersonalData(t *testing.T) {
	inputs := []string{
		strings.Replace(qr2021, "001099012345", "00109901234X", 1),
		strings.Replace(qr2021, "15021999", "31139999", 1),
		"Nguyễn Văn A|001099012345",
		strings.Replace(qr2021, "Nguyễn Văn A", "", 1),
	}
	for _, in := range inputs {
		_, err := parse(in, "r", zeroTime)
		if err == nil {
			t.Fatalf("parse accepted a bad code")
		}
		for _, secret := range []string{"Nguyễn", "001099012345", "00109901234X", "31139999", "15021999", "Phố"} {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error %q leaks %q", err, secret)
			}
		}
	}
}

func TestNewNeedsPort(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without a port succeeded")
	}
	s, err := New(Config{Path: "/dev/ttyACM9"})
	if err != nil || s.Name() != "qr:/dev/ttyACM9" {
		t.Fatalf("New: %v, name %q", err, s.Name())
	}
}
