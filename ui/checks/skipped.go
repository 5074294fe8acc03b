package checks

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// skippedNotes returns the command that records in the investigation's ledger each check a run did
// not get to, with why: the checks stop at the first hop that fails.
func skippedNotes(r *run, now time.Time) tea.Cmd {
	r.mu.Lock()
	defer r.mu.Unlock()
	failedAt := ""
	for _, row := range r.rows {
		if row.state == failed {
			failedAt = row.id
			break
		}
	}
	var notes []common.Entry
	for _, row := range r.rows {
		if row.state != skipped {
			continue
		}
		reason := "the run ended first"
		if failedAt != "" {
			reason = "the " + failedAt + " check failed first"
		}
		notes = append(notes, common.Entry{At: now, Source: "check " + row.id, Kind: diagnose.FromCheck, Status: "skipped", Detail: reason})
	}
	if len(notes) == 0 {
		return nil
	}
	cmds := make([]tea.Cmd, len(notes))
	for i, e := range notes {
		cmds[i] = func() tea.Msg { return common.NoteMsg{Entry: e} }
	}
	return tea.Batch(cmds...)
}
