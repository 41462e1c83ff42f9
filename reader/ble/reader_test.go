package ble

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/reader"
)

type rig struct {
	fake  *fakeACR // the reader in range; replace with swap
	dials atomic.Int32
	r     *Reader

	mu      sync.Mutex
	offline bool // dialling fails
}

// swap puts another reader in range (nil: none) and returns the old one.
func (g *rig) swap(f *fakeACR) *fakeACR {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.fake
	g.fake, g.offline = f, f == nil
	return old
}

func newRig(t *testing.T, readerKey, fakeKey []byte) *rig {
	t.Helper()
	g := &rig{fake: newFakeACR(fakeKey)}
	r, err := New(Config{Enabled: true, Address: "F0:F1:F2:F3:F4:F5", MasterKey: readerKey},
		func(ctx context.Context, addr string) (GATTLink, error) {
			g.dials.Add(1)
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.offline {
				return nil, errors.New("no device with that address")
			}
			return g.fake, nil
		}, WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	g.r = r
	t.Cleanup(func() { r.Close() })
	return g
}

func TestReaderExchange(t *testing.T) {
	g := newRig(t, nil, DefaultMasterKey)
	ctx := context.Background()
	if g.r.Name() != "ble:F0:F1:F2:F3:F4:F5" {
		t.Fatalf("Name = %q", g.r.Name())
	}
	c, err := g.r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{4, 16, 17, 250, 600} {
		apdu := bytes.Repeat([]byte{0x5A}, n)
		resp, err := c.Transmit(ctx, apdu)
		if err != nil {
			t.Fatalf("%d-byte APDU: %v", n, err)
		}
		if !bytes.Equal(resp, append(apdu, 0x90, 0x00)) {
			t.Fatalf("%d-byte APDU: response of %d bytes", n, len(resp))
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Transmit(ctx, []byte{0, 0xA4, 4, 0}); !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("Transmit after Close: %v", err)
	}
}

func TestReaderFaults(t *testing.T) {
	ctx := context.Background()

	t.Run("wrong master key", func(t *testing.T) {
		g := newRig(t, []byte("0123456789abcdef"), DefaultMasterKey)
		_, err := g.r.Connect(ctx)
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "master key") {
			t.Fatalf("Connect: %v, want a timed-out authentication", err)
		}
	})

	t.Run("card leaves, no card, card back", func(t *testing.T) {
		g := newRig(t, nil, DefaultMasterKey)
		c, err := g.r.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		g.fake.cardEvent(false)
		if p := <-g.r.Presence(); p {
			t.Fatal("presence event says present")
		}
		if _, err := c.Transmit(ctx, []byte{0, 0xB0, 0, 0, 4}); !errors.Is(err, reader.ErrCardRemoved) {
			t.Fatalf("Transmit after removal: %v", err)
		}
		if _, err := g.r.Connect(ctx); !errors.Is(err, reader.ErrNoCard) {
			t.Fatalf("Connect without card: %v", err)
		}
		g.fake.cardEvent(true)
		if p := <-g.r.Presence(); !p {
			t.Fatal("presence event says absent")
		}
		c, err = g.r.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Transmit(ctx, []byte{0, 0xB0, 0, 0, 4}); err != nil {
			t.Fatal(err)
		}
		if n := g.dials.Load(); n != 1 {
			t.Fatalf("dialled %d times, want 1", n)
		}
	})

	t.Run("reader silent", func(t *testing.T) {
		g := newRig(t, nil, DefaultMasterKey)
		c, err := g.r.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		g.fake.mu.Lock()
		g.fake.silent = true
		g.fake.mu.Unlock()
		if _, err := c.Transmit(ctx, []byte{0, 0xB0, 0, 0, 4}); !errors.Is(err, reader.ErrTimeout) {
			t.Fatalf("Transmit to a silent reader: %v", err)
		}
		g.fake.mu.Lock()
		g.fake.silent = false
		g.fake.mu.Unlock()
		if _, err := c.Transmit(ctx, []byte{0, 0xB0, 0, 0, 4}); err != nil {
			t.Fatalf("Transmit after the reader recovered: %v", err)
		}
	})

	t.Run("link drops and comes back", func(t *testing.T) {
		g := newRig(t, nil, DefaultMasterKey)
		c, err := g.r.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		g.fake.drop()
		_, err = c.Transmit(ctx, []byte{0, 0xB0, 0, 0, 4})
		if !errors.Is(err, reader.ErrNoReader) {
			t.Fatalf("Transmit after drop: %v", err)
		}
		g.swap(newFakeACR(DefaultMasterKey))
		c, err = g.r.Connect(ctx)
		if err != nil {
			t.Fatalf("Connect after drop: %v", err)
		}
		if _, err := c.Transmit(ctx, []byte{0, 0xB0, 0, 0, 4}); err != nil {
			t.Fatal(err)
		}
		if n := g.dials.Load(); n != 2 {
			t.Fatalf("dialled %d times, want 2", n)
		}
	})
}

func TestConfig(t *testing.T) {
	dial := func(ctx context.Context, addr string) (GATTLink, error) { return nil, errors.New("unused") }
	tests := []struct {
		name string
		cfg  Config
		err  error
		text string
	}{
		{"disabled", Config{Address: "x"}, ErrDisabled, ""},
		{"no address", Config{Enabled: true}, nil, "no reader address"},
		{"short key", Config{Enabled: true, Address: "x", MasterKey: []byte("short")}, nil, "16 bytes"},
	}
	for _, tc := range tests {
		_, err := New(tc.cfg, dial)
		if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	r, err := New(Config{Enabled: true, Address: "x"}, func(ctx context.Context, addr string) (GATTLink, error) {
		return nil, errors.New("no adapter")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Connect(context.Background()); !errors.Is(err, reader.ErrNoReader) {
		t.Fatalf("Connect with a failing radio: %v", err)
	}
	if _, err := os.Stat("/sys/class/bluetooth/hci0"); err == nil {
		return // a real adapter: opening it would take it away from bluetoothd
	}
	if _, _, err := OpenHCI(0); !errors.Is(err, ErrNoRadio) {
		t.Fatalf("OpenHCI without an adapter: %v", err)
	}
}
