package main

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui"
)

// bundled holds the recorded incidents the home screen offers, so that the first run shows
// hopscope working on a real example with nothing else installed: the lab's recorded scenarios and
// incidents written from pasted text.
//
//go:embed testdata/scenarios testdata/incidents
var bundled embed.FS

// bundledIncidents returns the bundle as the file system package ui reads incidents from.
func bundledIncidents() fs.FS { return bundled }

// runTUI opens the interactive screen on the home screen.
func runTUI(cmd *cobra.Command, args []string) error {
	return runProgram(cmd, ui.Options{Incidents: bundledIncidents()})
}

// runProgram runs the interactive screen on the command's terminal until the operator quits.
func runProgram(cmd *cobra.Command, opts ui.Options) error {
	if !term.IsTerminal(os.Stdout.Fd()) {
		return errors.New("the interactive screen needs a terminal (ssh -t for a remote one); for files use `hopscope analyze PATH`")
	}
	kb, err := knowledge.Default()
	if err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	p := tea.NewProgram(ui.New(kb, opts), tea.WithContext(cmd.Context()))
	if _, err := p.Run(); err != nil {
		return fmt.Errorf("interactive screen: %w", err)
	}
	return nil
}
