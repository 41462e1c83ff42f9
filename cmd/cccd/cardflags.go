package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/verify"
)

// cardFlags are the reader and key flags `read` and `dump` share (docs/FORMATS.md).
type cardFlags struct {
	reader     string
	useSim     bool
	simProfile string
	can, id    string
	dob        string
	expiry     string
	mrzText    string
	qr         string
	allowBAC   bool
	trust      []string
	trace      bool
}

func (f *cardFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.reader, "reader", "", "reader name (as `cccd readers` lists it; pn532:/dev/ttyUSB0 for a PN532)")
	fl.BoolVar(&f.useSim, "sim", false, "read the simulated card instead of a reader")
	fl.StringVar(&f.simProfile, "sim-profile", "", "simulated card profile (default: the demo card)")
	fl.StringVar(&f.can, "can", "", "the 6-digit CAN (the last 6 digits of the ID number)")
	fl.StringVar(&f.id, "id", "", "the 12-digit ID number (CAN = its last 6 digits)")
	fl.StringVar(&f.dob, "dob", "", "date of birth YYYY-MM-DD (with --id, for BAC on chips without PACE)")
	fl.StringVar(&f.expiry, "expiry", "", "date of expiry YYYY-MM-DD or none (default: derived from the ID laws)")
	fl.StringVar(&f.mrzText, "mrz", "", "the card's MRZ (3 lines of 30 characters)")
	fl.StringVar(&f.qr, "qr", "", "the text of the card's QR code")
	fl.BoolVar(&f.allowBAC, "allow-bac", false, "allow BAC after a failed PACE (chips without PACE use BAC anyway)")
	fl.StringArrayVar(&f.trust, "trust", nil, "trust anchors: a certificate, master list (.ml), CRL or a directory of them (repeatable)")
	fl.BoolVar(&f.trace, "trace", false, "print every protocol step and APDU to stderr (personal data masked)")
}

// key turns the access flags into a card key; exactly one form is allowed.
func (f *cardFlags) key() (checkin.Key, error) {
	given := 0
	for _, v := range []string{f.can, f.id, f.mrzText, f.qr} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return checkin.Key{}, usagef("give exactly one of --can, --id, --mrz or --qr")
	}
	if (f.dob != "" || f.expiry != "") && f.id == "" {
		return checkin.Key{}, usagef("--dob and --expiry go with --id")
	}
	var text string
	switch {
	case f.can != "":
		if len(f.can) != 6 || strings.Trim(f.can, "0123456789") != "" {
			return checkin.Key{}, usagef("--can must be the 6 digits printed on the card")
		}
		text = f.can
	case f.id != "":
		if !mrz.ValidID(f.id) {
			return checkin.Key{}, usagef("--id must be the 12-digit ID number")
		}
		text = f.id
	case f.mrzText != "":
		text = f.mrzText
	default:
		text = f.qr
	}
	key, err := checkin.ParseKey(text)
	if err != nil {
		return key, usageError(err)
	}
	if f.dob != "" {
		d, err := time.Parse(time.DateOnly, f.dob)
		if err != nil {
			return key, usagef("--dob must be YYYY-MM-DD")
		}
		key.DateOfBirth = d
		// With a date of birth the caller asks for the MRZ key (PACE-MRZ or
		// BAC): the chip then checks the date, and a wrong one is refused.
		key.CAN = ""
	}
	switch f.expiry {
	case "":
	case "none":
		key.Expiry = &mrz.Expiry{None: true}
	default:
		d, err := time.Parse(time.DateOnly, f.expiry)
		if err != nil {
			return key, usagef("--expiry must be YYYY-MM-DD or none")
		}
		key.Expiry = &mrz.Expiry{Date: d}
	}
	return key, nil
}

