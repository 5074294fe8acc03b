package ui

import (
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// BenchmarkViewSteady draws an open investigation that nothing changed since the last frame: the
// cost of a redraw the renderer asks for (a tick, a key that moved nothing).
func BenchmarkViewSteady(b *testing.B) {
	m := newTest(b, 160, 48)
	drive(m, keys("tab", "down", "enter")...)
	m.View()
	b.ReportAllocs()
	for b.Loop() {
		m.View()
	}
}

// BenchmarkEvidenceAndView takes one new piece of evidence and draws the frame after it: the cost
// of a replay step or a check's result arriving.
func BenchmarkEvidenceAndView(b *testing.B) {
	m := newTest(b, 160, 48)
	drive(m, keys("tab", "down", "enter")...)
	ev := common.AddEvidenceMsg{Evidence: []diagnose.Evidence{{Signal: "tcp.connect.ok", Source: "check tcp", Kind: diagnose.FromCheck}}}
	b.ReportAllocs()
	for b.Loop() {
		drive(m, ev)
		m.View()
	}
}
