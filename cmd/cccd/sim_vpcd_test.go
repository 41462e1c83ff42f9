package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// TestSimVPCD runs `cccd sim vpcd` with the demo card, toggles the card
// with stdin commands and stops it by cancelling, as SIGINT does.
func TestSimVPCD(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	waitSlot0(t, false)

	stdin, feed := io.Pipe()
	defer feed.Close()
	var out lockedOut
	root := newRootCmd()
	root.SetIn(stdin)
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"sim", "vpcd", "--addr", "127.0.0.1:35963"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sim vpcd: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("sim vpcd did not stop within 10 s of cancel")
		}
		waitSlot0(t, false)
	}()

	waitSlot0(t, true)
	r := pcsc.NewReader("Virtual PCD 00 00", pcsc.Options{})
	defer r.Close()
	card, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rsp, err := card.Transmit(ctx, []byte{0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01})
	card.Close()
	if err != nil || !bytes.Equal(rsp, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT eMRTD application on the demo card: % X, %v", rsp, err)
	}

	io.WriteString(feed, "remove\n")
	waitSlot0(t, false)
	io.WriteString(feed, "bogus\ninsert\n")
	waitSlot0(t, true)
	for _, want := range []string{"card inserted on vpcd 127.0.0.1:35963", "card removed", "commands are", "card inserted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSimVPCDBadProfile(t *testing.T) {
	out, code := runCLICombined(t, "sim", "vpcd", "--profile", t.TempDir()+"/missing.json")
	if code != exitUsage || !strings.Contains(out, "read profile") {
		t.Errorf("missing profile: exit %d\n%s", code, out)
	}
}

// lockedOut is a bytes.Buffer safe for the command's goroutine and the test.
type lockedOut struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedOut) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedOut) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
