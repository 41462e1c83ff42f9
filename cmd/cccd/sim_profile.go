package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/fsutil"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/internal/redact"
	"github.com/cccd-agent/cccd/reader/sim"
)

func init() {
	registerSim(func() *cobra.Command {
		var out, id, name, dob, cloneOf, chip, extLen string
		c := &cobra.Command{
			Use:   "profile",
			Short: "Make a simulated card with a test PKI (or a clone of one)",
			Long: "Writes a simulated CCCD to FILE: a synthetic citizen (or the --id/--name/--dob given),\n" +
				"the MRZ, DG1, DG2 (a generated face), DG13, the chip keys, and an SOD signed by a fresh test\n" +
				"Document Signer. Beside it go FILE.csca.pem (the test CSCA: pass it to --trust or\n" +
				"`cccd trust import`) and FILE.ds.pem. --clone-of makes a card with the same files and new\n" +
				"chip keys, which chip authentication must reject. --chip picks the chip's protocols:\n" +
				"cccd (PACE generic mapping on brainpoolP256r1, CA and AA, as on a real CCCD), pace-cam\n" +
				"(PACE chip authentication mapping, with a signed EF.CardSecurity), pace-im (integrated\n" +
				"mapping) or bac (no PACE: an older chip). --extended-length makes the chip take\n" +
				"extended-length APDUs and says where it announces them: atr (card capabilities in the ATR's\n" +
				"historical bytes, which `cccd sim vpcd` hands to vpcd), ef-atr (EF.ATR/INFO), both, or\n" +
				"none (the reader must probe); no (the default) is a short-APDU chip.",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				opts, err := simProfileOptions(out, id, name, dob, cloneOf, chip)
				if err != nil {
					return err
				}
				p, pki, err := sim.GenerateProfile(opts)
				if err != nil {
					return usageError(fmt.Errorf("sim profile: %w", err))
				}
				if err := applyExtendedLength(p, extLen); err != nil {
					return err
				}
				if err := p.Save(out); err != nil {
					return fmt.Errorf("sim profile: write %s: %w; check the directory exists and is writable", out, err)
				}
				csca, ds := []byte(nil), []byte(nil)
				if pki != nil {
					csca, ds = pki.CSCACert, pki.DSCert
				} else { // a clone shares its original's PKI
					csca, _ = os.ReadFile(cloneOf + ".csca.pem")
					ds, _ = os.ReadFile(cloneOf + ".ds.pem")
				}
				for _, f := range []struct {
					path string
					pem  []byte
				}{{out + ".csca.pem", csca}, {out + ".ds.pem", ds}} {
					if f.pem == nil {
						continue
					}
					if err := fsutil.WriteFile(f.path, f.pem, 0o644); err != nil {
						return fmt.Errorf("sim profile: write %s: %w", f.path, err)
					}
				}
				w := cmd.OutOrStdout()
				card := "?"
				if len(p.MRZ) >= 27 {
					card = redact.ID(p.MRZ[15:27]) // the ID in the optional data
				}
				fmt.Fprintf(w, "sim: wrote %s (card %s)\n", out, card)
				if id == "" && opts.CloneOf == nil {
					// A generated ID is synthetic: show the CAN needed to read the card.
					fmt.Fprintf(w, "sim: CAN %s\n", p.CAN)
				}
				if csca != nil {
					fmt.Fprintf(w, "sim: trust anchor %s.csca.pem\n", out)
				}
				return nil
			},
		}
		c.Flags().StringVar(&out, "out", "", "profile file to write (required)")
		c.Flags().StringVar(&id, "id", "", "12-digit ID number (default: synthetic)")
		c.Flags().StringVar(&name, "name", "", "full name with diacritics, family name first (default: synthetic)")
		c.Flags().StringVar(&dob, "dob", "", "date of birth YYYY-MM-DD (default: from --id, or synthetic)")
		c.Flags().StringVar(&cloneOf, "clone-of", "", "make a clone of this profile: same files, new chip keys")
		c.Flags().StringVar(&chip, "chip", "cccd", "the chip's protocols: cccd, pace-cam, pace-im or bac")
		c.Flags().StringVar(&extLen, "extended-length", "no", "extended-length APDUs and where the chip announces them: no, atr, ef-atr, both or none")
		return c
	})
}

// simProfileOptions checks the flags of `cccd sim profile`; errors are usage
// errors (exit 2) and never repeat the ID, name or date given.
func simProfileOptions(out, id, name, dob, cloneOf, chip string) (sim.ProfileOptions, error) {
	var opts sim.ProfileOptions
	if out == "" {
		return opts, usagef("sim profile: --out FILE is required")
	}
	chipOpts, ok := simChips[chip]
	if !ok {
		return opts, usagef("sim profile: --chip must be cccd, pace-cam, pace-im or bac")
	}
	if cloneOf != "" {
		if id != "" || name != "" || dob != "" || chip != "cccd" {
			return opts, usagef("sim profile: --clone-of copies the card; it takes no --id, --name, --dob or --chip")
		}
		p, err := sim.LoadProfile(cloneOf)
		if err != nil {
			return opts, usageError(fmt.Errorf("sim profile: --clone-of: %w", err))
		}
		opts.CloneOf = p
		return opts, nil
	}
	if id != "" && !mrz.ValidID(id) {
		return opts, usagef("sim profile: --id must be 12 digits")
	}
	if dob != "" {
		t, err := time.Parse("2006-01-02", dob)
		if err != nil {
			return opts, usagef("sim profile: --dob must be a date YYYY-MM-DD")
		}
		if !t.Before(clock.Now()) {
			return opts, usagef("sim profile: --dob must be in the past")
		}
		opts.DateOfBirth = t
	}
	if name != "" && strings.TrimSpace(mrz.Transliterate(name)) == "" {
		return opts, usagef("sim profile: --name must contain letters")
	}
	opts.ID, opts.FullName, opts.Chip = id, name, chipOpts
	return opts, nil
}

// applyExtendedLength sets the profile's extended length from
// --extended-length (a usage error names the values).
func applyExtendedLength(p *sim.Profile, v string) error {
	switch v {
	case "no":
		p.ExtendedLength, p.ExtendedLengthIn = false, ""
	case sim.AnnounceATR, sim.AnnounceEFATR, sim.AnnounceBoth, sim.AnnounceNone:
		p.ExtendedLength, p.ExtendedLengthIn = true, v
	default:
		return usagef("sim profile: --extended-length must be no, atr, ef-atr, both or none")
	}
	return nil
}

// simChips are the chips `cccd sim profile --chip` makes.
var simChips = map[string]sim.ChipKeyOptions{
	"cccd":     {},
	"pace-cam": {PACEMapping: pace.ChipAuthenticationMapping},
	"pace-im":  {PACEMapping: pace.IntegratedMapping},
	"bac":      {NoPACE: true},
}
