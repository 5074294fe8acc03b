package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newReplayCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "replay",
		Short: "Replay captures and logs in capture time in the interactive screen",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("replay is not available in this build")
		},
	}
}
