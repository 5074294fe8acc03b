package ui

import (
	"context"
	"io/fs"
	"time"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/causes"
	"github.com/hopscope/hopscope/ui/checks"
	"github.com/hopscope/hopscope/ui/common"
	"github.com/hopscope/hopscope/ui/home"
	"github.com/hopscope/hopscope/ui/ledger"
	"github.com/hopscope/hopscope/ui/logs"
	"github.com/hopscope/hopscope/ui/next"
	"github.com/hopscope/hopscope/ui/packets"
	"github.com/hopscope/hopscope/ui/playbook"
	"github.com/hopscope/hopscope/ui/tree"
)

// This file is where panes are registered. A new pane is added to the list of its screen; it is
// then reachable with the Swap key in any slot, and can be given a slot of its own in the layout.

// homePanes are the home screen's panes.
func homePanes(kb *knowledge.Base, st common.Styles, km common.KeyMap, incidents fs.FS, co []checks.Option, now func() time.Time) []common.Pane {
	return []common.Pane{
		home.NewSymptoms(kb, st, km, now),
		home.NewIncidents(kb, incidents, st, km),
		home.NewPaste(kb, st, km),
		checks.New(kb, st, km, co...),
	}
}

func homeLayout() layout {
	return layout{rows: []row{
		{weight: 3, slots: []slot{{pane: "symptoms", weight: 1}, {pane: "incidents", weight: 1}}},
		{weight: 2, slots: []slot{{pane: "paste", weight: 1}}},
	}}
}

// investigationPanes are the investigation's panes, in the order Swap cycles through them.
func investigationPanes(kb *knowledge.Base, st common.Styles, km common.KeyMap, now func() time.Time, co []checks.Option) []common.Pane {
	return []common.Pane{
		tree.New(kb, st, km, now),
		causes.New(kb, st, km),
		ledger.New(st, km),
		next.New(st, km),
		playbook.New(kb, st, km),
		checks.New(kb, st, km, co...),
		// The captures it reads are re-read cheaply on the next open; they need no cancelling.
		packets.New(context.Background(), st, km),
		// Logs are read once, when the investigation first names them.
		logs.New(context.Background(), st, km),
	}
}

func investigationLayout() layout {
	return layout{rows: []row{
		{weight: 3, slots: []slot{{pane: "tree", weight: 1}, {pane: "causes", weight: 1}}},
		{weight: 2, slots: []slot{{pane: "ledger", weight: 3}, {pane: "next", weight: 2}}},
	}}
}
