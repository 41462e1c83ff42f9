package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// Stamped at build time with -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func init() {
	register(func() *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print the version, commit and build date",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "cccd %s (commit %s, built %s, %s/%s)\n",
					version, commit, date, runtime.GOOS, runtime.GOARCH)
				return err
			},
		}
	})
}
