package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func runTUI(cmd *cobra.Command, args []string) error {
	return errors.New("the interactive screen is not built yet; use `hopscope analyze FILE`")
}
