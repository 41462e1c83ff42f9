package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/passhash"
	"github.com/cccd-agent/cccd/internal/redact"
)

// `cccd staff add|list|disable|passwd`: the receptionists who sign in to the
// console. PINs are read from the terminal or, for scripts, one line of
// standard input (--password-stdin); never from a flag, which other users
// could read in the process list.

func init() {
	register(func() *cobra.Command {
		parent := &cobra.Command{Use: "staff", Short: "Staff accounts that sign in to the console: add, list, disable, passwd", Args: cobra.NoArgs}
		parent.AddCommand(newStaffAddCmd(), newStaffListCmd(), newStaffDisableCmd(), newStaffPasswdCmd())
		return parent
	})
}

// minPIN is the shortest PIN or password accepted.
const minPIN = 6

// readPIN asks for the PIN twice on the terminal, or reads one line of stdin.
func readPIN(cmd *cobra.Command, fromStdin bool, who string) (string, error) {
	var pin string
	if fromStdin {
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the PIN from standard input: %w", err)
		}
		pin = strings.TrimRight(line, "\r\n")
	} else {
		fd := int(os.Stdin.Fd())
		if !term.IsTerminal(fd) {
			return "", usagef("no terminal to ask the PIN on: pipe it in with --password-stdin")
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "PIN or password for %s: ", who)
		a, err := term.ReadPassword(fd)
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", err
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Again: ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", usagef("the two entries differ; nothing was changed")
		}
		pin = string(a)
	}
	if n := utf8.RuneCountInString(pin); n < minPIN || n > 128 || !utf8.ValidString(pin) {
		return "", usagef("a PIN or password must be %d to 128 characters", minPIN)
	}
	return pin, nil
}

// staffError turns the cache's answers about an account into usage errors
// (exit 2) that say what to do.
func staffError(err error, name string) error {
	switch {
	case errors.Is(err, cache.ErrNotFound):
		return usagef("no staff account %q; cccd staff list shows them", name)
	case errors.Is(err, cache.ErrExists):
		return usagef("staff account %q exists already; change its PIN with cccd staff passwd", name)
	case errors.Is(err, cache.ErrInvalid):
		return usageError(err)
	}
	return err
}

func staffAudit(db *cache.DB, event, name string) error {
	return db.AppendAudit(cache.AuditRecord{Time: clock.Now(), Event: event, Staff: name, Result: "ok", Client: "cli"})
}

func newStaffAddCmd() *cobra.Command {
	var cccd, gatewayUser string
	var fromStdin bool
	c := &cobra.Command{
		Use:   "add NAME --cccd 12DIGITS [--gateway-user USER] [--password-stdin]",
		Short: "Add a staff account (the PIN is asked for, never given as a flag)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			now := clock.Now()
			s := cache.Staff{Name: strings.TrimSpace(args[0]), CCCD: cccd, GatewayUser: gatewayUser, Created: now, Changed: now}
			if err := cache.ValidateStaffFields(s); err != nil {
				return usageError(err)
			}
			db, err := openCache()
			if err != nil {
				return err
			}
			defer db.Close()
			if _, err := db.StaffByName(s.Name); err == nil {
				return usagef("staff account %q exists already; change its PIN with cccd staff passwd", s.Name)
			}
			pin, err := readPIN(cmd, fromStdin, s.Name)
			if err != nil {
				return err
			}
			if s.Hash, err = passhash.Hash(pin, passhash.Default); err != nil {
				return err
			}
			if err := db.AddStaff(s); err != nil {
				return staffError(err, s.Name)
			}
			if err := staffAudit(db, "staff-added", s.Name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "staff %s added\n", s.Name)
			return nil
		},
	}
	c.Flags().StringVar(&cccd, "cccd", "", "the staff member's own 12-digit CCCD number (sent to BHXH as cccdCb)")
	c.Flags().StringVar(&gatewayUser, "gateway-user", "", "the BHXH gateway account registered for this person")
	c.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the PIN from the first line of standard input")
	return c
}

func newStaffListCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--json]",
		Short: "List staff accounts (CCCD numbers masked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openCache()
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := db.ListStaff()
			if err != nil {
				return err
			}
			type row struct {
				Name        string `json:"name"`
				CCCD        string `json:"cccd"`
				GatewayUser string `json:"gateway_user"`
				Disabled    bool   `json:"disabled"`
				Created     string `json:"created"`
				Changed     string `json:"pin_changed"`
			}
			rows := []row{}
			for _, s := range list {
				rows = append(rows, row{s.Name, redact.ID(s.CCCD), s.GatewayUser, s.Disabled,
					s.Created.Local().Format("2006-01-02 15:04"), s.Changed.Local().Format("2006-01-02 15:04")})
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCCCD\tGATEWAY USER\tSTATE\tCREATED\tPIN CHANGED")
			for _, r := range rows {
				state := "active"
				if r.Disabled {
					state = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.CCCD, r.GatewayUser, state, r.Created, r.Changed)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newStaffDisableCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "disable NAME",
		Short: "Disable a staff account: it can no longer sign in (its record and audit trail stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := openCache()
			if err != nil {
				return err
			}
			defer db.Close()
			var name string
			if err := db.UpdateStaff(args[0], func(s *cache.Staff) error { s.Disabled = true; name = s.Name; return nil }); err != nil {
				return staffError(err, args[0])
			}
			if err := staffAudit(db, "staff-disabled", name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "staff %s disabled\n", name)
			return nil
		},
	}
}

func newStaffPasswdCmd() *cobra.Command {
	var fromStdin bool
	c := &cobra.Command{
		Use:   "passwd NAME [--password-stdin]",
		Short: "Set a staff account's PIN or password",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := openCache()
			if err != nil {
				return err
			}
			defer db.Close()
			st, err := db.StaffByName(args[0])
			if err != nil {
				return staffError(err, args[0])
			}
			pin, err := readPIN(cmd, fromStdin, st.Name)
			if err != nil {
				return err
			}
			hash, err := passhash.Hash(pin, passhash.Default)
			if err != nil {
				return err
			}
			if err := db.UpdateStaff(st.Name, func(s *cache.Staff) error { s.Hash, s.Changed = hash, clock.Now(); return nil }); err != nil {
				return err
			}
			if err := staffAudit(db, "staff-passwd", st.Name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "PIN of %s changed\n", st.Name)
			return nil
		},
	}
	c.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the PIN from the first line of standard input")
	return c
}
