package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/reader"
)

func TestSlotEventsAndRemoval(t *testing.T) {
	p, err := DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	chip, err := NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSlot("demo", chip, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.Connect(ctx); !errors.Is(err, reader.ErrNoCard) {
		t.Fatalf("empty slot Connect: %v", err)
	}
	events := make(chan reader.Event)
	go s.Watch(ctx, events)
	expect := func(typ reader.EventType) {
		t.Helper()
		select {
		case ev := <-events:
			if ev.Type != typ || ev.Reader != "sim:demo" {
				t.Fatalf("event %v %q, want %v", ev.Type, ev.Reader, typ)
			}
		case <-ctx.Done():
			t.Fatalf("no %v event", typ)
		}
	}
	expect(reader.ReaderAdded)
	s.Insert()
	expect(reader.CardPresent)
	card, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := card.Transmit(ctx, []byte{0x00, 0x84, 0x00, 0x00, 0x08}); err != nil {
		t.Fatal(err)
	}
	s.Remove()
	expect(reader.CardRemoved)
	if _, err := card.Transmit(ctx, []byte{0x00, 0x84, 0x00, 0x00, 0x08}); !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("Transmit after removal: %v", err)
	}
	s.Insert()
	expect(reader.CardPresent)
	if c, err := s.Connect(ctx); err != nil {
		t.Fatalf("Connect after re-insert: %v", err)
	} else {
		c.Close()
	}
}
