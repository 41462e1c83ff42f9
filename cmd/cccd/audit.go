package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
)

// `cccd audit list [--since WHEN] [--json]`: the audit trail (who signed in,
// viewed, confirmed or exported what, which token was used), which holds no
// patient data.

func init() {
	register(func() *cobra.Command {
		parent := &cobra.Command{Use: "audit", Short: "The audit trail: list", Args: cobra.NoArgs}
		parent.AddCommand(newAuditListCmd())
		return parent
	})
}

// parseSince reads --since: a date (2026-12-01, local midnight), an RFC 3339
// time, or an age counted back from now ("36h", "7d").
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n <= 100000 {
			return now.AddDate(0, 0, -n), nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: give a date (2026-12-01), an RFC 3339 time or an age such as 36h or 7d", s)
}

func newAuditListCmd() *cobra.Command {
	var since string
	var asJSON bool
	var limit int
	c := &cobra.Command{
		Use:   "list [--since WHEN] [--limit N] [--json]",
		Short: "List audit records, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := parseSince(since, clock.Now())
			if err != nil {
				return usageError(err)
			}
			db, err := openCache()
			if err != nil {
				return err
			}
			defer db.Close()
			recs, err := db.AuditSince(from, limit)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				for _, r := range recs {
					if err := enc.Encode(r); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tEVENT\tWHO\tREADER\tCHECK-IN\tRESULT\tCLIENT")
			for _, r := range recs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Local().Format("2006-01-02 15:04:05"), r.Event,
					auditWho(r), r.Reader, auditSeq(r), r.Result, r.Client)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&since, "since", "", "only records from then on: a date, an RFC 3339 time, or an age (36h, 7d)")
	c.Flags().IntVar(&limit, "limit", 0, "at most N records (0: all)")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per line")
	return c
}

func auditWho(r cache.AuditRecord) string {
	switch {
	case r.Staff != "":
		return r.Staff
	case r.Token != "":
		return "token:" + r.Token
	}
	return "-"
}

func auditSeq(r cache.AuditRecord) string {
	if r.Checkin == 0 {
		return ""
	}
	return strconv.FormatUint(r.Checkin, 10)
}
