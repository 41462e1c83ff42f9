package reader

import (
	"context"
	"errors"
	"testing"
)

type namedReader string

func (n namedReader) Name() string                          { return string(n) }
func (n namedReader) Connect(context.Context) (Card, error) { return nil, ErrNoCard }

func TestRouter(t *testing.T) {
	r := NewRouter()
	r.Add(namedReader("sim:desk"))
	r.Prefix("sim:", nil)
	r.Prefix("pn532:", func(name string) (Reader, error) { return namedReader("made " + name), nil })
	r.Other(func(name string) (Reader, error) { return namedReader("pcsc " + name), nil })
	for name, want := range map[string]string{
		"sim:desk":              "sim:desk",
		"pn532:/dev/ttyUSB0":    "made pn532:/dev/ttyUSB0",
		"ACS ACR122U PICC 00 0": "pcsc ACS ACR122U PICC 00 0",
		`\\?PnP?\Notification`:  `pcsc \\?PnP?\Notification`,
	} {
		got, err := r.Open(name)
		if err != nil || got.Name() != want {
			t.Errorf("Open(%q) = %v, %v; want %q", name, got, err, want)
		}
	}
	if _, err := r.Open("sim:nowhere"); !errors.Is(err, ErrNoReader) {
		t.Errorf("Open of an unknown sim reader: %v, want ErrNoReader", err)
	}
	if _, err := NewRouter().Open("anything"); !errors.Is(err, ErrNoReader) {
		t.Errorf("empty router: %v, want ErrNoReader", err)
	}
}
