package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/reader/pcsc"
)

func init() {
	register(func() *cobra.Command {
		var asJSON bool
		c := &cobra.Command{
			Use:   "doctor",
			Short: "Check the smart-card service, readers and card, and say how to fix what is wrong",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				rep := pcsc.Diagnose(cmd.Context())
				w := cmd.OutOrStdout()
				if asJSON {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					if err := enc.Encode(rep); err != nil {
						return err
					}
				} else {
					for _, c := range rep.Checks {
						line := fmt.Sprintf("%-4s %-8s %s", c.Status, c.Name, c.Detail)
						if c.Fix != "" {
							line += " — " + c.Fix
						}
						fmt.Fprintln(w, line)
					}
					if rep.Healthy {
						fmt.Fprintln(w, "healthy")
					}
				}
				if rep.Err != nil {
					return withCode(exitNoCard, fmt.Errorf("%s", firstFix(rep)))
				}
				return nil
			},
		}
		c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
		return c
	})
}

// firstFix is the one-line message of the first failed check.
func firstFix(rep pcsc.Report) string {
	for _, c := range rep.Checks {
		if c.Status == pcsc.CheckFail {
			if c.Fix != "" {
				return c.Fix
			}
			return c.Detail
		}
	}
	return "doctor found a problem"
}
