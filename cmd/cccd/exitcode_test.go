package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cccd-agent/cccd/internal/errtext"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
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
