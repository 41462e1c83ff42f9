package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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
		Use:   "export --format json|csv|xml0|xml4750 [--out FILE|DIR] [--after SEQ]",
		Short: "Export check-ins in full for the HIS: JSON, CSV, one QĐ 4750 XML0 file per check-in, or the XML0+XML1 hand-off file",
		Long: `Export check-ins for the HIS.

  json, csv  every field of each check-in
  xml0       one bare QĐ 4750 XML0 file (CHI_TIEU_TRANG_THAI_KCB, STT 1) per check-in, the form BHXH's
             check-in endpoint takes (CV 1245/BHXH-CNTT); --out names a directory; schema: docs/xml0-cv1245.xsd.
             MA_LK, MA_BN, MA_LOAI_KCB and MA_DOITUONG_KCB are the HIS's (PATCH /api/v1/checkins/{seq}/episode)
             and are empty until it sets them
  xml4750    a GIAMDINHHS-shaped hand-off file with XML0 and the reception fields of XML1 per check-in:
             NOT submittable to BHXH (GIAMDINHHS carries no XML0)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var write func(io.Writer, []cache.Checkin) error
			switch format {
			case "xml0":
				if out == "" {
					return usagef("--format xml0 writes one file per check-in: give --out DIR")
				}
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
				return usagef("--format must be json, csv, xml0 or xml4750")
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
			if format == "xml0" {
				return exportXML0(cmd, cs, out)
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
	c.Flags().StringVar(&format, "format", "json", "json, csv, xml0 (one file per check-in) or xml4750 (hand-off, not submittable)")
	c.Flags().StringVar(&out, "out", "", "write to FILE (mode 0600) instead of standard output; for xml0 a directory")
	c.Flags().Uint64Var(&after, "after", 0, "only check-ins with a sequence number above SEQ")
	return c
}

// exportXML0 writes one XML0 file per check-in into dir (created 0700;
// files 0600: they hold personal data) and says how many still lack the
// HIS's episode (MA_LK empty: not ready for BHXH).
func exportXML0(cmd *cobra.Command, cs []cache.Checkin, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return usageError(fmt.Errorf("create export directory: %w", err))
	}
	noEpisode, cancelled := 0, 0
	for _, c := range cs {
		if c.Cancelled { // the visit did not happen: nothing for BHXH
			cancelled++
			continue
		}
		if c.EpisodeMissing() {
			noEpisode++
		}
		path := filepath.Join(dir, cache.XML0FileName(c.Seq))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return usageError(fmt.Errorf("create XML0 file: %w", err))
		}
		if err := cache.WriteCheckinXML0(f, c); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write XML0 file: %w", err)
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "exported %d XML0 files to %s\n", len(cs)-cancelled, dir)
	if cancelled > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "left out %d cancelled check-ins\n", cancelled)
	}
	if noEpisode > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%d of them have no MA_LK yet: the HIS sets its episode with PATCH /api/v1/checkins/{seq}/episode before submitting\n", noEpisode)
	}
	return nil
}
