package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui"
	"github.com/hopscope/hopscope/ui/common"
)

func newReplayCmd() *cobra.Command {
	var opts analyze.Options
	cmd := &cobra.Command{
		Use:   "replay PATH...",
		Short: "Replay captures and logs in capture time in the interactive screen",
		Long: `replay reads packet captures, server logs and pasted errors (as analyze does) and
opens the investigation with a time cursor over their evidence: the evidence enters
the ledger in capture-time order and the suspected causes move as they did during
the incident.

Keys: space plays or pauses, → and ← step one piece of evidence, . and , jump to
the next and the previous change in the ranking, < and > to the start and the end.`,
		Example: `  hopscope replay capture.pcap error.log
  hopscope replay testdata/scenarios/keepalive.race`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kb, err := knowledge.Default()
			if err != nil {
				return fmt.Errorf("knowledge: %w", err)
			}
			evs, inputs, err := analyze.Collect(cmd.Context(), kb, args, cmd.InOrStdin(), opts)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return fmt.Errorf("%s: no evidence found to replay", strings.Join(args, ", "))
			}
			open := &common.OpenMsg{Title: replayTitle(args), Evidence: evs, Inputs: inputs, Files: common.Disk{}, Replay: true}
			return runProgram(cmd, ui.Options{Incidents: bundledIncidents(), Open: open})
		},
	}
	cmd.Flags().StringVar(&opts.LogFormat, "log-format", "", "nginx log_format string for access logs in a custom format")
	return cmd
}

// replayTitle names the replayed inputs for the header: "replay of lo.pcap, error.log".
func replayTitle(paths []string) string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
		if p == "-" {
			names[i] = "standard input"
		}
	}
	return "replay of " + strings.Join(names, ", ")
}
