package main

import "github.com/spf13/cobra"

// Command groups whose subcommands live in separate files: each file adds its
// subcommand with registerSim / registerRoster / registerTrust / registerCheckins
// from an init function.
var (
	simSubcommands      []func() *cobra.Command
	rosterSubcommands   []func() *cobra.Command
	trustSubcommands    []func() *cobra.Command
	checkinsSubcommands []func() *cobra.Command
)

func registerSim(c func() *cobra.Command)      { simSubcommands = append(simSubcommands, c) }
func registerRoster(c func() *cobra.Command)   { rosterSubcommands = append(rosterSubcommands, c) }
func registerTrust(c func() *cobra.Command)    { trustSubcommands = append(trustSubcommands, c) }
func registerCheckins(c func() *cobra.Command) { checkinsSubcommands = append(checkinsSubcommands, c) }

func init() {
	group := func(use, short string, subs *[]func() *cobra.Command) {
		register(func() *cobra.Command {
			parent := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs}
			for _, c := range *subs {
				parent.AddCommand(c())
			}
			return parent
		})
	}
	group("sim", "Simulated CCCD chip: make profiles, present one to pcscd", &simSubcommands)
	group("roster", "Local insurance roster: import, publish, sync, status, lookup", &rosterSubcommands)
	group("trust", "Trust anchors for passive authentication: import, list", &trustSubcommands)
	group("checkins", "Check-in records: list, export, purge", &checkinsSubcommands)
}
