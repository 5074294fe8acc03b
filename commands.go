package main

import "github.com/spf13/cobra"

// addCommands adds the commands that live in their own cmd_*.go files.
func addCommands(root *cobra.Command) {
	root.AddCommand(newCheckCmd(), newReplayCmd(), newLabCmd(), newServeCmd(), newTrainCmd())
}
