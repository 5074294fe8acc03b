package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/knowledge"
)

func newPlaybooksCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "playbooks",
		Short: "List the playbooks, their causes and the signals that tell them apart",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			kb, err := knowledge.Default()
			if err != nil {
				return fmt.Errorf("knowledge: %w", err)
			}
			if asJSON {
				return writePlaybooksJSON(cmd.OutOrStdout(), kb)
			}
			writePlaybooksText(cmd.OutOrStdout(), kb)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

type playbooksJSON struct {
	Playbooks []*knowledge.Playbook `json:"playbooks"`
	Causes    []*knowledge.Cause    `json:"causes"`
	Signals   []*knowledge.Signal   `json:"signals"`
	Checks    []*knowledge.Check    `json:"checks"`
}

func writePlaybooksJSON(w io.Writer, kb *knowledge.Base) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(playbooksJSON{Playbooks: kb.Playbooks, Causes: kb.Causes, Signals: kb.Signals, Checks: kb.Checks})
}

func writePlaybooksText(w io.Writer, kb *knowledge.Base) {
	for _, p := range kb.Playbooks {
		fmt.Fprintf(w, "%s — %s\n", p.ID, p.Title)
		for _, c := range p.Causes {
			fmt.Fprintf(w, "  %-36s %s\n", c.ID, c.Title)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d signals, %d checks. `hopscope playbooks --json` lists them all.\n", len(kb.Signals), len(kb.Checks))
}
