package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
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
the next and the previous change in the ranking, < and > to the start and the end.

A large capture opens before it is read to the end: the replay starts on what is read
so far, the status line says how far the reading has come, and the timeline grows as
the rest is read (> then keeps the cursor at the end of what is read, until all of it
is in).`,
		Example: `  hopscope replay capture.pcap error.log
  hopscope replay testdata/scenarios/keepalive.race`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(cmd, args, opts)
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

// The reading of a replay's inputs: updates come at most every readInterval (enough for a
// progress line to move smoothly), and inputs read within firstWait (most captures and logs) open
// as a whole, so that what cannot be replayed is said on the command line, before any screen.
const (
	readInterval = 100 * time.Millisecond
	firstWait    = 20 * time.Millisecond
)

// runReplay reads the inputs and replays them. The reading goes on behind the screen for as long
// as it takes, and stops when the screen is closed.
func runReplay(cmd *cobra.Command, args []string, opts analyze.Options) error {
	kb, err := knowledge.Default()
	if err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	for _, p := range args {
		// A name that is not there is said at once, even after a large capture that would
		// otherwise open the screen first.
		if _, err := os.Stat(p); p != "-" && err != nil {
			return fmt.Errorf("%s: %w", p, errors.Unwrap(err))
		}
	}
	ctx, cancel := context.WithCancel(cmd.Context())
	updates := analyze.Stream(ctx, kb, args, cmd.InOrStdin(), opts, readInterval)
	defer func() {
		// The reading stops, and has stopped, before replay returns.
		cancel()
		for range updates {
		}
	}()
	held, whole := firstUpdates(updates, firstWait)
	if !whole && !term.IsTerminal(os.Stdout.Fd()) {
		// No screen to open early: all is read, and what cannot be replayed is said as it is for
		// a small input.
		for u := range updates {
			held = append(held, u)
		}
		whole = true
	}
	open := &common.OpenMsg{Title: replayTitle(args), Files: common.Disk{}, Replay: true}
	if whole {
		var tl analyze.Timeline
		for _, u := range held {
			takeWhole(&tl, u)
		}
		last := held[len(held)-1]
		if last.Err != nil {
			return last.Err
		}
		if len(tl.Evidence()) == 0 {
			return fmt.Errorf("%s: no evidence found to replay", strings.Join(args, ", "))
		}
		open.Evidence, open.Inputs = tl.Evidence(), last.Inputs
	} else {
		open.Reading, open.Read, open.Stop = updates, held, cancel
	}
	return runProgram(cmd, ui.Options{Incidents: bundledIncidents(), Open: open})
}

// firstUpdates takes the updates that come within wait; whole reports that the last one came
// with them.
func firstUpdates(updates <-chan analyze.Update, wait time.Duration) (held []analyze.Update, whole bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case u := <-updates:
			held = append(held, u)
			if u.Done {
				return held, true
			}
		case <-timer.C:
			return held, false
		}
	}
}

// takeWhole adds an update to a timeline read before the screen opens.
func takeWhole(tl *analyze.Timeline, u analyze.Update) {
	for _, ev := range u.Evidence {
		tl.Add(ev)
	}
	for _, a := range u.Attempts {
		tl.AddAttempt(a)
	}
	if u.Done {
		tl.Finish()
	}
}
