// Package causes is the suspected-causes pane: every cause ranked by confidence with a bar, an
// arrow and a short "because …" for those the latest evidence moved, and, for the cause under the
// cursor, the evidence for and against it, how to resolve it and who acts.
package causes

import (
	"math"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// Model is the suspected-causes pane.
type Model struct {
	kb     *knowledge.Base
	styles common.Styles
	keys   common.KeyMap

	width, height int
	focused       bool

	assess *diagnose.Assessment
	rev    int
	moves  map[string]diagnose.Move // the latest moves, kept until the next change
	// rise and fall are the largest rise and fall with a reason given: a cause that fell while no
	// new signal told against it fell because another rose, and the other way round.
	rise, fall diagnose.Move
	cursor     int    // index into assess.Causes
	selected   string // the cause under the cursor, followed as ranks change
	expanded   map[string]bool
	offset     int

	cache string
	dirty bool

	// nextHop picks the next failing hop whose causes the pane ranks.
	nextHop key.Binding
}

// New returns the pane.
func New(kb *knowledge.Base, st common.Styles, km common.KeyMap) *Model {
	return &Model{kb: kb, styles: st, keys: km, expanded: map[string]bool{}, moves: map[string]diagnose.Move{}, dirty: true,
		nextHop: key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "next failing hop"))}
}

// ID implements common.Pane.
func (m *Model) ID() string { return "causes" }

// Title implements common.Pane.
func (m *Model) Title() string { return "Suspected causes" }

// Init implements common.Pane.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize implements common.Pane.
func (m *Model) SetSize(w, h int) {
	if w != m.width || h != m.height {
		m.width, m.height, m.dirty = w, h, true
	}
}

// SetFocused implements common.Pane.
func (m *Model) SetFocused(f bool) {
	if f != m.focused {
		m.focused, m.dirty = f, true
	}
}

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case common.SessionMsg:
		if msg.Rev == m.rev {
			return m, nil
		}
		if msg.Assessment != m.assess {
			m.moves = map[string]diagnose.Move{}
			for _, mv := range msg.Assessment.Moves {
				m.moves[mv.Cause] = mv
			}
			m.rise, m.fall = driver(msg.Assessment.Moves, true), driver(msg.Assessment.Moves, false)
		}
		m.assess, m.rev, m.dirty = msg.Assessment, msg.Rev, true
		m.follow()
	case tea.KeyPressMsg:
		if m.assess != nil && len(m.assess.Hops) > 1 && key.Matches(msg, m.nextHop) {
			next := m.assess.Hops[(m.assess.Selected+1)%len(m.assess.Hops)].Hop.Key.String()
			return m, func() tea.Msg { return common.SelectHopMsg{Hop: next} }
		}
		m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) {
	if m.assess == nil {
		return
	}
	n := len(m.assess.Causes)
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor--
	case key.Matches(msg, m.keys.Down):
		m.cursor++
	case key.Matches(msg, m.keys.PageUp):
		m.cursor -= max(m.height/2, 1)
	case key.Matches(msg, m.keys.PageDown):
		m.cursor += max(m.height/2, 1)
	case key.Matches(msg, m.keys.Top):
		m.cursor = 0
	case key.Matches(msg, m.keys.Bottom):
		m.cursor = n - 1
	case key.Matches(msg, m.keys.Select):
		if m.cursor < n {
			id := m.assess.Causes[m.cursor].Cause.ID
			m.expanded[id] = !m.expanded[id]
		}
	default:
		return
	}
	m.cursor = min(max(m.cursor, 0), max(n-1, 0))
	if m.cursor < n {
		m.selected = m.assess.Causes[m.cursor].Cause.ID
	}
	m.dirty = true
}

// follow keeps the cursor on the cause the operator selected when the ranking reorders.
func (m *Model) follow() {
	for i, rc := range m.assess.Causes {
		if rc.Cause.ID == m.selected {
			m.cursor = i
			return
		}
	}
	m.cursor = 0
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	sel := m.keys.Select
	sel.SetHelp("enter", "why / resolve")
	out := []key.Binding{m.keys.Up, m.keys.Down, sel}
	if m.assess != nil && len(m.assess.Hops) > 1 {
		out = append(out, m.nextHop)
	}
	return out
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.PageUp, m.keys.PageDown, m.keys.Top, m.keys.Bottom}}
}

// Back implements common.Leveled: esc folds the causes opened with enter.
func (m *Model) Back() bool {
	open := false
	for id, e := range m.expanded {
		open = open || e
		delete(m.expanded, id)
	}
	if open {
		m.dirty = true
	}
	return open
}

// driver is the largest rise (or fall) with a reason: a cause that moved only because another
// one moved the other way more (no new signal pushed it its own way) is explained by that one.
func driver(moves []diagnose.Move, rise bool) diagnose.Move {
	var best diagnose.Move
	size := 0.0
	for _, mv := range moves {
		if d := math.Abs(mv.To - mv.From); mv.Because.Signal != "" && (mv.To > mv.From) == rise && d > size {
			best, size = mv, d
		}
	}
	return best
}
