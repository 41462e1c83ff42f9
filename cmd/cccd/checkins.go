package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/fsutil"

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
			cfg, err := config.Load(global.configFile)
			if err != nil {
				return usageError(err)
			}
			cutoff := clock.Now().Add(-time.Duration(cfg.Checkins.Retention))
			var cs []cache.Checkin
			if ac, err := findAgent(cmd.Context()); err != nil {
				return err
			} else if ac != nil {
				if cs, err = agentCheckins(cmd, ac, after, limit, pending); err != nil {
					return err
				}
			} else {
				db, err := openCacheRead()
				if err != nil {
					return err
				}
				defer db.Close()
				if pending {
					cs, err = db.PendingDeliveries(limit)
				} else {
					cs, err = db.ListCheckins(after, limit)
				}
				if err != nil {
					return err
				}
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tID\tELIGIBILITY\tCODE\tCHIP\tCONFIRMED\tDELIVERY")
			for _, c := range cs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%v\t%s\n", c.Seq, c.Time.Local().Format("2006-01-02 15:04"),
					redact.ID(c.SoCCCD), c.Eligibility.Status, c.Eligibility.Code, c.Verification, c.Confirmed, checkinDelivery(c, cutoff))
			}
			return tw.Flush()
		},
	}
	c.Flags().Uint64Var(&after, "after", 0, "only check-ins with a sequence number above SEQ")
	c.Flags().IntVar(&limit, "limit", 100, "at most N check-ins (0: all)")
	c.Flags().BoolVar(&pending, "pending", false, "only check-ins not yet delivered to the HIS")
	return c
}

// agentCheckins lists check-ins through the running agent; --pending keeps
// the undelivered, not cancelled ones, oldest first, as the outbox does.
func agentCheckins(cmd *cobra.Command, ac *agentClient, after uint64, limit int, pending bool) ([]cache.Checkin, error) {
	if !pending {
		return ac.checkins(cmd.Context(), after, limit)
	}
	all, err := ac.checkins(cmd.Context(), 0, 0)
	if err != nil {
		return nil, err
	}
	var out []cache.Checkin
	for _, c := range all {
		if c.DeliveredAt.IsZero() && !c.Cancelled && (limit <= 0 || len(out) < limit) {
			out = append(out, c)
		}
	}
	return out, nil
}

// checkinDelivery summarises the outbox state of c.
// checkinDelivery says where a check-in's delivery stands; an undelivered
// one older than checkins.retention (cutoff) is flagged: it is kept until
// the HIS accepts it.
func checkinDelivery(c cache.Checkin, cutoff time.Time) string {
	flag := ""
	if c.DeliveredAt.IsZero() && c.Time.Before(cutoff) {
		flag = "past retention, kept until delivered; "
	}
	switch {
	case !c.DeliveredAt.IsZero():
		return "delivered " + c.DeliveredAt.Local().Format("2006-01-02 15:04")
	case c.Attempts > 0:
		return fmt.Sprintf("%spending, %d attempts: %s", flag, c.Attempts, c.LastError)
	}
	return flag + "pending"
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
			var cs []cache.Checkin
			if ac, err := findAgent(cmd.Context()); err != nil {
				return err
			} else if ac != nil {
				// The agent records each page it lists in its audit trail.
				if cs, err = ac.checkins(cmd.Context(), after, 0); err != nil {
					return err
				}
			} else {
				db, err := openCacheRead()
				if err != nil {
					return err
				}
				defer db.Close()
				if cs, err = db.ListCheckins(after, 0); err != nil {
					return err
				}
				// Who exported what (the range and the count, never the data) goes
				// into the audit trail before anything is written.
				if err := db.AppendAudit(cache.AuditRecord{Time: clock.Now(), Event: "checkins-exported", Checkin: after,
					Result: format + ":" + strconv.Itoa(len(cs)), Client: "cli"}); err != nil {
					return err
				}
			}
			if format == "xml0" {
				return exportXML0(cmd, cs, out)
			}
			if out == "" {
				return write(cmd.OutOrStdout(), cs)
			}
			// The export holds personal data: owner-only, like the cache.
			// Written under a temporary name and renamed: never through a
			// symlink planted at out, never half a file.
			f, err := fsutil.Create(out, 0o600)
			if err != nil {
				return usageError(fmt.Errorf("create export file: %w", err))
			}
			defer f.Abort()
			if err := write(f, cs); err != nil {
				return err
			}
			if err := f.Commit(); err != nil {
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
		err := fsutil.WriteWith(path, 0o600, func(w io.Writer) error { return cache.WriteCheckinXML0(w, c) })
		if err != nil {
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

func init() { registerCheckins(newCheckinsPurgeCmd) }

func newCheckinsPurgeCmd() *cobra.Command {
	var before string
	c := &cobra.Command{
		Use:   "purge --before DATE",
		Short: "Delete the delivered check-ins received before DATE (undelivered ones are kept), then compact the database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := clock.Now()
			cutoff, err := parseBefore(before, now)
			if err != nil {
				return usageError(err)
			}
			db, err := openCache()
			if err != nil {
				return err
			}
			res, err := db.PurgeCheckins(cutoff)
			if err == nil {
				err = db.AppendAudit(cache.AuditRecord{Time: now, Event: "checkins-purged",
					Result: "deleted:" + strconv.Itoa(res.Deleted), Client: "cli"})
			}
			path := db.Path()
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "deleted %d delivered check-ins received before %s\n", res.Deleted, cutoff.Local().Format(time.RFC3339))
			if res.Undelivered > 0 {
				fmt.Fprintf(w, "kept %d older check-ins the HIS has not accepted yet (see `cccd checkins list --pending`)\n", res.Undelivered)
			}
			if res.Deleted == 0 {
				return nil
			}
			// The deleted records' pages are free but still hold them:
			// rewrite the file without them.
			cr, err := cache.Compact(path)
			if err != nil {
				return fmt.Errorf("check-ins deleted, but the database was not compacted (run `cccd db compact`): %w", err)
			}
			fmt.Fprintf(w, "database compacted: %d → %d bytes\n", cr.SizeBefore, cr.SizeAfter)
			return nil
		},
	}
	c.Flags().StringVar(&before, "before", "", "a date (2026-09-01, local midnight) or an RFC 3339 time; required")
	return c
}

// parseBefore reads --before: a date (local midnight) or an RFC 3339 time,
// not in the future.
func parseBefore(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	var err error
	if t, err = time.ParseInLocation("2006-01-02", s, time.Local); err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return time.Time{}, fmt.Errorf("--before %q: give a date (2026-09-01) or an RFC 3339 time", s)
		}
	}
	if t.After(now) {
		return time.Time{}, fmt.Errorf("--before %s is in the future; give a past date", s)
	}
	return t, nil
}
