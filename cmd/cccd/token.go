package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/api"
)

// `cccd token create NAME | list | revoke NAME`: named bearer tokens for
// programs (the HIS, a lab system), each in its own 0600 file under
// DATA_DIR/tokens, so each can be revoked alone and is named in the audit
// trail. DATA_DIR/api-token stays the "default" token.

func init() {
	register(func() *cobra.Command {
		parent := &cobra.Command{Use: "token", Short: "Named API tokens for programs: create, list, revoke", Args: cobra.NoArgs}
		parent.AddCommand(newTokenCreateCmd(), newTokenListCmd(), newTokenRevokeCmd())
		return parent
	})
}

func tokenError(err error) error {
	if errors.Is(err, api.ErrTokenName) {
		return usageError(err)
	}
	return err
}

func newTokenCreateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "create NAME",
		Short: "Make a token named NAME and print it once (it is also in DATA_DIR/tokens/NAME, mode 0600)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := api.ValidTokenName(args[0]); err != nil {
				return usageError(err)
			}
			dir, err := dataDir()
			if err != nil {
				return err
			}
			tok, err := api.CreateToken(dir, args[0])
			if err != nil {
				return tokenError(err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
}

func newTokenListCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the tokens by name (never the tokens themselves)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := dataDirPath()
			if err != nil {
				return err
			}
			list, err := api.ListTokens(dir)
			if err != nil {
				return err
			}
			if list == nil {
				list = []api.TokenInfo{}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCREATED")
			for _, t := range list {
				fmt.Fprintf(tw, "%s\t%s\n", t.Name, t.Created.Local().Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newTokenRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Delete the token named NAME; a running agent refuses it from its next request on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := dataDirPath()
			if err != nil {
				return err
			}
			if err := api.RevokeToken(dir, args[0]); err != nil {
				return tokenError(err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "token %s revoked\n", args[0])
			return err
		},
	}
}
