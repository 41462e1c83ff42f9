package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/verify"
)

func init() { register(newVerifyCmd) }

func newVerifyCmd() *cobra.Command {
	var (
		trustPaths []string
		asJSON     bool
	)
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Passive authentication of dumped chip files (EF_SOD.bin, DG1.bin, ...)",
		Long: `Check the files ` + "`cccd dump`" + ` wrote: every DGn.bin must be listed in EF_SOD.bin with a
matching hash, the SOD signature must verify with its document signer (DS) certificate, and the
DS must chain to a trusted CSCA (imported with ` + "`cccd trust import`" + ` or given with --trust).
Certificate validity is judged at the SOD's signing time. Exit 4 when the data is forged,
altered, injected or revoked.`,
		Example: `  cccd verify /tmp/card
  cccd verify /tmp/card --trust DE_ML_2026-05-28.ml --trust ./csca/ --json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("verify takes one directory (the --out of cccd dump), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := readDumpDir(args[0])
			if err != nil {
				return err
			}
			trust, err := loadTrust(trustPaths)
			if err != nil {
				return err
			}
			res := verify.Passive(files.SOD(), files.DataGroups(), trust, clock.Now())
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					Verification *verify.Result `json:"verification"`
				}{res}); err != nil {
					return err
				}
			} else {
				printVerification(out, res)
			}
			if res.Status == verify.StatusFailed {
				return withCode(exitVerification, fmt.Errorf("verification failed (%s): the files are forged, altered or incomplete", strings.Join(res.Reasons, ", ")))
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&trustPaths, "trust", nil, "trust anchors: a certificate, master list (.ml), CRL or a directory of them (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"verification": {...}} as in the read JSON`)
	return cmd
}

// readDumpDir reads a directory `cccd dump` wrote; one without EF_SOD.bin is
// a usage error that says how to make one.
func readDumpDir(dir string) (*lds.Files, error) {
	files, err := lds.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, usagef("read the dump: %v", err)
	}
	if files.SOD() == nil {
		return nil, usagef("%s has no %s: write the card's files with `cccd dump --out %s`", dir, lds.DirName(lds.EFSOD), dir)
	}
	return files, nil
}

// printVerification prints the outcome for a technician; no personal data
// is in a Result.
func printVerification(w io.Writer, r *verify.Result) {
	words := map[string]string{
		verify.StatusVerified:        "verified: data signed by the issuing state",
		verify.StatusIntactUntrusted: "intact, issuer not in the trust store (data unaltered; the signing authority is unknown here)",
		verify.StatusFailed:          "FAILED: forged, altered or incomplete",
	}
	fmt.Fprintf(w, "%-12s %s\n", "Verification", words[r.Status])
	fmt.Fprintf(w, "%-12s %s\n", "Signature", r.Passive.Signature)
	fmt.Fprintf(w, "%-12s %s\n", "Chain", r.Passive.Chain)
	if r.Passive.Signer != "" {
		fmt.Fprintf(w, "%-12s %s\n", "Signer", r.Passive.Signer)
	}
	if r.Passive.CSCA != "" {
		fmt.Fprintf(w, "%-12s %s\n", "CSCA", r.Passive.CSCA)
	}
	names := make([]string, 0, len(r.Passive.Hashes))
	for dg := range r.Passive.Hashes {
		names = append(names, dg)
	}
	sort.Slice(names, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(names[i], "DG"))
		b, _ := strconv.Atoi(strings.TrimPrefix(names[j], "DG"))
		return a < b
	})
	for _, dg := range names {
		fmt.Fprintf(w, "%-12s %s\n", dg, r.Passive.Hashes[dg])
	}
	if len(r.Reasons) > 0 {
		fmt.Fprintf(w, "%-12s %s\n", "Reasons", strings.Join(r.Reasons, ", "))
	}
}
