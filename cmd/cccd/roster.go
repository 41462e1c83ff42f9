package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/api"
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
			var res rosterImportResult
			if ac, err := findAgent(cmd.Context()); err != nil {
				return err
			} else if ac != nil {
				bar := newProgress(cmd, fileSize(f), "importing roster")
				res, err = ac.importRoster(cmd.Context(), bar.reader(f), filepath.Base(args[0]), force, dryRun)
				bar.done()
				return printRosterImport(cmd, res, err, args[0])
			}
			db, err := openCache()
			if err != nil {
				return withCode(exitRoster, err)
			}
			defer db.Close()
			bar := newProgress(cmd, fileSize(f), "importing roster")
			res, err = importRoster(cmd.Context(), db, bar.reader(f), filepath.Base(args[0]), force, dryRun)
			bar.done()
			return printRosterImport(cmd, res, err, args[0])
		},
	}
	c.Flags().BoolVar(&force, "force", false, "replace the roster even with half of the records it holds or fewer")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print what the import would change (added, changed, removed, invalid) and write nothing")
	return c
}

// rosterImportResult is what a roster import did: the JSON answer of
// POST /api/v1/roster/import as well.
type rosterImportResult struct {
	DryRun  bool                `json:"dry_run"`
	Version uint64              `json:"version,omitempty"` // the roster version stored (not on a dry run)
	Records int                 `json:"records,omitempty"`
	Counts  *cache.ImportCounts `json:"counts,omitempty"` // a dry run's counts
}

// importRoster imports (or, dryRun, counts) the CSV in r into db, the same
// in the CLI and in the agent (POST /api/v1/roster/import). A file the
// rules refuse (bad lines, a shrink to half or less without force) gives an
// *api.RefusedError naming the bad lines, with the dry run's counts.
func importRoster(ctx context.Context, db *cache.DB, r io.Reader, name string, force, dryRun bool) (rosterImportResult, error) {
	if dryRun {
		c, err := db.DryRunCSV(ctx, r)
		var ie *cache.ImportError
		if err != nil && !errors.As(err, &ie) {
			return rosterImportResult{}, err
		}
		res := rosterImportResult{DryRun: true, Counts: &c}
		if err != nil {
			return res, refusedImport(err, res)
		}
		if n := c.Added + c.Changed + c.Unchanged; !force && 2*n <= c.Unchanged+c.Changed+c.Removed {
			return res, &api.RefusedError{Result: res, Err: fmt.Errorf("%w: the file holds %d records, the roster held has %d; the import would need --force",
				cache.ErrShrink, n, c.Unchanged+c.Changed+c.Removed)}
		}
		return res, nil
	}
	m, err := db.ImportCSV(ctx, r, cache.ImportOptions{Source: "import:" + name, Now: clock.Now(), Force: force})
	var ie *cache.ImportError
	if errors.As(err, &ie) || errors.Is(err, cache.ErrShrink) {
		return rosterImportResult{}, refusedImport(err, nil)
	}
	if err != nil {
		return rosterImportResult{}, err
	}
	return rosterImportResult{Version: m.Version, Records: m.Records}, nil
}

// refusedImport wraps a refused roster file with the lines to list.
func refusedImport(err error, result any) error {
	re := &api.RefusedError{Err: err}
	if result != nil {
		re.Result = result
	}
	var ie *cache.ImportError
	if errors.As(err, &ie) && len(ie.Lines) >= 2 {
		for _, le := range ie.Lines {
			re.Lines = append(re.Lines, le.Error())
		}
		if more := ie.Count - len(ie.Lines); more > 0 {
			re.Lines = append(re.Lines, fmt.Sprintf("... and %d more bad lines", more))
		}
	}
	return re
}

