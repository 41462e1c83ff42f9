package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/redact"
)

// `cccd checkins list | export`: the check-in records in the cache. list
// masks ID numbers and leaves names out; export writes the full records for
// the hospital information system.

func init() {
	registerCheckins(newCheckinsListCmd)
	registerCheckins(newCheckinsExportCmd)
}

func newCheckinsListCmd() *cobra.Command {
	var after uint64
	var limit int
	var pending bool
	c := &cobra.Command{
		Use:   "list [--after SEQ] [--limit N] [--pending]",
		Short: "List check-ins (ID numbers masked) with their eligibility and delivery state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openCache()
			if err != nil {
				return err
			}
			defer db.Close()
			var cs []cache.Checkin
			if pending {
				cs, err = db.PendingDeliveries(limit)
			} else {
				cs, err = db.ListCheckins(after, limit)
			}
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tID\tELIGIBILITY\tCODE\tCHIP\tCONFIRMED\tDELIVERY")
			for _, c := range cs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%v\t%s\n", c.Seq, c.Time.Local().Format("2006-01-02 15:04"),
					redact.ID(c.SoCCCD), c.Eligibility.Status, c.Eligibility.Code, c.Verification, c.Confirmed, checkinDelivery(c))
			}
			return tw.Flush()
		},
	}
	c.Flags().Uint64Var(&after, "after", 0, "only check-ins with a sequence number above SEQ")
	c.Flags().IntVar(&limit, "limit", 100, "at most N check-ins (0: all)")
	c.Flags().BoolVar(&pending, "pending", false, "only check-ins not yet delivered to the HIS")
	return c
}

// checkinDelivery summarises the outbox state of c.
func checkinDelivery(c cache.Checkin) string {
	switch {
	case !c.DeliveredAt.IsZero():
		return "delivered " + c.DeliveredAt.Local().Format("2006-01-02 15:04")
	case c.Attempts > 0:
		return fmt.Sprintf("pending, %d attempts: %s", c.Attempts, c.LastError)
	}
	return "pending"
}

func newCheckinsExportCmd() *cobra.Command {
	var format, out string
	var after uint64
	c := &cobra.Command{
		Use:   "export --format json|csv|xml4750 [--out FILE] [--after SEQ]",
		Short: "Export check-ins in full for the HIS: JSON, CSV, or QĐ 4750 XML (XML0 check-in + XML1 reception fields)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var write func(io.Writer, []cache.Checkin) error
			switch format {
			case "json":
				write = cache.WriteCheckinsJSON
			case "csv":
				write = cache.WriteCheckinsCSV
			case "xml4750":
				cfg, err := config.Load(global.configFile)
				if err != nil {
					return usageError(err)
				}
				write = func(w io.Writer, cs []cache.Checkin) error {
					facility := cfg.Facility.Code
					if facility == "" && len(cs) > 0 {
						facility = cs[0].Facility
					}
					return cache.WriteCheckinsXML4750(w, cs, facility, clock.Now())
				}
			default:
				return usagef("--format must be json, csv or xml4750")
			}
			db, err := openCache()
			if err != nil {
				return err
			}
			defer db.Close()
			cs, err := db.ListCheckins(after, 0)
			if err != nil {
				return err
			}
			// Who exported what (the range and the count, never the data) goes
			// into the audit trail before anything is written.
			if err := db.AppendAudit(cache.AuditRecord{Time: clock.Now(), Event: "checkins-exported", Checkin: after,
				Result: format + ":" + strconv.Itoa(len(cs)), Client: "cli"}); err != nil {
				return err
			}
			if out == "" {
				return write(cmd.OutOrStdout(), cs)
			}
			// The export holds personal data: owner-only, like the cache.
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return usageError(fmt.Errorf("create export file: %w", err))
			}
			if err := write(f, cs); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("write export file: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "exported %d check-ins to %s\n", len(cs), out)
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "json", "json, csv or xml4750")
	c.Flags().StringVar(&out, "out", "", "write to FILE (mode 0600) instead of standard output")
	c.Flags().Uint64Var(&after, "after", 0, "only check-ins with a sequence number above SEQ")
	return c
}
