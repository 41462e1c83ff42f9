package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// doctorCheck is one finding of `cccd doctor`: what was looked at, what was
// found and, when it is not ok, one line saying what to do.
type doctorCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok, warn (worth knowing, reception works), fail
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	exit   int    // the exit code when this check fails (the README's codes)
}

// doctorReport is `cccd doctor --json`.
type doctorReport struct {
	Healthy bool              `json:"healthy"` // no check failed
	Version string            `json:"version"`
	DataDir string            `json:"data_dir"`
	Checks  []doctorCheck     `json:"checks"`
	Readers []pcsc.ReaderInfo `json:"readers"` // PC/SC readers with their ATRs
}

func init() {
	register(func() *cobra.Command {
		var (
			asJSON      bool
			bundle      string
			gatewayUser string
		)
		c := &cobra.Command{
			Use:   "doctor [--json] [--bundle FILE] [--gateway-user NAME]",
			Short: "Check everything the agent needs and say how to fix what is wrong",
			Long: `Check the agent as a whole: the data directory and secret files, disk space, the database,
the running agent's API, each configured reader (PC/SC service, readers and cards; PN532 and QR
serial ports; the Bluetooth adapter), the roster's age, the feed (reachable, signature valid), the
trust anchors and CRLs, the BHXH gateway and the HIS webhook. Exit 0 when nothing failed (warnings
are listed); otherwise the exit code of the first failure (5 readers, 6 roster or feed, 1 the rest).

--gateway-user NAME also takes a gateway token for that account (the password from the
CCCD_GATEWAY_PASSWORD environment variable): no lookup is made.
--bundle FILE writes a diagnostic archive (.tar.gz) to send to a technician: versions, the
configuration without secrets, this report, the agent's recent log and the reader list. It holds no
patient data.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, err := config.Load(global.configFile)
				if err != nil {
					return usageError(err)
				}
				dir, err := dataDirPath()
				if err != nil {
					return err
				}
				d := &doctor{cfg: cfg, dir: dir, now: clock.Now(), gatewayUser: gatewayUser,
					gatewayPassword: os.Getenv("CCCD_GATEWAY_PASSWORD")}
				rep := d.run(cmd.Context())
				w := cmd.OutOrStdout()
				if asJSON {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					if err := enc.Encode(rep); err != nil {
						return err
					}
				} else {
					printDoctor(w, rep)
				}
				if bundle != "" {
					if err := writeBundle(cmd.Context(), bundle, d, rep); err != nil {
						return fmt.Errorf("diagnostic bundle: %w", err)
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "cccd doctor: diagnostic bundle written to %s\n", bundle)
				}
				return doctorExit(rep)
			},
		}
		c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
		c.Flags().StringVar(&bundle, "bundle", "", "also write a diagnostic archive (.tar.gz) to FILE")
		c.Flags().StringVar(&gatewayUser, "gateway-user", "", "take a BHXH gateway token for this account (password in $CCCD_GATEWAY_PASSWORD)")
		return c
	})
}

func printDoctor(w io.Writer, rep doctorReport) {
	for _, c := range rep.Checks {
		line := fmt.Sprintf("%-4s %-10s %s", c.Status, c.Name, c.Detail)
		if c.Fix != "" {
			line += " — " + c.Fix
		}
		fmt.Fprintln(w, line)
	}
	if rep.Healthy {
		fmt.Fprintln(w, "healthy")
	}
}

// doctorExit is nil when nothing failed, else the first failure's fix with
// its exit code.
func doctorExit(rep doctorReport) error {
	for _, c := range rep.Checks {
		if c.Status != pcsc.CheckFail {
			continue
		}
		msg := c.Fix
		if msg == "" {
			msg = c.Name + ": " + c.Detail
		}
		code := c.exit
		if code == 0 {
			code = exitFailure
		}
		return withCode(code, errors.New(msg))
	}
	return nil
}
