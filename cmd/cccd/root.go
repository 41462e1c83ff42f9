package main

import (
	"github.com/spf13/cobra"
)

// globalFlags are accepted by every command (--data, --config).
type globalFlags struct {
	dataDir    string
	configFile string
	token      string // --token NAME: the named token the CLI uses with a running agent
}

var global globalFlags

// commands are registered by the files of this package, one file per command,
// so that commands can be added without touching this one.
var commands []func() *cobra.Command

func register(c func() *cobra.Command) { commands = append(commands, c) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "cccd",
		Short:         "Read and verify Vietnamese chip ID cards (CCCD) and check health insurance at reception",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&global.dataDir, "data", "", "data directory (default: per OS)")
	root.PersistentFlags().StringVar(&global.configFile, "config", "", "configuration file")
	root.PersistentFlags().StringVar(&global.token, "token", "", "with a running agent: use the named token DATA_DIR/tokens/NAME instead of api-token")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}
