package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/config"
)

// `cccd roster import | status | lookup`: the local roster in the cache.
// A missing file or a malformed ID exits 2; a rejected roster file, a
// missing roster or a cache failure exits 6.

func init() {
	registerRoster(newRosterImportCmd)
	registerRoster(newRosterStatusCmd)
	registerRoster(newRosterLookupCmd)
}

func newRosterImportCmd() *cobra.Command {
	var force, dryRun bool
	c := &cobra.Command{
		Use:   "import FILE [--force] [--dry-run]",
		Short: "Replace the local roster with a CSV file (gateway field names in the header), all or nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return usageError(fmt.Errorf("open roster file: %w", err))
			}
			defer f.Close()
			db, err := openCache()
			if err != nil {
				return withCode(exitRoster, err)
			}
			defer db.Close()
			if dryRun {
				return rosterDryRun(cmd, db, f, force)
			}
			m, err := db.ImportCSV(cmd.Context(), f, cache.ImportOptions{Source: "import:" + filepath.Base(args[0]), Now: clock.Now(), Force: force})
			if err != nil {
				printImportErrors(cmd.ErrOrStderr(), err)
				return withCode(exitRoster, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported roster version %d: %d records from %s\n", m.Version, m.Records, args[0])
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "replace the roster even with half of the records it holds or fewer")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print what the import would change (added, changed, removed, invalid) and write nothing")
	return c
}

// rosterDryRun prints the counts of an import and whether it would be
// refused; the exit code is the one the import would have.
func rosterDryRun(cmd *cobra.Command, db *cache.DB, f io.Reader, force bool) error {
	c, err := db.DryRunCSV(cmd.Context(), f)
	var ie *cache.ImportError
	if err != nil && !errors.As(err, &ie) {
		return withCode(exitRoster, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "dry run, nothing written: %d added, %d changed, %d unchanged, %d removed, %d invalid\n",
		c.Added, c.Changed, c.Unchanged, c.Removed, c.Invalid)
	if err != nil {
		printImportErrors(cmd.ErrOrStderr(), err)
		return withCode(exitRoster, err)
	}
	if n := c.Added + c.Changed + c.Unchanged; !force && 2*n <= c.Unchanged+c.Changed+c.Removed {
		return withCode(exitRoster, fmt.Errorf("%w: the file holds %d records, the roster held has %d; the import would need --force", cache.ErrShrink, n, c.Unchanged+c.Changed+c.Removed))
	}
	return nil
}

// printImportErrors lists every bad line the importer reported; the error
// itself (printed by main) names only the first.
func printImportErrors(w io.Writer, err error) {
	var ie *cache.ImportError
	if !errors.As(err, &ie) || len(ie.Lines) < 2 {
		return
	}
	for _, le := range ie.Lines {
		fmt.Fprintln(w, le.Error())
	}
	if more := ie.Count - len(ie.Lines); more > 0 {
		fmt.Fprintf(w, "... and %d more bad lines\n", more)
	}
}

// rosterStatus is the JSON of `roster status --json`.
type rosterStatus struct {
	cache.RosterMeta
	AgeSeconds int64 `json:"age_seconds"` // since publication (or sync); -1 without a roster
}

func newRosterStatusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status [--json]",
		Short: "Show the local roster's version, age, record count and last sync error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openCache()
			if err != nil {
				return withCode(exitRoster, err)
			}
			defer db.Close()
			m, err := db.RosterMeta()
			if err != nil {
				return withCode(exitRoster, err)
			}
			st := rosterStatus{RosterMeta: m, AgeSeconds: -1}
			if asOf := m.AsOf(); m.Version > 0 && !asOf.IsZero() {
				st.AgeSeconds = int64(clock.Since(asOf) / time.Second)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return rosterPrintJSON(w, st)
			}
			if m.Version == 0 {
				fmt.Fprintln(w, "no roster yet: import one with `cccd roster import FILE` or run `cccd roster sync`")
			} else {
				fmt.Fprintf(w, "version:   %d\nrecords:   %d\nsource:    %s\npublished: %s (%s ago)\nsynced:    %s\n",
					m.Version, m.Records, m.Source, rosterLocalTime(m.Published), time.Duration(st.AgeSeconds)*time.Second, rosterLocalTime(m.Synced))
			}
			if !m.LastAttempt.IsZero() {
				fmt.Fprintf(w, "last sync: %s\n", rosterLocalTime(m.LastAttempt))
			}
			if m.LastError != "" {
				fmt.Fprintf(w, "last error: %s\n", m.LastError)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newRosterLookupCmd() *cobra.Command {
	var asJSON bool
	var lang string
	c := &cobra.Command{
		Use:   "lookup ID [--json]",
		Short: "Show a person's insurance eligibility from the local roster (12-digit ID, card number or BHXH number)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key := strings.ToUpper(strings.TrimSpace(args[0]))
			kind := lookupKind(key)
			if kind == "" {
				return usagef("roster lookup needs a 12-digit ID number, a 15-character or 10-digit card number")
			}
			if lang != "vi" && lang != "en" {
				return usagef("--lang must be vi or en")
			}
			cfg, err := config.Load(global.configFile)
			if err != nil {
				return usageError(err)
			}
			db, err := openCache()
			if err != nil {
				return withCode(exitRoster, err)
			}
			defer db.Close()
			m, err := db.RosterMeta()
			if err != nil {
				return withCode(exitRoster, err)
			}
			if m.Version == 0 {
				return withCode(exitRoster, errors.New("no roster yet: import one with `cccd roster import FILE` or run `cccd roster sync`"))
			}
			var rec cache.RosterRecord
			var ok bool
			switch kind {
			case "id":
				rec, ok, err = db.LookupRoster(key)
			case "card":
				rec, ok, err = db.LookupRosterByCard(key)
			default:
				rec, ok, err = db.LookupRosterBySocialID(key)
			}
			if err != nil {
				return withCode(exitRoster, err)
			}
			e := checkin.Evaluate(checkin.RosterInput(rec, ok, m.AsOf()), clock.Now(), checkin.EligibilityConfig{
				Facility: cfg.Facility.Code, Freshness: time.Duration(cfg.Roster.Freshness), Lang: lang})
			if asJSON {
				return rosterPrintJSON(cmd.OutOrStdout(), e)
			}
			printEligibility(cmd.OutOrStdout(), e)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the eligibility JSON")
	c.Flags().StringVar(&lang, "lang", "vi", "message language: vi or en")
	return c
}

// lookupKind tells an ID number ("id") from a card number ("card": 15
// characters, or 10 digits, which is also the BHXH number) and "" for
// neither.
func lookupKind(s string) string {
	digits := strings.Trim(s, "0123456789") == ""
	switch {
	case len(s) == 12 && digits:
		return "id"
	case len(s) == 15 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && strings.Trim(s[2:], "0123456789") == "":
		return "card"
	case len(s) == 10 && digits:
		return "bhxh"
	}
	return ""
}

func printEligibility(w io.Writer, e checkin.Eligibility) {
	fmt.Fprintf(w, "status:  %s (code %s, from %s as of %s)\n", e.Status, e.Code, e.Source, rosterLocalTime(e.AsOf))
	fmt.Fprintf(w, "message: %s\n", e.Message)
	if e.Card.MaThe == "" {
		return
	}
	here := "no"
	if e.RegisteredHere {
		here = "yes"
	}
	fmt.Fprintf(w, "card:    %s, valid %s – %s, benefit %s\n", e.Card.MaThe, e.Card.GtTheTu, e.Card.GtTheDen, rosterDash(e.Card.MucHuong))
	fmt.Fprintf(w, "registered at: %s %s (here: %s)\n", e.Card.MaDKBD, e.Card.TenDKBD, here)
}

func rosterDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func rosterLocalTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func rosterPrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
