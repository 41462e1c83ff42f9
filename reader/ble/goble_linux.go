//go:build linux

package ble

import (
	"context"
	"errors"
	"fmt"
	"sync"

	goble "github.com/go-ble/ble"
)

// GoBLEDialer returns a DialFunc that reaches readers through dev, a go-ble
// HCI device. go-ble's Linux device (github.com/go-ble/ble/linux.NewDevice)
// binds the adapter's raw HCI user channel: it needs CAP_NET_ADMIN and
// CAP_NET_RAW and takes the adapter away from bluetoothd.
func GoBLEDialer(dev goble.Device) DialFunc {
	return func(ctx context.Context, address string) (GATTLink, error) {
		if dev == nil {
			return nil, errors.New("ble: no Bluetooth adapter opened")
		}
		cln, err := dev.Dial(ctx, goble.NewAddr(address))
		if err != nil {
			return nil, fmt.Errorf("dialling %s: %w", address, err)
		}
		l, err := newGoBLELink(cln)
		if err != nil {
			_ = cln.CancelConnection()
			return nil, err
		}
		return l, nil
	}
}

// gobleLink adapts a go-ble client to GATTLink.
type gobleLink struct {
	cln   goble.Client
	cmd   *goble.Characteristic
	rsp   *goble.Characteristic
	chunk int

	mu     sync.Mutex
	notes  chan []byte
	closed bool
}

// noteBuffer holds notifications between go-ble's callback and the session;
// a full buffer means the session is stuck, and the link is dropped.
const noteBuffer = 256

func newGoBLELink(cln goble.Client) (*gobleLink, error) {
	p, err := cln.DiscoverProfile(true)
	if err != nil {
		return nil, fmt.Errorf("discovering GATT services: %w", err)
	}
	cmd := p.FindCharacteristic(goble.NewCharacteristic(goble.MustParse(CommandUUID)))
	rsp := p.FindCharacteristic(goble.NewCharacteristic(goble.MustParse(ResponseUUID)))
	if cmd == nil || rsp == nil {
		return nil, fmt.Errorf("no ACR1255U-J1 Smart Card service (%s) on the device", ServiceUUID)
	}
	l := &gobleLink{cln: cln, cmd: cmd, rsp: rsp, chunk: DefaultChunk, notes: make(chan []byte, noteBuffer)}
	if tx, err := cln.ExchangeMTU(goble.MaxMTU); err == nil && tx > 3 {
		l.chunk = tx - 3
	}
	if err := cln.Subscribe(rsp, false, l.onNotify); err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", ResponseUUID, err)
	}
	go func() {
		<-cln.Disconnected()
		l.shut()
	}()
	return l, nil
}

func (l *gobleLink) onNotify(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	select {
	case l.notes <- append([]byte(nil), b...):
	default:
		l.closed = true
		close(l.notes)
		go l.cln.CancelConnection()
	}
}

func (l *gobleLink) shut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.notes)
	}
}

// Write writes one chunk with a write request (with response).
func (l *gobleLink) Write(ctx context.Context, chunk []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.cln.WriteCharacteristic(l.cmd, chunk, false)
}

// Notifications delivers ResponseUUID notifications until disconnection.
func (l *gobleLink) Notifications() <-chan []byte { return l.notes }

// ChunkSize is the negotiated ATT MTU minus 3.
func (l *gobleLink) ChunkSize() int { return l.chunk }

// Close disconnects.
func (l *gobleLink) Close() error {
	err := l.cln.CancelConnection()
	l.shut()
	return err
}
