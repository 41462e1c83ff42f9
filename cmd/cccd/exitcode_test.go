package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/errtext"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/reader"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("boom"), exitFailure},
		{usagef("bad flag"), exitUsage},
		{fmt.Errorf("connect: %w", reader.ErrNoCard), exitNoCard},
		{withCode(exitRoster, errors.New("feed")), exitRoster},
		{cardError(fmt.Errorf("open the chip: %w", access.ErrNoKey)), exitUsage},
		{cardError(fmt.Errorf("open the chip: %w", icao.ErrAccessDenied)), exitAccessDenied},
	}
	for _, tc := range tests {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if got := errtext.OneLine(errors.New("first\nsecond")); got != "first" {
		t.Errorf("errtext.OneLine = %q", got)
	}
}

// TestCardErrorWording: a 6300 at PACE's last step is worded as a refused
// key or the chip's failed mapping (exit 3 still); a chip cccd cannot open
// with the key given says what it offers (usage).
func TestCardErrorWording(t *testing.T) {
	step4 := fmt.Errorf("%w: the chip refused the CAN or failed the mapping: %w", pace.ErrRefusedKeyOrMapping, &icao.StatusError{SW: 0x6300})
	noKey := fmt.Errorf("open: %w", &access.NoKeyError{Chip: "the chip offers PACE ECDH-IM-3DES-CBC-CBC with parameter ID 13, which cccd does not implement (it lacks integrated mapping with 3DES), and BAC", Advice: "give the MRZ"})
	tests := []struct {
		err  error
		code int
		want string
	}{
		{step4, exitAccessDenied, "the chip refused the key or failed the PACE mapping"},
		{&icao.StatusError{SW: 0x6300}, exitAccessDenied, "the chip refused the key: re-enter"},
		{noKey, exitUsage, "this chip cannot be opened with the key given (the chip offers PACE ECDH-IM-3DES-CBC-CBC with parameter ID 13, which cccd does not implement (it lacks integrated mapping with 3DES), and BAC): give --id"},
	}
	for _, tc := range tests {
		err := cardError(tc.err)
		if exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("cardError(%v) = exit %d %q, want exit %d %q", tc.err, exitCode(err), err, tc.code, tc.want)
		}
	}
}
