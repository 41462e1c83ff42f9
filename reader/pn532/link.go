package pn532

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cccd-agent/cccd/reader"
)

// link runs the host side of the frame protocol on one open port: send a
// command, wait for the ACK, wait for the response, with NACK and retransmit
// on damaged frames and an abort on timeout. Not safe for concurrent use.
type link struct {
	port    Port
	path    string
	dec     Decoder
	timeout time.Duration // longest wait for one frame from the PN532
	retries int           // retransmits / NACKs per exchange
	log     *slog.Logger
	rbuf    []byte
}

// pollInterval bounds each blocking Read so that ctx cancellation is seen.
const pollInterval = 25 * time.Millisecond

// write sends all of p.
func (l *link) write(p []byte) error {
	for len(p) > 0 {
		n, err := l.port.Write(p)
		if err != nil {
			return portError(l.path, "write", err)
		}
		if n == 0 {
			return portError(l.path, "write", errors.New("no progress"))
		}
		p = p[n:]
	}
	return nil
}

// errNoFrame is returned by readFrame when the deadline passes.
var errNoFrame = errors.New("pn532: no frame before the deadline")

// readFrame returns the next frame or decoding error, reading the port until
// deadline. Decoding errors (ErrChecksum, ErrFrame) are returned as they
// occur so the caller can NACK.
func (l *link) readFrame(ctx context.Context, deadline time.Time) (Frame, error) {
	if l.rbuf == nil {
		l.rbuf = make([]byte, 512)
	}
	for {
		f, err := l.dec.Next()
		if !errors.Is(err, ErrIncomplete) {
			return f, err
		}
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return Frame{}, errNoFrame
		}
		if err := l.port.SetReadTimeout(min(wait, pollInterval)); err != nil {
			return Frame{}, portError(l.path, "set timeout", err)
		}
		n, err := l.port.Read(l.rbuf)
		if err != nil {
			return Frame{}, portError(l.path, "read", err)
		}
		l.dec.Feed(l.rbuf[:n])
	}
}

// flush drops stale input, in the kernel and in the decoder (libnfc flushes
// before every send).
func (l *link) flush() error {
	l.dec.Reset()
	if err := l.port.ResetInputBuffer(); err != nil {
		return portError(l.path, "flush", err)
	}
	return nil
}

// abort sends an ACK, which makes the PN532 drop the command in progress, so
// that the next command starts clean.
func (l *link) abort() {
	if err := l.write(ackFrame); err != nil {
		l.log.Debug("pn532: abort failed", "port", l.path, "err", err)
	}
}

// exchange sends command cmd with params and returns the response data after
// the response code (cmd+1).
func (l *link) exchange(ctx context.Context, cmd byte, params []byte) ([]byte, error) {
	frame, err := EncodeFrame(TFIHost, append([]byte{cmd}, params...))
	if err != nil {
		return nil, err
	}
	if err := l.flush(); err != nil {
		return nil, err
	}
	if err := l.sendAwaitAck(ctx, cmd, frame); err != nil {
		return nil, err
	}
	return l.awaitResponse(ctx, cmd)
}

// sendAwaitAck writes frame and waits for the ACK, retransmitting on a NACK
// or a damaged frame.
func (l *link) sendAwaitAck(ctx context.Context, cmd byte, frame []byte) error {
	for attempt := 0; ; attempt++ {
		if err := l.write(frame); err != nil {
			return err
		}
		retry, err := l.awaitAck(ctx, cmd)
		if err == nil {
			return nil
		}
		if !retry || attempt >= l.retries {
			return err
		}
		l.log.Debug("pn532: retransmitting command", "port", l.path, "cmd", cmd, "reason", err)
	}
}

// awaitAck waits for the ACK of cmd. retry reports whether retransmitting
// the command may help.
func (l *link) awaitAck(ctx context.Context, cmd byte) (retry bool, err error) {
	deadline := time.Now().Add(l.timeout)
	for {
		f, err := l.readFrame(ctx, deadline)
		switch {
		case errors.Is(err, errNoFrame):
			l.abort()
			return false, fmt.Errorf("%w: PN532 on %s did not acknowledge command 0x%02X within %v; check the cable, power and baud rate", reader.ErrTimeout, l.path, cmd, l.timeout)
		case errors.Is(err, ErrChecksum), errors.Is(err, ErrFrame):
			return true, fmt.Errorf("acknowledgement of command 0x%02X damaged: %w", cmd, err)
		case err != nil:
			l.abort()
			return false, err
		}
		switch f.Kind {
		case KindAck:
			return false, nil
		case KindNack:
			return true, fmt.Errorf("%w: PN532 answered NACK to command 0x%02X", ErrFrame, cmd)
		case KindError:
			return false, fmt.Errorf("%w: command 0x%02X", ErrSyntax, cmd)
		}
		// An information frame before the ACK is a stale answer to an
		// aborted command: skip it.
		l.log.Debug("pn532: skipping stale frame", "port", l.path, "len", len(f.Data))
	}
}

// awaitResponse waits for the response to cmd, NACKing damaged frames.
func (l *link) awaitResponse(ctx context.Context, cmd byte) ([]byte, error) {
	deadline := time.Now().Add(l.timeout)
	nacks := 0
	for {
		f, err := l.readFrame(ctx, deadline)
		switch {
		case errors.Is(err, errNoFrame):
			l.abort()
			return nil, fmt.Errorf("%w: PN532 on %s acknowledged command 0x%02X but sent no response within %v", reader.ErrTimeout, l.path, cmd, l.timeout)
		case errors.Is(err, ErrChecksum), errors.Is(err, ErrFrame):
			if nacks >= l.retries {
				l.abort()
				return nil, fmt.Errorf("response to command 0x%02X still damaged after %d NACKs: %w; check the cable and baud rate", cmd, nacks, err)
			}
			nacks++
			if err := l.write(nackFrame); err != nil {
				return nil, err
			}
			continue
		case err != nil:
			if !errors.Is(err, errPortDead) {
				l.abort()
			}
			return nil, err
		}
		switch f.Kind {
		case KindError:
			return nil, fmt.Errorf("%w: command 0x%02X", ErrSyntax, cmd)
		case KindAck, KindNack:
			continue // a duplicate ACK; the response follows
		}
		if f.TFI != TFIPN532 || len(f.Data) == 0 || f.Data[0] != cmd+1 {
			l.log.Debug("pn532: skipping unrelated frame", "port", l.path, "tfi", f.TFI, "len", len(f.Data))
			continue
		}
		return f.Data[1:], nil
	}
}
