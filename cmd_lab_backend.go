package main

import (
	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/lab/backend"
)

// newLabBackendCmd runs one of the lab's misbehaving backends in the foreground. The lab starts
// them itself; the command is hidden but works by hand for trying a failure against a proxy.
func newLabBackendCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "backend --mode MODE --listen HOST:PORT [FLAGS]",
		Short: "Run one of the lab's misbehaving HTTP backends in the foreground",
		Long: `backend runs a small HTTP server that fails the way real backends fail behind a
reverse proxy. Modes: ok, overloaded (tiny backlog, slow accepts), close-body and
stall-body (give up in the middle of a request body), idle-close (closes a
keep-alive connection reused after --idle), fail-path (one path hangs or closes).
Run "hopscope lab backend --help" for the flags.`,
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return backend.Main(args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}