// printRosterImport prints what importRoster (or the agent) answered; the
// exit code is 6 for a refused file or a cache failure.
func printRosterImport(cmd *cobra.Command, res rosterImportResult, err error, file string) error {
	if res.DryRun && res.Counts != nil {
		c := res.Counts
		fmt.Fprintf(cmd.OutOrStdout(), "dry run, nothing written: %d added, %d changed, %d unchanged, %d removed, %d invalid\n",
			c.Added, c.Changed, c.Unchanged, c.Removed, c.Invalid)
	}
	if err != nil {
		var re *api.RefusedError
		if errors.As(err, &re) {
			for _, l := range re.Lines {
				fmt.Fprintln(cmd.ErrOrStderr(), l)
			}
		}
		if exitCode(err) != exitFailure {
			return err // the agent client chose a code (usage, no agent)
		}
		return withCode(exitRoster, err)
	}
	if !res.DryRun {
		fmt.Fprintf(cmd.OutOrStdout(), "imported roster version %d: %d records from %s\n", res.Version, res.Records, file)
	}
	return nil
}

// rosterStatus is the JSON of `roster status --json`.
type rosterStatus struct {
	cache.RosterMeta
	AgeSeconds int64 `json:"age_seconds"` // since publication (or sync); -1 without a roster
}

// rosterStatusOf reads the roster's state from db: `roster status` and
// GET /api/v1/roster.
func rosterStatusOf(db *cache.DB) (rosterStatus, error) {
	m, err := db.RosterMeta()
	if err != nil {
		return rosterStatus{}, err
	}
	st := rosterStatus{RosterMeta: m, AgeSeconds: -1}
	if asOf := m.AsOf(); m.Version > 0 && !asOf.IsZero() {
		st.AgeSeconds = int64(clock.Since(asOf) / time.Second)
	}
	return st, nil
}

func newRosterStatusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status [--json]",
		Short: "Show the local roster's version, age, record count and last sync error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st rosterStatus
			if ac, err := findAgent(cmd.Context()); err != nil {
				return orCode(exitRoster, err)
			} else if ac != nil {
				if err := ac.get(cmd.Context(), "api/v1/roster", &st); err != nil {
					return orCode(exitRoster, err)
				}
			} else {
				db, err := openCacheRead()
				if err != nil {
					return orCode(exitRoster, err)
				}
				st, err = rosterStatusOf(db)
				db.Close()
				if err != nil {
					return orCode(exitRoster, err)
				}
			}
			m := st.RosterMeta
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
			var e checkin.Eligibility
			if ac, err := findAgent(cmd.Context()); err != nil {
				return orCode(exitRoster, err)
			} else if ac != nil {
				q := url.Values{"key": {key}, "lang": {lang}}
				if err := ac.get(cmd.Context(), "api/v1/roster/lookup?"+q.Encode(), &e); err != nil {
					return orCode(exitRoster, err)
				}
			} else {
				cfg, err := config.Load(global.configFile)
				if err != nil {
					return usageError(err)
				}
				db, err := openCacheRead()
				if err != nil {
					return orCode(exitRoster, err)
				}
				e, err = rosterLookup(db, cfg, key, lang)
				db.Close()
				if err != nil {
					return orCode(exitRoster, err)
				}
			}
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

// errNoRoster is a lookup before any roster was imported or synced.
var errNoRoster = errors.New("no roster yet: import one with `cccd roster import FILE` or run `cccd roster sync`")

// rosterLookup answers eligibility for key (an ID, card or BHXH number)
// from the roster in db alone: `roster lookup` and GET /api/v1/roster/lookup.
func rosterLookup(db *cache.DB, cfg config.Config, key, lang string) (checkin.Eligibility, error) {
	kind := lookupKind(key)
	if kind == "" {
		return checkin.Eligibility{}, fmt.Errorf("roster lookup needs a 12-digit ID number, a 15-character or 10-digit card number: %w", checkin.ErrBadInput)
	}
	if lang != "vi" && lang != "en" {
		return checkin.Eligibility{}, fmt.Errorf("lang must be vi or en: %w", checkin.ErrBadInput)
	}
	m, err := db.RosterMeta()
	if err != nil {
		return checkin.Eligibility{}, err
	}
	if m.Version == 0 {
		return checkin.Eligibility{}, errNoRoster
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
		return checkin.Eligibility{}, err
	}
	return checkin.Evaluate(checkin.RosterInput(rec, ok, m.AsOf()), clock.Now(), checkin.EligibilityConfig{
		Facility: cfg.Facility.Code, Freshness: time.Duration(cfg.Roster.Freshness), Lang: lang}), nil
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