// openReader resolves --reader / --sim to a reader.
func (f *cardFlags) openReader() (reader.Reader, func(), error) {
	switch {
	case f.useSim && f.reader != "":
		return nil, nil, usagef("give --reader or --sim, not both")
	case f.useSim:
		var p *sim.Profile
		var err error
		if f.simProfile != "" {
			p, err = sim.LoadProfile(f.simProfile)
		} else {
			p, err = sim.DemoProfile()
		}
		if err != nil {
			return nil, nil, usageError(err)
		}
		chip, err := sim.NewCard(p)
		if err != nil {
			return nil, nil, usageError(err)
		}
		return sim.NewReader("sim", chip), func() {}, nil // like vpcd: the chip's ATR, EF.ATR/INFO or a probe decides extended length
	case f.simProfile != "":
		return nil, nil, usagef("--sim-profile goes with --sim")
	case f.reader == "":
		return nil, nil, usagef("name a reader with --reader (see `cccd readers`) or use --sim")
	}
	return openCLIReader(f.reader)
}

// trustStore loads the imported anchors of the data directory (when it can
// be opened) and every --trust path.
func (f *cardFlags) trustStore() (*verify.TrustStore, error) {
	return loadTrust(f.trust)
}

// tracer prints trace lines to stderr when --trace is set.
func (f *cardFlags) tracer() func(string) {
	if !f.trace {
		return nil
	}
	return func(line string) { fmt.Fprintln(os.Stderr, "trace: "+line) }
}

// capture connects to the card and captures it with the flags' key.
func (f *cardFlags) capture(ctx context.Context, opts checkin.ReadOptions) (*checkin.Capture, string, error) {
	var c *checkin.Capture
	name, err := f.withCard(ctx, func(card reader.Card, _ string, key checkin.Key) (err error) {
		c, err = checkin.CaptureCard(ctx, card, key, opts)
		return err
	})
	return c, name, err
}

// read is the whole read of one card with the flags' key (checkin.ReadCard,
// as the agent does it).
func (f *cardFlags) read(ctx context.Context, opts checkin.ReadOptions) (*checkin.ReadResult, error) {
	var res *checkin.ReadResult
	_, err := f.withCard(ctx, func(card reader.Card, name string, key checkin.Key) (err error) {
		res, err = checkin.ReadCard(ctx, card, name, key, opts)
		return err
	})
	return res, err
}

// withCard opens the flags' reader and card and runs use on them; a refused
// key comes back as cardError words it.
func (f *cardFlags) withCard(ctx context.Context, use func(card reader.Card, readerName string, key checkin.Key) error) (string, error) {
	key, err := f.key()
	if err != nil {
		return "", err
	}
	r, closeReader, err := f.openReader()
	if err != nil {
		return "", err
	}
	defer closeReader()
	card, err := r.Connect(ctx)
	if err != nil {
		return "", err
	}
	defer card.Close()
	if err := use(card, r.Name(), key); err != nil {
		return "", cardError(err)
	}
	return r.Name(), nil
}

// cardError gives a refused key its exit code and the words a receptionist
// needs; other errors keep theirs.
func cardError(err error) error {
	switch {
	case errors.Is(err, pace.ErrRefusedKeyOrMapping):
		// 6300 at the last GENERAL AUTHENTICATE: a wrong key, or the chip's
		// own mapping failed; the status word cannot tell which.
		return withCode(exitAccessDenied, errors.New("the chip refused the key or failed the PACE mapping: re-enter the 6 digits of the CAN printed on the card (or check the ID number and dates); if they are right, try again and report the card if it keeps failing"))
	case errors.Is(err, icao.ErrAccessDenied):
		return withCode(exitAccessDenied, errors.New("the chip refused the key: re-enter the 6 digits of the CAN printed on the card (or check the ID number and dates)"))
	case errors.Is(err, access.ErrNoKey):
		// Mostly a chip without PACE (or with PACE cccd lacks) given only
		// the CAN: BAC needs the date of birth, which --id alone does not carry.
		why := ""
		var nk *access.NoKeyError
		if errors.As(err, &nk) {
			why = " (" + nk.Chip + ")"
		}
		return usageError(fmt.Errorf("this chip cannot be opened with the key given%s: give --id with --dob (and --expiry if known), --mrz or --qr", why))
	}
	return err
}
