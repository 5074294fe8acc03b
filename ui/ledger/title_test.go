package ledger

import (
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// TestTitleCountsEvidenceAndNotesApart: the title counts the evidence as the status line does (the
// session's), and the notes (a skipped check) apart.
func TestTitleCountsEvidenceAndNotesApart(t *testing.T) {
	m := New(common.DefaultStyles(), common.DefaultKeyMap())
	ev := common.Entry{Source: "check connect", Kind: diagnose.FromCheck, Signal: "proxy.connect.status.403", Status: "failed"}
	note := common.Entry{Source: "check tls", Kind: diagnose.FromCheck, Status: "skipped", Detail: "no TLS target"}
	for _, c := range []struct {
		ledger []common.Entry
		want   string
	}{
		{nil, "Evidence"},
		{[]common.Entry{ev}, "Evidence · 1"},
		{[]common.Entry{ev, note}, "Evidence · 1 · 1 note"},
		{[]common.Entry{ev, note, ev, note}, "Evidence · 2 · 2 notes"},
	} {
		m.Update(common.SessionMsg{Rev: len(c.ledger) + 1, Ledger: c.ledger})
		if got := m.Title(); got != c.want {
			t.Errorf("%d entries: title %q, want %q", len(c.ledger), got, c.want)
		}
	}
}
