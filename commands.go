package main

import "github.com/spf13/cobra"

// addCommands adds the commands that live in their own files (check, replay, lab, serve).
func addCommands(root *cobra.Command) {
}
