package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/reader/sim"
)

func init() {
	registerSim(func() *cobra.Command {
		var addr, profile string
		c := &cobra.Command{
			Use:   "vpcd",
			Short: "Present the simulated card to pcscd through vsmartcard's vpcd driver",
			Long: "Connects the simulated card to vpcd (package vsmartcard-vpcd) so that every PC/SC\n" +
				"program sees it in reader \"Virtual PCD 00 00\" (port 35963; 35964 is \"Virtual PCD 00 01\").\n" +
				"Runs until Ctrl-C or SIGTERM. Type \"remove\" or \"insert\" (one per line) to take the card\n" +
				"out of the reader and put it back.",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				p, err := simProfile(profile)
				if err != nil {
					return err
				}
				newChip := func() (sim.Chip, error) { return sim.NewCard(p) }
				chip, err := newChip()
				if err != nil {
					return fmt.Errorf("sim vpcd: build the card from the profile: %w", err)
				}
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				b := sim.NewBridge(addr)
				b.Insert(chip)
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "sim: card inserted on vpcd %s; type remove / insert, Ctrl-C to stop\n", addr)
				go simCommands(ctx, cmd.InOrStdin(), out, b, newChip)
				if err := b.Run(ctx); err != nil {
					return usageError(err)
				}
				fmt.Fprintln(out, "sim: stopped, card removed")
				return nil
			},
		}
		c.Flags().StringVar(&addr, "addr", sim.DefaultVPCDAddr, "vpcd address of the reader slot (host:port)")
		c.Flags().StringVar(&profile, "profile", "", "simulated card profile (from `cccd sim profile`); default: the demo card")
		return c
	})
}

// simProfile loads the profile file, or the demo profile when none is given.
func simProfile(path string) (*sim.Profile, error) {
	if path == "" {
		p, err := sim.DemoProfile()
		if err != nil {
			return nil, fmt.Errorf("sim vpcd: build the demo card: %w", err)
		}
		return p, nil
	}
	p, err := sim.LoadProfile(path)
	if err != nil {
		return nil, usageError(err)
	}
	return p, nil
}

// simCommands reads "remove" / "insert" lines until ctx ends or input ends.
// Each insert is a fresh card, as a new tap starts with no session.
func simCommands(ctx context.Context, in io.Reader, out io.Writer, b *sim.Bridge, newChip func() (sim.Chip, error)) {
	sc := bufio.NewScanner(in)
	for sc.Scan() && ctx.Err() == nil {
		switch strings.ToLower(strings.TrimSpace(sc.Text())) {
		case "remove":
			b.Remove()
			fmt.Fprintln(out, "sim: card removed")
		case "insert":
			chip, err := newChip()
			if err != nil {
				fmt.Fprintf(out, "sim: cannot build the card: %v\n", err)
				continue
			}
			b.Insert(chip)
			fmt.Fprintln(out, "sim: card inserted")
		case "":
		default:
			fmt.Fprintln(out, "sim: commands are \"remove\" and \"insert\"")
		}
	}
}
