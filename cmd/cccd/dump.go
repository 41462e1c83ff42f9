package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/icao/lds"
)

func init() { register(newDumpCmd) }

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
			bar := newSteps(cmd, "reading the chip")
			c, _, err := f.capture(cmd.Context(), checkin.ReadOptions{AllowBAC: f.allowBAC, Trace: f.tracer(), SkipChipAuth: true, Progress: bar.step()})
			bar.done()
			if err != nil {
				return err
			}
			if err := lds.WriteDir(out, c.Files); err != nil {
				return err
			}
			for _, id := range c.Files.IDs() {
				fmt.Fprintf(cmd.OutOrStdout(), "%-18s %6d bytes\n", lds.DirName(id), len(c.Files.Get(id)))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "access %s, %d APDUs; check with: cccd verify %s\n", c.Access, c.Stats.APDUs, out)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&out, "out", "", "directory to write the files to")
	return cmd
}
