package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/ui/common"
)

// The mouse, as in k9s, lazygit or htop: a click focuses the pane under it and picks the row
// there (a second click on the picked row opens it), the wheel scrolls the pane under the pointer.
// Nothing needs it: every action has its key. While the program reports the mouse, terminals
// select text with shift held down.

// mouse routes a mouse message.
func (m *Model) mouse(msg tea.Msg) tea.Cmd {
	if m.confirm != nil {
		return nil
	}
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		if msg.Button != tea.MouseLeft {
			return nil
		}
		slot, x, y, ok := m.cur.at(msg.X, msg.Y-headerLines)
		if !ok {
			return nil
		}
		again := slot == m.cur.focus
		// The row is picked on the pane as it was drawn when clicked: taking the focus may
		// redraw it (the ledger opens the entry under its cursor).
		var cmd tea.Cmd
		if c, ok := m.cur.paneAt(slot).(common.Clickable); ok {
			cmd = c.Click(x, y, again)
		}
		if !again {
			m.cur.setFocus(slot)
			m.relayout()
		}
		return cmd
	case tea.MouseWheelMsg:
		slot, _, _, ok := m.cur.at(msg.X, msg.Y-headerLines)
		if !ok {
			return nil
		}
		if slot != m.cur.focus {
			m.cur.setFocus(slot)
			m.relayout()
		}
		switch msg.Button {
		case tea.MouseWheelUp:
			return m.toFocused(tea.KeyPressMsg{Code: tea.KeyUp})
		case tea.MouseWheelDown:
			return m.toFocused(tea.KeyPressMsg{Code: tea.KeyDown})
		}
	}
	return nil
}

// paneAt returns the pane in slot i.
func (s *screen) paneAt(i int) common.Pane {
	sl := s.layout.slots()
	if i < 0 || i >= len(sl) {
		return nil
	}
	return s.pane(sl[i].pane)
}

// headerLines is the height of the header above the panes.
const headerLines = 1

// at finds the slot whose frame holds the cell x, y of the panes' area, and the cell inside the
// pane's content (y is -1 on the frame's edges, x clamped to the content).
func (s *screen) at(x, y int) (slot, cx, cy int, ok bool) {
	for i, r := range s.rects {
		if x < r.x || x >= r.x+r.w || y < r.y || y >= r.y+r.h {
			continue
		}
		if s.single {
			i = s.focus
		}
		cx, cy = max(x-r.x-1, 0), y-r.y-1
		if cy >= r.h-2 {
			cy = -1
		}
		return i, cx, cy, true
	}
	return 0, 0, 0, false
}
