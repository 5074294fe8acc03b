// Package playbook is the pane that shows a playbook as a readable document: what it covers, its
// symptoms, its decision steps, each cause with its resolution and who acts, and what to gather
// before asking for help. It follows the playbook the investigation points at, or the one the
// operator chose.
package playbook

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// Model is the playbook pane.
type Model struct {
	kb     *knowledge.Base
	styles common.Styles
	keys   common.KeyMap

	width, height int
	focused       bool

	pinned   string // the playbook the operator chose
	evidence string // the playbook the evidence points at most
	rev      int
	offset   int

	// The rendered document, kept until the playbook or the width changes: rendering markdown
	// costs milliseconds, too much for every frame.
	doc      []string
	docID    string
	docWidth int
}

// New returns the pane.
func New(kb *knowledge.Base, st common.Styles, km common.KeyMap) *Model {
	return &Model{kb: kb, styles: st, keys: km}
}

// ID implements common.Pane.
func (m *Model) ID() string { return "playbook" }

// Title implements common.Pane.
func (m *Model) Title() string {
	if p := m.playbook(); p != nil {
		return "Playbook · " + p.ID
	}
	return "Playbook"
}

// Init implements common.Pane.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize implements common.Pane.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// SetFocused implements common.Pane.
func (m *Model) SetFocused(f bool) { m.focused = f }

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case common.SessionMsg:
		if msg.Rev == m.rev {
			return m, nil
		}
		m.rev = msg.Rev
		if msg.Playbook != "" && m.pinned == "" {
			m.pinned = msg.Playbook
		}
		if a := msg.Assessment; a != nil && len(a.Trees) > 0 {
			m.evidence = a.Trees[0].Playbook.ID
		}
	case tea.KeyPressMsg:
		m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) {
	page := max(m.height-1, 1)
	switch {
	case key.Matches(msg, m.keys.Up):
		m.offset--
	case key.Matches(msg, m.keys.Down):
		m.offset++
	case key.Matches(msg, m.keys.PageUp):
		m.offset -= page
	case key.Matches(msg, m.keys.PageDown):
		m.offset += page
	case key.Matches(msg, m.keys.Top):
		m.offset = 0
	case key.Matches(msg, m.keys.Bottom):
		m.offset = len(m.doc)
	case key.Matches(msg, m.keys.Playbook):
		pbs := m.kb.Playbooks
		cur := m.playbook()
		for i, p := range pbs {
			if cur != nil && p.ID == cur.ID {
				m.pinned = pbs[(i+1)%len(pbs)].ID
				break
			}
		}
		m.offset = 0
	}
}

// playbook returns the playbook shown: the chosen one, else the one the evidence points at, else
// the first.
func (m *Model) playbook() *knowledge.Playbook {
	for _, id := range []string{m.pinned, m.evidence} {
		if p, ok := m.kb.Playbook(id); ok && id != "" {
			return p
		}
	}
	if len(m.kb.Playbooks) > 0 {
		return m.kb.Playbooks[0]
	}
	return nil
}

// View implements common.Pane.
func (m *Model) View() string {
	p := m.playbook()
	if p == nil {
		return common.Box(nil, m.width, m.height)
	}
	if p.ID != m.docID || m.width != m.docWidth {
		m.doc, m.docID, m.docWidth = render(m.kb, p, m.width), p.ID, m.width
	}
	m.offset = min(max(m.offset, 0), max(len(m.doc)-m.height, 0))
	return common.Box(m.doc[m.offset:], m.width, m.height)
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	return []key.Binding{m.keys.Up, m.keys.Down, m.keys.PageDown, m.keys.Playbook}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.PageUp, m.keys.Top, m.keys.Bottom}}
}
