package pn532

import (
	"context"
	"fmt"
	"time"
)

// wakeUp is the HSU wake-up: 0x55 0x55 then zeros, "send 0x55 and wait a
// long delay" (libnfc pn532_uart_wakeup).
var wakeUp = []byte{0x55, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

// wakeDelay lets the PN532 oscillator start after the wake-up bytes.
const wakeDelay = 5 * time.Millisecond

// wake sends the wake-up sequence and waits for the PN532 to come up.
func (l *link) wake(ctx context.Context) error {
	if err := l.write(wakeUp); err != nil {
		return err
	}
	t := time.NewTimer(wakeDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// firmware asks GetFirmwareVersion.
func (l *link) firmware(ctx context.Context) (Firmware, error) {
	b, err := l.exchange(ctx, CmdGetFirmwareVersion, nil)
	if err != nil {
		return Firmware{}, err
	}
	if len(b) != 4 {
		return Firmware{}, fmt.Errorf("%w: GetFirmwareVersion returned %d bytes, want 4", ErrFrame, len(b))
	}
	return Firmware{IC: b[0], Version: b[1], Revision: b[2], Support: b[3]}, nil
}

// samConfiguration leaves LowVbat: normal mode, virtual-card timeout 1 s
// (0x14 × 50 ms), IRQ pin used (pn532.js init sequence).
func (l *link) samConfiguration(ctx context.Context) error {
	_, err := l.exchange(ctx, CmdSAMConfiguration, []byte{0x01, 0x14, 0x01})
	return err
}

// Flags of SetParameters.
const (
	paramAutoATRRes byte = 0x04
	paramAutoRATS   byte = 0x10 // InListPassiveTarget activates ISO 14443-4
)

// setParameters sets the PN532's protocol flags.
func (l *link) setParameters(ctx context.Context, flags byte) error {
	_, err := l.exchange(ctx, CmdSetParameters, []byte{flags})
	return err
}

// RFConfiguration items.
const (
	rfItemTimings    byte = 0x02
	rfItemMaxRetries byte = 0x05
)

// rfConfiguration sets one configuration item.
func (l *link) rfConfiguration(ctx context.Context, item byte, data ...byte) error {
	_, err := l.exchange(ctx, CmdRFConfiguration, append([]byte{item}, data...))
	return err
}

// inListPassiveTarget activates one 106 kbps type A card; nil when none.
func (l *link) inListPassiveTarget(ctx context.Context) (*Target, error) {
	b, err := l.exchange(ctx, CmdInListPassiveTarget, []byte{0x01, 0x00})
	if err != nil {
		return nil, err
	}
	return ParseTargetA(b)
}

// inRelease releases target tg (0 = all).
func (l *link) inRelease(ctx context.Context, tg byte) error {
	b, err := l.exchange(ctx, CmdInRelease, []byte{tg})
	if err != nil {
		return err
	}
	if len(b) < 1 {
		return fmt.Errorf("%w: InRelease returned no status", ErrFrame)
	}
	return checkStatus(b[0])
}

// inDataExchange sends apdu to target tg and returns the card's answer.
// Commands longer than chunk bytes go out in pieces with MI set on the Tg
// byte; responses flagged MI are fetched with bare "D4 40 Tg" frames and
// concatenated (libnfc pn53x_transceive).
func (l *link) inDataExchange(ctx context.Context, tg byte, apdu []byte, chunk int) ([]byte, error) {
	var status byte
	var resp []byte
	for first := true; first || len(apdu) > 0; first = false {
		n := min(len(apdu), chunk)
		tgb := tg
		if n < len(apdu) {
			tgb |= FlagMI
		}
		b, err := l.exchange(ctx, CmdInDataExchange, append([]byte{tgb}, apdu[:n]...))
		if err != nil {
			return nil, err
		}
		apdu = apdu[n:]
		if len(b) < 1 {
			return nil, fmt.Errorf("%w: InDataExchange returned no status", ErrFrame)
		}
		if err := checkStatus(b[0]); err != nil {
			return nil, err
		}
		status, resp = b[0], b[1:]
	}
	out := append([]byte(nil), resp...)
	for status&FlagMI != 0 {
		b, err := l.exchange(ctx, CmdInDataExchange, []byte{tg})
		if err != nil {
			return nil, err
		}
		if len(b) < 1 {
			return nil, fmt.Errorf("%w: InDataExchange returned no status", ErrFrame)
		}
		if err := checkStatus(b[0]); err != nil {
			return nil, err
		}
		status = b[0]
		out = append(out, b[1:]...)
		if len(out) > maxResponse {
			return nil, fmt.Errorf("%w: response chain longer than %d bytes", ErrFrame, maxResponse)
		}
	}
	return out, nil
}

// maxResponse bounds a chained response: an extended-length R-APDU.
const maxResponse = 65536 + 2
