package tree

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

func TestBranchFor(t *testing.T) {
	step := &knowledge.Step{Branches: []*knowledge.Branch{
		{Label: "attempt to connect failed"},
		{Label: "no, both are refused"},
		{Label: "yes, only the proxy's name is refused"},
	}}
	tests := []struct {
		word  string
		i     int
		label string
	}{
		{"yes", 0, "yes, only the proxy's name is refused"},
		{"no", 1, "no, both are refused"},
		{"maybe", 0, "attempt to connect failed"},
		{"maybe", -1, ""},
		{"maybe", 7, ""},
	}
	for _, tt := range tests {
		b := branchFor(step, tt.word, tt.i)
		got := ""
		if b != nil {
			got = b.Label
		}
		if got != tt.label {
			t.Errorf("branchFor(%q, %d) = %q, want %q", tt.word, tt.i, got, tt.label)
		}
	}
}

// TestAnswer answers the first step of each playbook with y, n and 2: the evidence is the chosen
// branch's first signal, from the operator, at the pane's clock. d records a note, no signal.
func TestAnswer(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, p := range kb.Playbooks {
		start, _ := p.Step(p.Tree.Start)
		if !start.Operator {
			continue
		}
		for _, k := range []string{"y", "n", "2", "d"} {
			m := New(kb, common.DefaultStyles(), common.DefaultKeyMap(), func() time.Time { return now })
			s := diagnose.NewSession(kb)
			m.Update(common.SessionMsg{Session: s, Assessment: s.Assess(), Playbook: p.ID, Rev: 1})
			_, cmd := m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
			if cmd == nil {
				if k == "y" || k == "n" {
					continue // the step has no yes/no branch
				}
				t.Fatalf("%s: %s did nothing", p.ID, k)
			}
			switch msg := cmd().(type) {
			case common.AddEvidenceMsg:
				ev := msg.Evidence[0]
				if ev.Kind != diagnose.FromOperator || ev.Source != "operator" || !ev.At.Equal(now) {
					t.Errorf("%s %s: evidence %+v", p.ID, k, ev)
				}
				found := false
				for _, b := range start.Branches {
					found = found || b.When[0] == ev.Signal
				}
				if !found {
					t.Errorf("%s %s: signal %s is no branch's first", p.ID, k, ev.Signal)
				}
				if k == "2" && ev.Signal != start.Branches[1].When[0] {
					t.Errorf("%s 2: signal %s, want the second branch's %s", p.ID, ev.Signal, start.Branches[1].When[0])
				}
			case common.NoteMsg:
				if k != "d" || msg.Entry.Signal != "" {
					t.Errorf("%s %s: note %+v", p.ID, k, msg.Entry)
				}
			default:
				t.Errorf("%s %s: message %T", p.ID, k, msg)
			}
		}
	}
}
