package ui

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/bundle"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/checks"
	"github.com/hopscope/hopscope/ui/common"
)

// reportTimeout bounds writing a bundle from the screen: trimming reads each capture three times,
// which takes seconds for a gigabyte; a minute means something is wrong.
const reportTimeout = time.Minute

// writeReport writes the investigation's must-gather bundle into ReportDir, named by the time. The
// evidence is copied into a session of its own first, so the writing (on its own goroutine) reads
// nothing the screen goes on changing.
func (m *Model) writeReport() tea.Cmd {
	if m.opts.Remote {
		why := "this screen is served over SSH: a report would be written on the server, not on your machine"
		if m.opts.Refused != nil {
			m.opts.Refused("report", why)
		}
		m.note = "report not written: this screen runs on the server; run hopscope analyze --report on your own machine"
		return nil
	}
	snap := diagnose.NewSession(m.kb)
	for _, ev := range m.work.Session().Ledger() {
		snap.Add(ev)
	}
	inputs := append([]diagnose.Input(nil), m.work.Inputs()...)
	// The live checks run from the screen, each run with its waterfall.
	var ran []any
	if c, ok := m.inv.pane("checks").(*checks.Model); ok {
		for _, sum := range c.Summaries() {
			ran = append(ran, sum)
		}
	}
	// A bundled incident's inputs are read from the binary, others from the disk.
	var open bundle.Opener
	if files := m.work.Files(); files != nil {
		open = func(name string) (io.ReadCloser, error) { return files.Open(name) }
	}
	now := m.opts.Now()
	dest := filepath.Join(m.opts.ReportDir, "hopscope-report-"+now.Format("20060102-150405"))
	cmdline := "hopscope (interactive screen): " + m.work.Title()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
		defer cancel()
		sum, err := bundle.Write(ctx, dest, snap, inputs, bundle.Options{Command: cmdline, Checks: ran, Open: open, Now: func() time.Time { return now }})
		if err != nil {
			return common.ErrorMsg{Err: err}
		}
		return reportWrittenMsg{path: sum.Path, note: common.NoteMsg{Entry: common.Entry{At: now, Source: "report", Kind: diagnose.FromOperator,
			Detail: fmt.Sprintf("must-gather report written to %s (%d files)", sum.Path, len(sum.Report.Files)+2)}}}
	}
}

// reportWrittenMsg says a bundle was written: the status line says where, the ledger keeps it.
type reportWrittenMsg struct {
	path string
	note common.NoteMsg
}
