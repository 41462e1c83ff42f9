package logging

import (
	"bytes"
	"sync"
)

// Recent keeps the last lines written to it, for `cccd doctor --bundle`
// (through the API): a technician gets the agent's recent log without
// access to the service's journal. It is an io.Writer for the logger, in
// memory only; lines carry what the logger wrote (already scrubbed).
type Recent struct {
	mu    sync.Mutex
	lines [][]byte
	next  int
	full  bool
	part  []byte // a line not yet ended by '\n'
}

// NewRecent keeps the last n lines.
func NewRecent(n int) *Recent { return &Recent{lines: make([][]byte, n)} }

// Write stores each complete line of p; it never fails.
func (r *Recent) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rest := p
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if len(r.part)+len(rest) <= 64<<10 { // a runaway line is not kept whole
				r.part = append(r.part, rest...)
			}
			return len(p), nil
		}
		line := append(r.part, rest[:i]...)
		r.part = nil
		r.lines[r.next] = line
		r.next = (r.next + 1) % len(r.lines)
		r.full = r.full || r.next == 0
		rest = rest[i+1:]
	}
}

// Lines returns the kept lines, oldest first, each ending in '\n'.
func (r *Recent) Lines() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []byte
	emit := func(ls [][]byte) {
		for _, l := range ls {
			if l != nil {
				out = append(append(out, l...), '\n')
			}
		}
	}
	if r.full {
		emit(r.lines[r.next:])
	}
	emit(r.lines[:r.next])
	return out
}
