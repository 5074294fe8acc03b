package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newLabCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lab",
		Short: "Stand up real broken servers for each cause (root)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("lab is not available in this build")
		},
	}
}
