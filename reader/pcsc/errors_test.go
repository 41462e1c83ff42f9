package pcsc

import (
	"errors"
	"strings"
	"testing"

	"github.com/ebfe/scard"

	"github.com/cccd-agent/cccd/reader"
)

// TestErrorMatrix checks the PC/SC error codes mapped onto the reader sentinels,
// with a one-line message that says what to do.
func TestErrorMatrix(t *testing.T) {
	tests := []struct {
		code scard.Error
		kind error
		dead bool
		hint string
	}{
		{scard.ErrNoService, reader.ErrNoService, true, "pcscd"},
		{scard.ErrServiceStopped, reader.ErrNoService, true, "pcscd"},
		{scard.ErrCommError, reader.ErrNoService, true, "pcscd"},
		{scard.ErrInvalidHandle, nil, true, ""},
		{scard.ErrSecurityViolation, reader.ErrNoService, true, "refused this program"},
		{scard.ErrNoReadersAvailable, reader.ErrNoReader, false, "connect a reader"},
		{scard.ErrReaderUnavailable, reader.ErrNoReader, false, "connect a reader"},
		{scard.ErrUnknownReader, reader.ErrNoReader, false, "connect a reader"},
		{scard.ErrNoSmartcard, reader.ErrNoCard, false, "place the card"},
		{scard.ErrRemovedCard, reader.ErrCardRemoved, false, "read again"},
		{scard.ErrResetCard, reader.ErrCardRemoved, false, "read again"},
		{scard.ErrSharingViolation, reader.ErrReaderBusy, false, "another program"},
		{scard.ErrUnresponsiveCard, reader.ErrTimeout, false, "lift it"},
		{scard.ErrUnpoweredCard, reader.ErrTimeout, false, "lift it"},
		{scard.ErrNotTransacted, reader.ErrTimeout, false, "replug"},
		{scard.ErrUnsupportedCard, reader.ErrUnsupported, false, "not an ID card"},
		{scard.ErrInternalError, nil, false, ""},
	}
	for _, tc := range tests {
		err := wrap("connect", "ACS ACR1252 1S CL Reader 00 00", tc.code)
		if tc.kind != nil && !errors.Is(err, tc.kind) {
			t.Errorf("%#x: %v does not match %v", uint32(tc.code), err, tc.kind)
		}
		if !errors.Is(err, tc.code) {
			t.Errorf("%#x: %v does not match its scard code", uint32(tc.code), err)
		}
		if contextDead(err) != tc.dead {
			t.Errorf("%#x: contextDead = %v, want %v", uint32(tc.code), !tc.dead, tc.dead)
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.hint) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "pcsc: connect on ") {
			t.Errorf("%#x: message %q", uint32(tc.code), msg)
		}
	}
	if wrap("x", "", nil) != nil {
		t.Error("wrap(nil) != nil")
	}
	plain := errors.New("other")
	if wrap("x", "", plain) != plain {
		t.Error("a non-scard error was rewrapped")
	}
}

// TestClientBackoff: a failed establish is not retried before the back-off
// ends, and a success resets it.
func TestClientBackoff(t *testing.T) {
	calls := 0
	fail := true
	c := &client{establish: func() (*scard.Context, error) {
		calls++
		if fail {
			return nil, scard.ErrNoService
		}
		return &scard.Context{}, nil
	}}
	for i := 0; i < 3; i++ {
		if _, err := c.get(); !errors.Is(err, reader.ErrNoService) {
			t.Fatalf("get %d: %v", i, err)
		}
	}
	if calls != 1 {
		t.Fatalf("establish called %d times within the back-off, want 1", calls)
	}
	fail = false
	c.retryAt = c.retryAt.Add(-establishBackoffMax)
	if _, err := c.get(); err != nil || calls != 2 {
		t.Fatalf("after back-off: %v, calls %d", err, calls)
	}
	if c.backoff != 0 || c.lastErr != nil {
		t.Errorf("success did not reset the back-off")
	}
}
