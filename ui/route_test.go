package ui

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/ui/common"
)

// claimer is a pane that uses the replay's step keys while its binding is enabled.
type claimer struct {
	next  key.Binding
	got   int
	focus bool
}

func (c *claimer) ID() string                { return "tree" }
func (c *claimer) Title() string             { return "claimer" }
func (c *claimer) Init() tea.Cmd             { return nil }
func (c *claimer) View() string              { return "" }
func (c *claimer) SetSize(int, int)          {}
func (c *claimer) SetFocused(f bool)         { c.focus = f }
func (c *claimer) ShortHelp() []key.Binding  { return []key.Binding{c.next} }
func (c *claimer) FullHelp() [][]key.Binding { return [][]key.Binding{c.ShortHelp()} }
func (c *claimer) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, c.next) {
		c.got++
	}
	return c, nil
}

// TestFocusedPaneClaimsItsKeys: a key the focused pane shows in its help goes to the pane, not to
// the replay; once the pane disables the binding, the replay gets it again.
func TestFocusedPaneClaimsItsKeys(t *testing.T) {
	m := newTest(t, 100, 30)
	drive(m, common.OpenMsg{Title: "replay", Evidence: tunnelEvidence(t), Replay: true}, keyPress("space"), keyPress("<"))
	c := &claimer{next: key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next check"))}
	m.inv.panes[0] = c
	m.inv.setFocus(0)
	drive(m, keyPress("right"))
	if c.got != 1 || m.work.View() != "❚❚ paused 0/6" {
		t.Fatalf("pane got %d presses, replay shows %q: the focused pane's key went to the replay", c.got, m.work.View())
	}
	c.next.SetEnabled(false)
	drive(m, keyPress("right"))
	if c.got != 1 || m.work.View() == "❚❚ paused 0/6" {
		t.Fatalf("pane got %d presses, replay shows %q: a disabled binding kept the key from the replay", c.got, m.work.View())
	}
}
