package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/api"
	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/verify"
)

func init() {
	registerTrust(newTrustImportCmd)
	registerTrust(newTrustListCmd)
}

func newTrustImportCmd() *cobra.Command {
	var mlRoots []string
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Store trust anchors: CSCA certificates (PEM or DER), master lists (.ml), CRLs",
		Long: `Check each file and store it in the data directory's cache, where ` + "`cccd read`" + `, ` + "`cccd verify`" + `
and ` + "`cccd serve`" + ` find it. The kind is detected from the content: a certificate (PEM or DER), a CSCA
master list (its CMS signature must verify with the signer embedded in it) or a CRL (its signature
must verify with a CSCA already imported or given in the same command). A master list is trusted
as a whole: with --ml-root, its signer must be issued by one of the given roots (the publishing
state's master-list CA, e.g. DE_ROOT_CA_CSCA07.cer).`,
		Example: `  cccd trust import DE_ML_2026-05-28.ml --ml-root DE_ROOT_CA_CSCA07.cer
  cccd trust import csca-vn.pem vn.crl`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("trust import needs at least one file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var files []verify.TrustFile
			for _, p := range args {
				b, err := os.ReadFile(p)
				if err != nil {
					return usagef("read %s: %v", p, err)
				}
				items, err := verify.DecodeTrustFile(b)
				if err != nil {
					return usagef("%s: %v", p, err)
				}
				files = append(files, verify.TrustFile{Name: filepath.Base(p), Items: items})
			}
			roots, err := readMLRoots(mlRoots)
			if err != nil {
				return err
			}
			if ac, err := findAgent(cmd.Context()); err != nil {
				return err
			} else if ac != nil {
				if len(roots) > 0 {
					return usagef("--ml-root needs the database itself: the agent at %s holds it; stop the agent for this import", ac.base)
				}
				return agentTrustImport(cmd, ac, args)
			}
			db, err := openCache()
			if err != nil {
				return fmt.Errorf("open the data directory: %w", err)
			}
			defer db.Close()
			stored, err := storedTrust(db)
			if err != nil {
				return err
			}
			check, err := verify.CheckImport(stored, files, roots)
			var refused *verify.ImportError
			if errors.As(err, &refused) {
				return usagef("%v", err)
			}
			if err != nil {
				return err
			}
			for _, name := range check.UnrootedLists {
				fmt.Fprintf(cmd.ErrOrStderr(), "cccd: note: master list %s is trusted on its own signature only; "+
					"add --ml-root with the publishing state's master-list CA to check who signed it\n", name)
			}
			for _, f := range files {
				for _, it := range f.Items {
					if err := db.PutTrust(it.Kind, it.DER, f.Name); err != nil {
						return err
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d certificates, %d master lists, %d CRLs; %d trusted certificates in total\n",
				check.Counts[verify.KindCertificate], check.Counts[verify.KindMasterList], check.Counts[verify.KindCRL], check.Trusted)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&mlRoots, "ml-root", nil, "certificate (PEM or DER) that must have issued each master list's signer (repeatable)")
	return cmd
}

// agentTrustImport sends each file to the running agent, in order (a CRL
// after the CSCA that signed it), and prints what the local import prints.
// A file the agent refuses exits 2, as without an agent; the files before it
// stay imported.
func agentTrustImport(cmd *cobra.Command, ac *agentClient, paths []string) error {
	var sum trustImportResult
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return usagef("read %s: %v", p, err)
		}
		res, err := ac.importTrust(cmd.Context(), filepath.Base(p), b)
		var refused *api.RefusedError
		if errors.As(err, &refused) {
			return usagef("%v", err)
		}
		if err != nil {
			return err
		}
		for _, name := range res.UnrootedLists {
			fmt.Fprintf(cmd.ErrOrStderr(), "cccd: note: master list %s is trusted on its own signature only; "+
				"add --ml-root with the publishing state's master-list CA to check who signed it\n", name)
		}
		sum.Certificates += res.Certificates
		sum.MasterLists += res.MasterLists
		sum.CRLs += res.CRLs
		sum.Trusted = res.Trusted
	}
	fmt.Fprintf(cmd.OutOrStdout(), "imported %d certificates, %d master lists, %d CRLs; %d trusted certificates in total\n",
		sum.Certificates, sum.MasterLists, sum.CRLs, sum.Trusted)
	return nil
}

