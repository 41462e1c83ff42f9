package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/checkin"
)

func init() { register(newDumpCmd) }

// dumpName is the file name `cccd dump` writes an EF under, the names
// `cccd verify DIR` reads.
func dumpName(ef string) string {
	switch ef {
	case "COM", "SOD", "CardAccess", "CardSecurity":
		return "EF_" + ef + ".bin"
	}
	return ef + ".bin"
}

func newDumpCmd() *cobra.Command {
	var (
		f   cardFlags
		out string
	)
	cmd := &cobra.Command{
		Use:   "dump",
		Short: "Write the raw files of a chip (EF_SOD.bin, DG1.bin, ...) for `cccd verify`",
		Long: `Read a chip like ` + "`cccd read`" + ` and write every file read, unparsed, into a directory
(mode 0700; files 0600: they hold personal data). ` + "`cccd verify DIR`" + ` checks them offline.`,
		Example: `  cccd dump --sim --can 012345 --out /tmp/card && cccd verify /tmp/card`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out DIR is required")
			}
			c, _, err := f.capture(cmd.Context(), checkin.ReadOptions{AllowBAC: f.allowBAC, Trace: f.tracer(), SkipChipAuth: true})
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o700); err != nil {
				return err
			}
			names := make([]string, 0, len(c.Files))
			for ef := range c.Files {
				names = append(names, ef)
			}
			sort.Strings(names)
			for _, ef := range names {
				if err := os.WriteFile(filepath.Join(out, dumpName(ef)), c.Files[ef], 0o600); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%-18s %6d bytes\n", dumpName(ef), len(c.Files[ef]))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "access %s, %d APDUs; check with: cccd verify %s\n", c.Access, c.Stats.APDUs, out)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&out, "out", "", "directory to write the files to")
	return cmd
}
