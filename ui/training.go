package ui

import (
	"context"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/checks"
	"github.com/hopscope/hopscope/ui/common"
	"github.com/hopscope/hopscope/ui/ledger"
	"github.com/hopscope/hopscope/ui/logs"
	"github.com/hopscope/hopscope/ui/packets"
	"github.com/hopscope/hopscope/ui/tree"
)

// trainingPanes are the panes a trainee works in: the decision tree (its conclusion hidden), the
// evidence, the checks, the packets and the logs. The ranked causes, the suggested next check and
// the playbook document are left out: each would name the answer before the trainee does.
func trainingPanes(kb *knowledge.Base, st common.Styles, km common.KeyMap, now func() time.Time, co []checks.Option) []common.Pane {
	t := tree.New(kb, st, km, now)
	t.HideConclusion()
	return []common.Pane{
		t,
		ledger.New(st, km),
		packets.New(context.Background(), st, km),
		logs.New(context.Background(), st, km),
		checks.New(kb, st, km, co...),
	}
}

func trainingLayout() layout {
	return layout{rows: []row{
		{weight: 3, slots: []slot{{pane: "tree", weight: 1}, {pane: "ledger", weight: 1}}},
		{weight: 2, slots: []slot{{pane: "packets", weight: 1}}},
	}}
}

// Capturing reports whether a pane is taking text, so that a program wrapping the screen leaves
// the keys to it.
func (m *Model) Capturing() bool { return m.capturing() }

// Evidence returns the investigation's evidence in arrival order; callers must not modify it.
func (m *Model) Evidence() []diagnose.Evidence { return m.work.Session().Ledger() }

// Unsaved counts the answers, notes and live checks' results of the open investigation: what
// quitting throws away.
func (m *Model) Unsaved() int {
	if m.inv == nil {
		return 0
	}
	return m.work.Unsaved()
}
