package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// progress is a bar on stderr for work that takes seconds (a roster
// import, a dump). When stderr is not a terminal, or the command prints
// --json, it is a no-op: the output stays byte-identical.
type progress struct {
	bar *progressbar.ProgressBar // nil: no-op
}

// progressOn tells whether cmd may draw a bar: its stderr is a terminal and
// it was not asked for JSON.
func progressOn(cmd *cobra.Command) bool {
	if f := cmd.Flags().Lookup("json"); f != nil && f.Value.String() == "true" {
		return false
	}
	f, ok := cmd.ErrOrStderr().(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgress starts a bar of total bytes (-1: unknown) labelled label.
func newProgress(cmd *cobra.Command, total int64, label string) *progress {
	if !progressOn(cmd) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(cmd.ErrOrStderr()),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowBytes(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100e6),
	)}
}

// newSteps starts a bar of percent done whose label follows the step
// (a card read: `cccd dump`).
func newSteps(cmd *cobra.Command, label string) *progress {
	if !progressOn(cmd) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(100,
		progressbar.OptionSetWriter(cmd.ErrOrStderr()),
		progressbar.OptionSetDescription(label),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100e6),
	)}
}

// step shows the step being done and the percent reached; nil when the bar
// is a no-op, so that callers can hand it on as an optional callback.
func (p *progress) step() func(string, int) {
	if p.bar == nil {
		return nil
	}
	return func(step string, pct int) {
		p.bar.Describe(step)
		_ = p.bar.Set(pct)
	}
}

// reader counts what is read from r on the bar.
func (p *progress) reader(r io.Reader) io.Reader {
	if p.bar == nil {
		return r
	}
	pr := progressbar.NewReader(r, p.bar)
	return &pr
}

// done clears the bar.
func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}

// fileSize is f's size, -1 when unknown.
func fileSize(f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}
