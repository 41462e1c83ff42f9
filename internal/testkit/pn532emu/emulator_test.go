package pn532emu

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// echoChip answers every APDU with its own bytes and 90 00.
type echoChip struct{}

func (echoChip) PowerOn() []byte            { return []byte{0x3B, 0x82, 0x80, 0x01, 'O', 'K', 0x00} }
func (echoChip) PowerOff()                  {}
func (echoChip) Process(apdu []byte) []byte { return append(bytes.Clone(apdu), 0x90, 0x00) }

// TestDocumentedExchanges sends the byte sequences libnfc and pn532.js document and
// checks the emulator's answers byte for byte.
func TestDocumentedExchanges(t *testing.T) {
	const ack = "00 00 FF 00 FF 00 "
	steps := []struct {
		name, send, want string
	}{
		{"frame before wake-up is lost", "00 00 FF 02 FE D4 02 2A 00", ""},
		{"wake-up + SAMConfiguration in one write (pn532.js)",
			"55 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 FF 05 FB D4 14 01 14 01 02 00",
			ack + "00 00 FF 02 FE D5 15 16 00"},
		{"GetFirmwareVersion", "00 00 FF 02 FE D4 02 2A 00", ack + "00 00 FF 06 FA D5 03 32 01 06 07 E8 00"},
		{"NACK resends the last response", "00 00 FF FF 00 00", "00 00 FF 06 FA D5 03 32 01 06 07 E8 00"},
		{"SetParameters auto RATS", "00 00 FF 03 FD D4 12 14 06 00", ack + "00 00 FF 02 FE D5 13 18 00"},
		{"InListPassiveTarget 106A", "00 00 FF 04 FC D4 4A 01 00 E1 00",
			ack + "00 00 FF 13 ED D5 4B 01 01 00 04 20 04 08 5A C3 01 07 78 80 70 02 4F 4B 85 00"},
		{"InDataExchange", "00 00 FF 07 F9 D4 40 01 00 A4 04 00 43 00",
			ack + "00 00 FF 09 F7 D5 41 00 00 A4 04 00 90 00 B2 00"},
		{"unknown command gives the error frame", "00 00 FF 02 FE D4 FE 2E 00", ack + "00 00 FF 01 FF 7F 81 00"},
		{"InRelease", "00 00 FF 03 FD D4 52 00 DA 00", ack + "00 00 FF 03 FD D5 53 00 D8 00"},
	}
	host, dev := net.Pipe()
	e := New(dev, echoChip{}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Serve(ctx)
	for _, s := range steps {
		if _, err := host.Write(unhex(t, s.send)); err != nil {
			t.Fatalf("%s: write: %v", s.name, err)
		}
		want := unhex(t, s.want)
		got := make([]byte, len(want))
		host.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.ReadFull(host, got); err != nil {
			t.Fatalf("%s: read: %v", s.name, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got % X\nwant % X", s.name, got, want)
		}
		// Nothing more may follow.
		host.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if n, _ := host.Read(make([]byte, 1)); n != 0 {
			t.Fatalf("%s: extra bytes after the answer", s.name)
		}
	}
	if st := e.Stats(); st.Wakeups != 1 || st.Exchanges != 1 || st.NacksReceived != 1 {
		t.Fatalf("stats %+v", st)
	}
}
