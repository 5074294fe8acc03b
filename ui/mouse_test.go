package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// cellOf finds where text first shows on the screen: its column (in cells) and line.
func cellOf(t *testing.T, m *Model, text string) (x, y int) {
	t.Helper()
	for y, l := range strings.Split(plain(m), "\n") {
		if i := strings.Index(l, text); i >= 0 {
			return len([]rune(l[:i])), y
		}
	}
	t.Fatalf("%q is not on the screen:\n%s", text, plain(m))
	return 0, 0
}

func click(m *Model, x, y int) { drive(m, tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft}) }

// A click focuses the pane under it and picks the row there; a second click on that row opens
// it. The wheel scrolls the pane under the pointer.
func TestMouse(t *testing.T) {
	m := newTest(t, 100, 30)
	x, y := cellOf(t, m, "Incident 3")
	click(m, x, y)
	if f := m.cur.focused().ID(); f != "incidents" {
		t.Fatalf("click on an incident: focus on %s", f)
	}
	if _, cy := cellOf(t, m, "▸ Incident 3"); cy != y {
		t.Fatalf("the click did not pick incident 3:\n%s", plain(m))
	}
	click(m, x, y)
	if m.cur != m.inv || !strings.Contains(m.work.Title(), "Incident 3") {
		t.Fatalf("a second click did not open the incident:\n%s", plain(m))
	}

	// In the investigation: a click on a ledger entry puts the cursor there.
	x, y = cellOf(t, m, "Evidence ·")
	click(m, x, y+2)
	if f := m.cur.focused().ID(); f != "ledger" {
		t.Fatalf("click in the evidence: focus on %s", f)
	}
	// The focused ledger draws the entry under its cursor in reverse video.
	raw := strings.Split(m.render(), "\n")
	if !strings.Contains(raw[y+2], "\x1b[7m") || strings.Contains(raw[y+1], "\x1b[7m") {
		t.Errorf("the entry clicked is not under the cursor: %q\n%q\n%q", raw[y+1], raw[y+2], raw[y+3])
	}

	// The wheel over the tree focuses it and scrolls it.
	x, y = cellOf(t, m, "Decision tree")
	drive(m, tea.MouseWheelMsg{X: x, Y: y + 3, Button: tea.MouseWheelDown})
	if f := m.cur.focused().ID(); f != "tree" {
		t.Errorf("wheel over the tree: focus on %s", f)
	}

	// A click on the home screen's symptom list picks the playbook; the second opens it.
	drive(m, keys("esc")...)
	x, y = cellOf(t, m, "│  Gateway 502 — the TLS")
	click(m, x, y)
	click(m, x, y)
	if m.cur != m.inv || m.work.Playbook() != "tls-handshake" {
		t.Fatalf("two clicks on the 502 symptom did not open its investigation:\n%s", plain(m))
	}
}
