package pn532emu

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// SocatPair is a pseudo-terminal pair made by socat: bytes written to one
// end come out of the other, like a null-modem cable. A and B are stable
// symlinks in Dir to the /dev/pts nodes, so a pair restarted in the same
// directory (a replug) keeps its names.
type SocatPair struct {
	Dir        string
	A, B       string // symlinks: Dir/ttyA, Dir/ttyB
	PtsA, PtsB string // the /dev/pts nodes, parsed from socat's stderr
	cmd        *exec.Cmd
	done       chan struct{}
}

var ptyLine = regexp.MustCompile(`PTY is (/dev/pts/\d+)`)

// socatSpecial are characters socat's address parser gives a meaning to.
const socatSpecial = ",:!;\"'\\{}[]()%"

// StartSocat runs `socat -d -d pty,raw,echo=0,link=Dir/ttyA
// pty,raw,echo=0,link=Dir/ttyB` and waits until both ends exist and socat
// is forwarding. socatPath is the socat binary ("" looks it up in PATH).
func StartSocat(ctx context.Context, socatPath, dir string) (*SocatPair, error) {
	if socatPath == "" {
		p, err := exec.LookPath("socat")
		if err != nil {
			return nil, fmt.Errorf("pn532emu: socat not installed: %w", err)
		}
		socatPath = p
	}
	if strings.ContainsAny(dir, socatSpecial) {
		return nil, fmt.Errorf("pn532emu: directory %q holds a character socat parses (%s); use another", dir, socatSpecial)
	}
	s := &SocatPair{Dir: dir, A: filepath.Join(dir, "ttyA"), B: filepath.Join(dir, "ttyB"), done: make(chan struct{})}
	// Stale links from a killed socat would point at recycled pts numbers.
	_ = os.Remove(s.A)
	_ = os.Remove(s.B)
	s.cmd = exec.Command(socatPath, "-d", "-d",
		"pty,raw,echo=0,link="+s.A, "pty,raw,echo=0,link="+s.B)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pn532emu: starting socat: %w", err)
	}
	ready := make(chan error, 1)
	go s.watch(stderr, ready)
	select {
	case err := <-ready:
		if err != nil {
			s.Stop()
			return nil, err
		}
		return s, nil
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	case <-time.After(10 * time.Second):
		s.Stop()
		return nil, errors.New("pn532emu: socat did not report its PTYs within 10 s")
	}
}

// watch parses socat's stderr for the two PTY names and the start of the
// transfer loop, then drains it until socat exits.
func (s *SocatPair) watch(stderr interface{ Read([]byte) (int, error) }, ready chan<- error) {
	defer close(s.done)
	sc := bufio.NewScanner(stderr)
	var pts []string
	var last string
	sent := false
	for sc.Scan() {
		line := sc.Text()
		last = line
		if m := ptyLine.FindStringSubmatch(line); m != nil {
			pts = append(pts, m[1])
		}
		if !sent && len(pts) == 2 && strings.Contains(line, "starting data transfer loop") {
			s.PtsA, s.PtsB = pts[0], pts[1]
			ready <- nil
			sent = true
		}
	}
	_ = s.cmd.Wait()
	if !sent {
		ready <- fmt.Errorf("pn532emu: socat exited before its PTYs were ready (found %d; last message %q)", len(pts), last)
	}
}

// Stop kills socat (SIGTERM, which makes it remove its links) and waits for
// it to exit: to both ends this is an unplugged cable.
func (s *SocatPair) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	_ = os.Remove(s.A)
	_ = os.Remove(s.B)
}
