package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/checkin"
)

// `cccd status [--json]`: the running agent's GET /api/v1/status. Without an
// agent on the data directory it says where it looked and exits 1.

func init() { register(newStatusCmd) }

func newStatusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status [--json]",
		Short: "Show the running agent's state: version, readers, roster, check-ins waiting for the HIS, trust anchors",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ac, err := findAgent(cmd.Context())
			if err != nil {
				return err
			}
			if ac == nil {
				dir, _ := dataDirPath()
				return fmt.Errorf("no agent runs on the data directory %s (no live %s there: start it, or pass --data or --config)", dir, agentFileName)
			}
			var st checkin.StatusInfo
			if err := ac.get(cmd.Context(), "api/v1/status", &st); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			online := "no"
			if st.Online {
				online = "yes"
			}
			fmt.Fprintf(w, "agent:     %s at %s\nreaders:   %d\nonline:    %s\n", st.Version, ac.base, st.Readers, online)
			if st.Roster.Version == 0 {
				fmt.Fprintln(w, "roster:    none yet")
			} else {
				stale := ""
				if st.Roster.Stale {
					stale = ", STALE"
				}
				fmt.Fprintf(w, "roster:    version %d, %d records, %s old%s\n", st.Roster.Version, st.Roster.Records,
					time.Duration(st.Roster.AgeSeconds)*time.Second, stale)
			}
			if st.Roster.LastError != "" {
				fmt.Fprintf(w, "last sync error: %s\n", st.Roster.LastError)
			}
			fmt.Fprintf(w, "outbox:    %d check-ins waiting for the HIS\ntrust:     %d anchors\n", st.OutboxDepth, st.TrustAnchors)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the status JSON")
	return c
}
