package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/ble"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/pn532"
	"github.com/cccd-agent/cccd/reader/qr"
	"github.com/cccd-agent/cccd/reader/sim"
)

// readerBackends builds the enabled reader backends and the router that
// turns a reader name from their events into a reader.
func readerBackends(cfg config.Config, slots []*sim.Slot, log *slog.Logger) ([]reader.Backend, *reader.Router, error) {
	var backends []reader.Backend
	var fixed []reader.Reader
	for _, s := range slots {
		backends = append(backends, s)
		fixed = append(fixed, s)
	}
	if cfg.Readers.Sim && len(slots) == 0 {
		p, err := sim.DemoProfile()
		if err != nil {
			return nil, nil, err
		}
		chip, err := sim.NewCard(p)
		if err != nil {
			return nil, nil, err
		}
		s := sim.NewSlot("demo", chip, 0)
		backends = append(backends, s)
		fixed = append(fixed, s)
	}
	for _, path := range cfg.Readers.PN532 {
		paths := []string{path}
		if path == "auto" {
			found, err := pn532.Discover(context.Background(), pn532.Config{}, nil)
			if err != nil {
				return nil, nil, fmt.Errorf("readers.pn532 auto: %w", err)
			}
			paths = found
		}
		for _, p := range paths {
			r, err := pn532.New(pn532.Config{Path: p, Logger: log})
			if err != nil {
				return nil, nil, fmt.Errorf("readers.pn532 %s: %w", p, err)
			}
			backends = append(backends, pn532.NewBackend(r, 0))
			fixed = append(fixed, r)
		}
	}
	if cfg.Readers.BLE.Enabled {
		dial, _, err := ble.OpenHCI(0)
		if err != nil {
			return nil, nil, fmt.Errorf("readers.ble: %w", err)
		}
		bcfg := ble.Config{Enabled: true, Address: cfg.Readers.BLE.Address}
		if cfg.Readers.BLE.MasterKey != "" {
			if bcfg.MasterKey, err = hex.DecodeString(cfg.Readers.BLE.MasterKey); err != nil || len(bcfg.MasterKey) != 16 {
				return nil, nil, errors.New("readers.ble.master_key must be 32 hex digits (16 bytes)")
			}
		}
		r, err := ble.New(bcfg, dial)
		if err != nil {
			return nil, nil, fmt.Errorf("readers.ble: %w", err)
		}
		backends = append(backends, ble.NewBackend(r))
		fixed = append(fixed, r)
	}
	if cfg.Readers.PCSC {
		backends = append(backends, pcsc.NewBackend())
	}
	return backends, readerRouter(fixed, routeOptions{pcsc: cfg.Readers.PCSC}), nil
}

// runScanners starts each configured QR scanner and hands its scans to the
// agent, which pairs them with the scanner's reader.
func runScanners(ctx context.Context, cfg config.Config, agent *checkin.Agent, log *slog.Logger) error {
	if len(cfg.Readers.QR) == 0 {
		return nil
	}
	scans := make(chan qr.Scan)
	for _, q := range cfg.Readers.QR {
		sc, err := qr.New(qr.Config{Path: q.Port, Reader: q.Reader, Logger: log})
		if err != nil {
			return fmt.Errorf("readers.qr %s: %w", q.Port, err)
		}
		go sc.Run(ctx, scans)
	}
	go agent.UseScans(ctx, scans)
	return nil
}
