package main

import (
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/sim"
)

func TestReaderRouter(t *testing.T) {
	p, err := sim.DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	slot := sim.NewSlot("desk", chip, 0)
	agent := readerRouter([]reader.Reader{slot}, routeOptions{pcsc: true})
	if r, err := agent.Open(slot.Name()); err != nil || r != reader.Reader(slot) {
		t.Fatalf("fixed slot: %v, %v", r, err)
	}
	if r, err := agent.Open("ACS ACR122U PICC Interface 00 00"); err != nil {
		t.Fatalf("PC/SC name: %v", err)
	} else if _, ok := r.(*pcsc.Reader); !ok {
		t.Fatalf("PC/SC name routed to %T", r)
	}
	// The agent opens only the PN532, BLE and simulated readers it was built with.
	for _, name := range []string{"sim:nowhere", "pn532:/dev/ttyUSB9", "ble:00:11:22:33:44:55", "qr:/dev/ttyACM0"} {
		if _, err := agent.Open(name); !errors.Is(err, reader.ErrNoReader) {
			t.Errorf("agent Open(%q): %v, want ErrNoReader", name, err)
		}
	}
	if _, err := readerRouter(nil, routeOptions{}).Open("ACS ACR122U PICC Interface 00 00"); !errors.Is(err, reader.ErrNoReader) {
		t.Errorf("PC/SC off: %v, want ErrNoReader", err)
	}
}

func TestSWMeaning(t *testing.T) {
	for sw, want := range map[uint16]string{
		0x9000: "success",
		0x6A82: "file not found",
		0x63C2: "verification failed, 2 tries left",
		0x6123: "success, 35 more bytes available (GET RESPONSE)",
	} {
		if got := swMeaning(sw); got != want {
			t.Errorf("swMeaning(%04X) = %q, want %q", sw, got, want)
		}
	}
}
