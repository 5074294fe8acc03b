package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/ui/common"
)

// TestHomeEndMoveTheFocusedList: in a replay, Home and End move the focused list, as g and G do;
// the replay stays where it is and keeps its own jumps on < and >.
func TestHomeEndMoveTheFocusedList(t *testing.T) {
	m := newTest(t, 100, 30)
	drive(m, common.OpenMsg{Title: "replay", Evidence: tunnelEvidence(t), Replay: true}, keyPress("space"), keyPress(">"))
	m.inv.focusPane("ledger")
	at := m.work.View()
	drive(m, keyPress("g"))
	top := plain(m)
	drive(m, keyPress("G"))
	bottom := plain(m)
	if top == bottom {
		t.Fatal("g and G draw the same screen: the ledger has too few entries to tell them apart")
	}
	for _, st := range []struct {
		key  tea.KeyPressMsg
		want string
	}{
		{tea.KeyPressMsg{Code: tea.KeyHome}, top},
		{tea.KeyPressMsg{Code: tea.KeyEnd}, bottom},
	} {
		drive(m, st.key)
		if got := m.work.View(); got != at {
			t.Fatalf("after %s the replay shows %q, was %q: the key moved the replay", st.key, got, at)
		}
		if got := plain(m); got != st.want {
			t.Errorf("after %s the screen is not the one g or G draws:\n%s", st.key, got)
		}
	}
	drive(m, keyPress("<"))
	if m.work.View() == at {
		t.Errorf("< left the replay at %q", at)
	}
}
