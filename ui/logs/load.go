package logs

import (
	"context"

	tea "charm.land/bubbletea/v2"

	logread "github.com/hopscope/hopscope/diagnose/logs"
)

// source is one log the pane shows: read once, on its own goroutine, when the investigation first
// names it.
type source struct {
	path    string
	loading bool
	ov      logread.Overview
	err     error
}

// loadedMsg carries a log's overview once it is read.
type loadedMsg struct {
	path string
	ov   logread.Overview
	err  error
}

// load reads a log's overview off the update loop.
func load(ctx context.Context, path string) tea.Cmd {
	return func() tea.Msg {
		ov, err := logread.ReadOverview(ctx, path, logread.Options{})
		return loadedMsg{path: path, ov: ov, err: err}
	}
}
