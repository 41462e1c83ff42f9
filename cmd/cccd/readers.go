package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// readerJSON is one line of `cccd readers --json`.
type readerJSON struct {
	Name        string `json:"name"`
	CardPresent bool   `json:"card_present"`
	CardMute    bool   `json:"card_mute,omitempty"`
	ATR         string `json:"atr,omitempty"`
}

func init() {
	register(func() *cobra.Command {
		var asJSON bool
		c := &cobra.Command{
			Use:   "readers",
			Short: "List card readers, whether a card is on each, and its ATR",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				infos, err := pcsc.List(cmd.Context())
				if err != nil {
					return err
				}
				out := make([]readerJSON, len(infos))
				for i, in := range infos {
					out[i] = readerJSON{Name: in.Name, CardPresent: in.CardPresent, CardMute: in.CardMute,
						ATR: strings.ToUpper(hex.EncodeToString(in.ATR))}
				}
				w := cmd.OutOrStdout()
				if asJSON {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					if err := enc.Encode(out); err != nil {
						return err
					}
				} else {
					tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "READER\tCARD\tATR")
					for _, r := range out {
						card := "no"
						switch {
						case r.CardMute:
							card = "mute"
						case r.CardPresent:
							card = "yes"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, card, r.ATR)
					}
					tw.Flush()
				}
				if len(out) == 0 {
					return fmt.Errorf("no card reader connected: plug one in, then run `cccd doctor` if it is not listed: %w", reader.ErrNoReader)
				}
				return nil
			},
		}
		c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
		return c
	})
}
