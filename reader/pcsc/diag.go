package pcsc

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cccd-agent/cccd/reader"
)

// Check statuses.
const (
	CheckOK   = "ok"
	CheckWarn = "warn" // worth knowing, does not stop a read
	CheckFail = "fail" // no read can work until it is fixed
)

// Check is one diagnostic finding. Detail says what was found; Fix, when
// set, says in one line what to do.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Report is the outcome of Diagnose.
type Report struct {
	// Healthy is true when no check failed.
	Healthy bool         `json:"healthy"`
	Checks  []Check      `json:"checks"`
	Readers []ReaderInfo `json:"readers"`
	// Err is reader.ErrNoService or reader.ErrNoReader (wrapped) when the
	// service or the readers failed, for exit codes; nil otherwise.
	Err error `json:"-"`
}

// Diagnose checks, in order, the PC/SC service (socket, process, a context),
// the client library, the readers and the cards on them. It never fails:
// every problem is a Check with a fix.
func Diagnose(ctx context.Context) Report {
	var rep Report
	add := func(c Check) { rep.Checks = append(rep.Checks, c) }

	add(Check{Name: "library", Status: CheckOK, Detail: libraryName()})

	svc := Check{Name: "service", Status: CheckOK}
	var facts []string
	sock := ServiceSocket()
	sockOK := true
	if sock != "" {
		if _, err := os.Stat(sock); err != nil {
			sockOK = false
			facts = append(facts, "no socket "+sock)
		} else {
			facts = append(facts, "socket "+sock)
		}
	}
	running, known := serviceProcess()
	switch {
	case known && running:
		facts = append(facts, "pcscd process running")
	case known:
		facts = append(facts, "no pcscd process")
	}
	infos, err := List(ctx)
	switch {
	case err == nil:
		svc.Detail = strings.Join(append(facts, "answering"), ", ")
	case errors.Is(err, reader.ErrNoService):
		svc.Status = CheckFail
		svc.Detail = strings.Join(append(facts, "not answering"), ", ")
		svc.Fix = serviceHint
		var pe *Error
		if errors.As(err, &pe) && pe.Hint != "" {
			svc.Fix = pe.Hint
		}
		if known && running && !sockOK {
			svc.Fix = "pcscd runs but its socket is missing: restart it (`systemctl restart pcscd`)"
		}
		rep.Err = fmt.Errorf("doctor: %w", reader.ErrNoService)
	default:
		svc.Status = CheckFail
		svc.Detail = err.Error()
		svc.Fix = "restart the smart-card service and run `cccd doctor` again"
		rep.Err = fmt.Errorf("doctor: %w", err)
	}
	add(svc)
	if svc.Status == CheckFail {
		return rep
	}

	rep.Readers = infos
	if len(infos) == 0 {
		add(Check{Name: "readers", Status: CheckFail, Detail: "no reader connected",
			Fix: "plug in the card reader; if it is plugged in, replug it and check that its driver (libccid) is installed"})
		rep.Err = fmt.Errorf("doctor: %w", reader.ErrNoReader)
		return rep
	}
	names := make([]string, len(infos))
	for i, in := range infos {
		names[i] = in.Name
	}
	add(Check{Name: "readers", Status: CheckOK, Detail: fmt.Sprintf("%d: %s", len(infos), strings.Join(names, "; "))})

	cards := 0
	for _, in := range infos {
		switch {
		case in.CardMute:
			add(Check{Name: "card", Status: CheckWarn, Detail: in.Name + ": a card is there but does not answer",
				Fix: "lift the card and place it flat on the reader again"})
		case in.CardPresent:
			cards++
			add(Check{Name: "card", Status: CheckOK, Detail: in.Name + ": ATR " + strings.ToUpper(hex.EncodeToString(in.ATR))})
		}
	}
	if cards == 0 {
		add(Check{Name: "card", Status: CheckWarn, Detail: "no card on any reader",
			Fix: "place a card on the reader to check that it answers"})
	}
	rep.Healthy = true
	return rep
}
