// Package next is the next-check pane: the checks that would best separate the leading causes,
// best first, with why each is worth running and how to run it.
package next

import (
	"fmt"
	"math"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// Model is the next-check pane.
type Model struct {
	styles common.Styles
	keys   common.KeyMap

	width, height int
	focused       bool
	assess        *diagnose.Assessment
	rev           int
	offset        int

	cache string
	dirty bool
}

// New returns the pane.
func New(st common.Styles, km common.KeyMap) *Model {
	return &Model{styles: st, keys: km, dirty: true}
}

// ID implements common.Pane.
func (m *Model) ID() string { return "next" }

// Title implements common.Pane.
func (m *Model) Title() string { return "Check next" }

// Init implements common.Pane.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize implements common.Pane.
func (m *Model) SetSize(w, h int) {
	if w != m.width || h != m.height {
		m.width, m.height, m.dirty = w, h, true
	}
}

// SetFocused implements common.Pane.
func (m *Model) SetFocused(f bool) { m.focused = f }

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case common.SessionMsg:
		if msg.Rev != m.rev && msg.Assessment != m.assess {
			m.assess, m.offset, m.dirty = msg.Assessment, 0, true
		}
		m.rev = msg.Rev
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Up):
			m.offset = max(m.offset-1, 0)
		case key.Matches(msg, m.keys.Down):
			m.offset++
		case key.Matches(msg, m.keys.Top):
			m.offset = 0
		case key.Matches(msg, m.keys.Bottom):
			m.offset = math.MaxInt32 // the view stops it at the last screenful
		default:
			return m, nil
		}
		m.dirty = true
	}
	return m, nil
}

// View implements common.Pane; it redraws only after a change.
func (m *Model) View() string {
	if m.dirty {
		m.cache = m.render()
		m.dirty = false
	}
	return m.cache
}

func (m *Model) render() string {
	st, w := m.styles, m.width
	if m.assess == nil {
		return common.Box(nil, w, m.height)
	}
	var lines []string
	wrap := func(prefix, s string, style func(...string) string) {
		for i, l := range common.Wrap(s, max(w-len([]rune(prefix)), 10)) {
			if i > 0 {
				prefix = strings.Repeat(" ", len([]rune(prefix)))
			}
			lines = append(lines, prefix+style(l))
		}
	}
	plain := func(s ...string) string { return fmt.Sprint(s[0]) }
	if len(m.assess.Next) == 0 {
		wrap("", "No check would move the ranking much: the leading cause stands on the evidence. Expand it in the causes pane for the resolution.", st.Dim.Render)
	}
	for i, n := range m.assess.Next {
		wrap(fmt.Sprintf("%d. ", i+1), n.Check.Title, st.Heading.Render)
		wrap("   ", st.Label.Render("why ")+n.Why, plain)
		if common.IsCommand(n.Check.How) {
			for _, l := range common.Command("run ", st.Label.Render, n.Check.How, max(w-3, 8)) {
				lines = append(lines, "   "+l)
			}
		} else {
			wrap("   ", st.Label.Render("run ")+n.Check.How, plain)
		}
	}
	m.offset = min(m.offset, max(len(lines)-m.height, 0))
	return common.Box(lines[m.offset:], w, m.height)
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding { return []key.Binding{m.keys.Up, m.keys.Down} }

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.Top, m.keys.Bottom}}
}
