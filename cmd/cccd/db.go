package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/cache"
)

// `cccd db compact`: rewrite the database without its free pages, so that
// deleted records (purged check-ins, old rosters) do not linger in them. It
// needs the agent stopped (the file is locked while cccd serve runs); the
// agent also compacts at start when free pages exceed a fifth of the file.

func init() {
	register(func() *cobra.Command {
		parent := &cobra.Command{Use: "db", Short: "The database file: compact", Args: cobra.NoArgs}
		parent.AddCommand(newDBCompactCmd())
		return parent
	})
}

func newDBCompactCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the database without free pages (deleted records gone from the file); needs the agent stopped",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := dataDir()
			if err != nil {
				return err
			}
			start := time.Now()
			res, err := cache.Compact(filepath.Join(dir, cacheFileName))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "compacted %s: %d → %d bytes (%d bytes were free) in %v\n",
				filepath.Join(dir, cacheFileName), res.SizeBefore, res.SizeAfter, res.FreeBefore, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}
