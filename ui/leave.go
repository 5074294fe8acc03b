package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/ui/common"
)

// confirmation is a question the root asks before it throws away the operator's work: quitting,
// or leaving an investigation that holds answers or live evidence. While one is asked, y (or
// enter) does it, n (or esc) stays; every other key waits.
type confirmation struct {
	ask string
	yes func() tea.Cmd
}

var (
	confirmYes = key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y", "yes"))
	confirmNo  = key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no, stay"))
)

// answerConfirm handles a key while a question is asked.
func (m *Model) answerConfirm(msg tea.KeyPressMsg) tea.Cmd {
	c := m.confirm
	switch {
	case key.Matches(msg, confirmYes):
		m.confirm = nil
		m.relayout()
		return c.yes()
	case key.Matches(msg, confirmNo):
		m.confirm = nil
		m.relayout()
	}
	return nil
}

// unsaved says what the open investigation holds that a file does not: the operator's answers
// and notes, live checks' results. "" when nothing.
func (m *Model) unsaved() string {
	if m.inv == nil {
		return ""
	}
	n := m.work.Unsaved()
	if n == 0 {
		return ""
	}
	return common.Count(n, "answer or result", "answers and results")
}

// quit quits, asking first when the investigation holds work that would be lost.
func (m *Model) quit() tea.Cmd {
	if what := m.unsaved(); what != "" {
		m.confirm = &confirmation{ask: fmt.Sprintf("Quit and lose %s?", what),
			yes: func() tea.Cmd { return tea.Quit }}
		return nil
	}
	return tea.Quit
}

// back goes back one level: inside the focused pane first (a packet's hex view to the packet
// list), then out of a zoom, then from the investigation to the home screen (asking first when
// it holds answers or live evidence; it stays open, and esc on the home screen comes back to it).
func (m *Model) back() tea.Cmd {
	if p, ok := m.cur.focused().(common.Leveled); ok && p.Back() {
		return nil
	}
	if m.cur.zoomed {
		m.cur.zoomed = false
		m.relayout()
		return nil
	}
	switch {
	case m.cur == m.inv && m.opts.Training:
		// A training session is the whole program: there is no home screen to go to.
	case m.cur == m.inv:
		home := func() tea.Cmd {
			m.cur = m.home
			m.relayout()
			return nil
		}
		if what := m.unsaved(); what != "" {
			m.confirm = &confirmation{ask: fmt.Sprintf("Leave for home? Its %s stay until you open another.", what), yes: home}
			return nil
		}
		return home()
	case m.inv != nil:
		m.cur = m.inv
		m.relayout()
	}
	return nil
}
