package ble

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cccd-agent/cccd/reader"
)

// session is one authenticated connection: it frames, encrypts and splits
// outgoing messages, and reassembles, decrypts and dispatches incoming ones
// (responses to the waiting request, card notifications to onPresence).
type session struct {
	link    GATTLink
	name    string
	timeout time.Duration
	log     *slog.Logger

	mu   sync.Mutex
	sk   []byte // nil until authenticated
	seq  byte
	resp chan Message
	done chan struct{} // closed when the link drops
	dead atomic.Bool   // a write failed: the link is unusable

	onPresence func(present bool)
}

func newSession(link GATTLink, name string, timeout time.Duration, log *slog.Logger, onPresence func(bool)) *session {
	s := &session{link: link, name: name, timeout: timeout, log: log, onPresence: onPresence,
		resp: make(chan Message, 8), done: make(chan struct{})}
	go s.receive()
	return s
}

// receive runs until the notification channel closes.
func (s *session) receive() {
	defer close(s.done)
	var asm Assembler
	var last time.Time
	for chunk := range s.link.Notifications() {
		// GATT delivers in order, so a partial frame only goes stale when
		// the reader stopped mid-frame: drop it rather than wait forever.
		if asm.Buffered() > 0 && time.Since(last) > s.timeout {
			asm.Reset()
		}
		last = time.Now()
		asm.Feed(chunk)
		for {
			p, err := asm.Next()
			if errors.Is(err, ErrIncomplete) {
				break
			}
			if err != nil {
				s.log.Debug("ble: dropping damaged frame", "reader", s.name, "err", err)
				continue
			}
			m, err := s.open(p)
			if err != nil {
				s.log.Debug("ble: dropping undecodable message", "reader", s.name, "err", err)
				continue
			}
			s.dispatch(m)
		}
	}
}

// open decodes a frame payload: encrypted once a session key exists, except
// that short plaintext notifications (not a whole number of blocks) pass.
func (s *session) open(p []byte) (Message, error) {
	s.mu.Lock()
	sk := s.sk
	s.mu.Unlock()
	if sk != nil && len(p) > 0 && len(p)%16 == 0 {
		return openMessage(sk, p)
	}
	return DecodeMessage(p)
}

func (s *session) dispatch(m Message) {
	switch m.Type {
	case MsgCardNotify:
		if s.onPresence != nil {
			s.onPresence(cardPresent(m.Param))
		}
		return
	case MsgHWError:
		s.log.Warn("ble: reader reported a hardware error", "reader", s.name, "code", m.Param)
	}
	select {
	case s.resp <- m:
	default:
		s.log.Debug("ble: dropping unsolicited message", "reader", s.name, "type", m.Type)
	}
}

// cardPresent reads the Param of a 50 notification. The ACR1255U-J1 manual
// V1.01 says 02 = present, 03 = absent; CCID NotifySlotChange and the
// ACR3901T-W1 manual say the opposite. Unverified on hardware: follow the
// ACR1255U-J1 manual.
func cardPresent(param byte) bool { return param == 0x02 }

// send frames m (encrypted when authenticated) and writes it in chunks.
func (s *session) send(ctx context.Context, m Message) error {
	s.mu.Lock()
	sk := s.sk
	s.mu.Unlock()
	var payload []byte
	var err error
	if sk != nil {
		payload, err = sealMessage(sk, m)
		if err != nil {
			return err
		}
	} else {
		payload = m.Encode()
	}
	frame, err := EncodeFrame(payload)
	if err != nil {
		return err
	}
	for _, c := range Split(frame, s.link.ChunkSize()) {
		if err := s.link.Write(ctx, c); err != nil {
			s.dead.Store(true)
			return fmt.Errorf("%w: ble: writing to %s failed (%v); is the reader on and in range?", reader.ErrNoReader, s.name, err)
		}
	}
	return nil
}

// request sends m and waits for the reply of type want, skipping stale
// replies of other types.
func (s *session) request(ctx context.Context, m Message, want byte) (Message, error) {
	s.drain()
	if err := s.send(ctx, m); err != nil {
		return Message{}, err
	}
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	for {
		select {
		case r := <-s.resp:
			if r.Type == want {
				return r, nil
			}
			if r.Type == MsgHWError {
				return Message{}, fmt.Errorf("ble: reader %s reported hardware error 0x%02X; power-cycle it", s.name, r.Param)
			}
		case <-s.done:
			return Message{}, fmt.Errorf("%w: ble: connection to %s dropped; bring the reader back in range and retry", reader.ErrNoReader, s.name)
		case <-t.C:
			return Message{}, fmt.Errorf("%w: ble: reader %s did not answer message 0x%02X within %v", reader.ErrTimeout, s.name, m.Type, s.timeout)
		case <-ctx.Done():
			return Message{}, fmt.Errorf("ble: waiting for %s: %w", s.name, ctx.Err())
		}
	}
}

// drain drops replies left over from a timed-out request.
func (s *session) drain() {
	for {
		select {
		case <-s.resp:
		default:
			return
		}
	}
}

// nextSeq numbers session messages.
func (s *session) nextSeq() byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

// authenticate runs the mutual authentication and installs the session key.
func (s *session) authenticate(ctx context.Context, cmk []byte, rnd io.Reader) error {
	r1, err := s.request(ctx, AuthStart(), RspEscape)
	if err != nil {
		return err
	}
	rndB := make([]byte, 16)
	if _, err := io.ReadFull(rnd, rndB); err != nil {
		return fmt.Errorf("ble: generating RND_B: %w", err)
	}
	m3, rndA, err := AuthRespond(cmk, r1, rndB)
	if err != nil {
		return err
	}
	r2, err := s.request(ctx, m3, RspEscape)
	if errors.Is(err, reader.ErrTimeout) {
		// The reader stays silent when our proof is wrong.
		return fmt.Errorf("%w: no answer to our key proof, the master key is probably wrong (%w)", ErrAuth, err)
	}
	if err != nil {
		return err
	}
	sk, err := AuthFinish(cmk, r2, rndA, rndB)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.sk = sk
	s.mu.Unlock()
	return nil
}

// alive reports whether the link is still up.
func (s *session) alive() bool {
	if s.dead.Load() {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

var defaultRand io.Reader = rand.Reader
