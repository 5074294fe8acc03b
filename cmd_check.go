package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Run live checks against a target, directly or through a forward proxy",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("check is not available in this build")
		},
	}
}
