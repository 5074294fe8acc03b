package checks

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/ui/common"
)

// TestSkippedNotes: the checks after the one that failed enter the ledger as skipped, saying which
// check failed first; a run with nothing skipped adds no note.
func TestSkippedNotes(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	r := &run{rows: []checkRow{{id: "dns", state: passed}, {id: "tcp", state: failed}, {id: "tls", state: skipped}, {id: "http", state: skipped}}}
	cmd := skippedNotes(r, now)
	if cmd == nil {
		t.Fatal("no notes for two skipped checks")
	}
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("got %#v, want two notes", cmd())
	}
	for i, want := range []string{"check tls", "check http"} {
		note, ok := batch[i]().(common.NoteMsg)
		if !ok {
			t.Fatalf("note %d is %T", i, batch[i]())
		}
		e := note.Entry
		if e.Source != want || e.Status != "skipped" || !e.At.Equal(now) || !strings.Contains(e.Detail, "tcp check failed") {
			t.Errorf("note %d: %+v", i, e)
		}
	}
	if skippedNotes(&run{rows: []checkRow{{id: "tcp", state: passed}}}, now) != nil {
		t.Error("a note for a run with nothing skipped")
	}
}