// readMLRoots parses the --ml-root certificates.
func readMLRoots(paths []string) ([]*verify.Certificate, error) {
	var roots []*verify.Certificate
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, usagef("--ml-root: %v", err)
		}
		items, err := verify.DecodeTrustFile(b)
		if err != nil {
			return nil, usagef("--ml-root %s: %v", p, err)
		}
		for _, it := range items {
			if it.Kind != verify.KindCertificate {
				return nil, usagef("--ml-root %s: not a certificate", p)
			}
			c, err := verify.ParseCertificate(it.DER)
			if err != nil {
				return nil, usagef("--ml-root %s: %v", p, err)
			}
			roots = append(roots, c)
		}
	}
	return roots, nil
}

// trustListEntry is one row of `cccd trust list --json`.
type trustListEntry struct {
	Subject   string    `json:"subject"`
	Country   string    `json:"country"`
	SKI       string    `json:"ski"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	Key       string    `json:"key"`
	Source    string    `json:"source"`
}

func newTrustListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the imported trusted certificates (subject, country, SKI, validity, source)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rows []trustListEntry
			var crls []verify.CRLInfo
			if ac, err := findAgent(cmd.Context()); err != nil {
				return err
			} else if ac != nil {
				var l trustListing
				if err := ac.get(cmd.Context(), "api/v1/trust", &l); err != nil {
					return err
				}
				rows, crls = l.Anchors, l.CRLs
			} else {
				db, err := openCacheRead()
				if err != nil {
					return err
				}
				defer db.Close()
				if rows, crls, err = trustRows(db); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			printTrustRows(out, rows)
			printCRLs(out, crls, clock.Now())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

// trustRows lists every stored certificate, master-list certificates
// included, labelled with the file it was imported from, and the stored
// CRLs whose issuer is among them.
func trustRows(db *cache.DB) ([]trustListEntry, []verify.CRLInfo, error) {
	store, err := storedTrustStore(db)
	if err != nil {
		return nil, nil, fmt.Errorf("stored trust anchors: %w", err)
	}
	rows := []trustListEntry{}
	for _, a := range store.Anchors() {
		rows = append(rows, trustListEntry{
			Subject: a.Cert.SubjectString(), Country: a.Cert.Country(), SKI: hex.EncodeToString(a.Cert.SubjectKeyID),
			NotBefore: a.Cert.NotBefore, NotAfter: a.Cert.NotAfter, Key: a.Cert.KeyDescription(), Source: a.Source,
		})
	}
	return rows, store.CRLs(), nil
}

func printTrustRows(w io.Writer, rows []trustListEntry) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "no trust anchors imported: add some with `cccd trust import FILE...`")
		return
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%-2s  %s  %s..%s  %-22s  %s  [%s]\n", r.Country, r.SKI,
			r.NotBefore.Format("2006-01-02"), r.NotAfter.Format("2006-01-02"), r.Key, r.Subject, r.Source)
	}
	fmt.Fprintf(w, "%d trusted certificates\n", len(rows))
}

// printCRLs lists the CRLs, marking those past their next update at now:
// a DS revoked since then would not be noticed (verification results say
// "crl-outdated").
func printCRLs(w io.Writer, crls []verify.CRLInfo, now time.Time) {
	for _, c := range crls {
		next, note := "no next update", ""
		if !c.NextUpdate.IsZero() {
			next = "next " + c.NextUpdate.Format("2006-01-02")
			if now.After(c.NextUpdate) {
				note = "  OUTDATED: import a newer CRL"
			}
		}
		fmt.Fprintf(w, "CRL  %s, %s, %d revoked  %s%s\n", c.ThisUpdate.Format("2006-01-02"), next, c.Entries, c.Issuer, note)
	}
	if len(crls) > 0 {
		fmt.Fprintf(w, "%d CRLs\n", len(crls))
	}
}
