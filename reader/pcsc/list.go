package pcsc

import (
	"context"
	"errors"

	"github.com/ebfe/scard"
)

// PnPNotification is the pseudo-reader whose state changes when readers are
// plugged in or out.
const PnPNotification = `\\?PnP?\Notification`

// ReaderInfo is one PC/SC reader as List sees it.
type ReaderInfo struct {
	Name        string `json:"name"`
	CardPresent bool   `json:"card_present"`
	// CardMute is set when a card is in the field but did not answer.
	CardMute bool `json:"card_mute,omitempty"`
	// InUse is set when another session holds the card exclusively.
	InUse bool `json:"in_use,omitempty"`
	// ATR is the card's answer to reset (PC/SC pseudo-ATR for contactless
	// cards); empty without a card.
	ATR []byte `json:"atr,omitempty"`
}

// List returns the PC/SC readers with their card state. No readers is an
// empty list, not an error; a stopped service is reader.ErrNoService with
// a message saying how to start it.
func List(ctx context.Context) ([]ReaderInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var c client
	defer c.close()
	var out []ReaderInfo
	err := c.withContext(func(sc *scard.Context) error {
		var err error
		out, err = list(sc)
		return err
	})
	return out, err
}

func list(sc *scard.Context) ([]ReaderInfo, error) {
	names, err := listNames(sc)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	states := make([]scard.ReaderState, len(names))
	for i, n := range names {
		states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	// With every state UNAWARE the call returns at once with the truth.
	if err := sc.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return nil, wrap("read reader states", "", err)
	}
	out := make([]ReaderInfo, len(states))
	for i, s := range states {
		out[i] = infoFromState(s)
	}
	return out, nil
}

func infoFromState(s scard.ReaderState) ReaderInfo {
	present := s.EventState&scard.StatePresent != 0
	info := ReaderInfo{
		Name:        s.Reader,
		CardPresent: present,
		CardMute:    present && s.EventState&scard.StateMute != 0,
		InUse:       s.EventState&scard.StateExclusive != 0,
	}
	if present && len(s.Atr) > 0 {
		info.ATR = append([]byte(nil), s.Atr...)
	}
	return info
}

// listNames lists reader names; none plugged in is an empty list.
func listNames(sc *scard.Context) ([]string, error) {
	names, err := sc.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("list readers", "", err)
	}
	return names, nil
}
