package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// BenchmarkViewSteady draws an open investigation that nothing changed since the last frame: the
// cost of a redraw the renderer asks for (a tick, a key that moved nothing).
func BenchmarkViewSteady(b *testing.B) {
	m := newTest(b, 160, 48)
	drive(m, keys("tab", "enter")...)
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
	drive(m, keys("tab", "enter")...)
	ev := common.AddEvidenceMsg{Evidence: []diagnose.Evidence{{Signal: "tcp.connect.ok", Source: "check tcp", Kind: diagnose.FromCheck}}}
	b.ReportAllocs()
	for b.Loop() {
		drive(m, ev)
		m.View()
	}
}

// BenchmarkReplayStepLongLedger steps a replay of 10,000 pieces of evidence and draws the frame:
// the ledger draws only the lines in view, so the cost does not grow with the ledger.
func BenchmarkReplayStepLongLedger(b *testing.B) {
	evs := make([]diagnose.Evidence, 10000)
	for i := range evs {
		evs[i] = diagnose.Evidence{Signal: "tcp.connect.refused", Source: fmt.Sprintf("lo.pcap#%d", i+1), Kind: diagnose.FromPacket,
			At: testNow.Add(time.Duration(i) * time.Millisecond), Detail: "RST to the SYN"}
	}
	m := newTest(b, 160, 48)
	drive(m, common.OpenMsg{Title: "long", Evidence: evs, Replay: true}, keyPress("space"), keyPress(">"), keyPress("<"))
	b.ReportAllocs()
	for b.Loop() {
		if m.work.View() == "" {
			b.Fatal("no replay")
		}
		drive(m, keyPress("right"))
		m.View()
	}
}
