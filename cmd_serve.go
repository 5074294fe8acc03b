package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve the interactive screen to a team over SSH",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("serve is not available in this build")
		},
	}
}
