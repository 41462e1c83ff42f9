package ble

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/reader"
)

func TestBackendEvents(t *testing.T) {
	g := newRig(t, nil, DefaultMasterKey)
	b := NewBackend(g.r)
	b.probeInterval, b.retryInterval = time.Hour, 50*time.Millisecond // notifications drive it
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events := make(chan reader.Event, 16)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Watch(wctx, events) }()

	expect := func(want reader.EventType) reader.Event {
		t.Helper()
		select {
		case ev := <-events:
			if ev.Type != want || ev.Reader != g.r.Name() {
				t.Fatalf("event %v (%v) on %q, want %v", ev.Type, ev.Err, ev.Reader, want)
			}
			return ev
		case <-time.After(10 * time.Second):
			t.Fatalf("no %v event", want)
		}
		return reader.Event{}
	}

	expect(reader.ReaderAdded)
	if ev := expect(reader.CardPresent); !bytes.Equal(ev.ATR, fakeATR) {
		t.Fatalf("ATR % X", ev.ATR)
	}
	g.fake.cardEvent(false)
	expect(reader.CardRemoved)
	g.fake.cardEvent(true)
	expect(reader.CardPresent)

	// The reader goes out of range: card and reader go; back in range,
	// both come back.
	g.swap(nil).drop()
	expect(reader.CardRemoved)
	expect(reader.ReaderRemoved)
	g.swap(newFakeACR(DefaultMasterKey))
	expect(reader.ReaderAdded)
	expect(reader.CardPresent)

	// A session pauses probing; the card leaving is seen once it closes.
	c, err := g.r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g.fake.mu.Lock()
	g.fake.card = false
	g.fake.mu.Unlock()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	g.fake.cardEvent(false)
	expect(reader.CardRemoved)

	stop()
	if err := <-done; err != nil {
		t.Fatalf("Watch: %v", err)
	}
}

func TestBackendWrongKey(t *testing.T) {
	g := newRig(t, []byte("0123456789abcdef"), DefaultMasterKey)
	b := NewBackend(g.r)
	b.retryInterval = 10 * time.Millisecond
	g.r.timeout = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events := make(chan reader.Event, 16)
	go b.Watch(ctx, events)
	select {
	case ev := <-events:
		if ev.Type != reader.Error || !errors.Is(ev.Err, ErrAuth) {
			t.Fatalf("event %v (%v), want an ErrAuth error", ev.Type, ev.Err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no error event")
	}
	// The same failure is reported once, not on every retry.
	select {
	case ev := <-events:
		t.Fatalf("repeated event %v (%v)", ev.Type, ev.Err)
	case <-time.After(500 * time.Millisecond):
	}
}
