// Package ledger is the evidence-ledger pane: every piece of evidence and note in the order it
// entered the investigation, with its time, source, signal and detail, and live checks marked
// passed, failed or skipped with the reason.
package ledger

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/ui/common"
)

// Model is the ledger pane.
type Model struct {
	styles common.Styles
	keys   common.KeyMap

	width, height int
	focused       bool

	entries []common.Entry
	// measured entries have their source and signal widths in longSource and longSignal, so
	// that the columns get the room the names need without a pass over a long ledger per frame.
	measured int
	// rows maps each line of the last rendering to the entry it shows.
	rows                   []int
	longSource, longSignal int
	rev                    int
	cursor                 int
	follow                 bool // the cursor stays on the newest entry as entries arrive
	open                   bool // the entry under the cursor shows its whole detail
	offset                 int

	// jump goes to the packet or log line the entry under the cursor points at.
	jump key.Binding

	cache string
	dirty bool
}

// New returns the pane.
func New(st common.Styles, km common.KeyMap) *Model {
	return &Model{styles: st, keys: km, follow: true, dirty: true,
		jump: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "go to packet/line"))}
}

// ID implements common.Pane.
func (m *Model) ID() string { return "ledger" }

// Title implements common.Pane.
func (m *Model) Title() string {
	if len(m.entries) == 0 {
		return "Evidence"
	}
	// Evidence is what the session weighs (as the status line counts it); notes (a check skipped,
	// a report written) are counted apart.
	notes := 0
	for _, e := range m.entries {
		if e.Signal == "" {
			notes++
		}
	}
	t := "Evidence · " + itoa(len(m.entries)-notes)
	switch notes {
	case 0:
	case 1:
		t += " · 1 note"
	default:
		t += " · " + itoa(notes) + " notes"
	}
	return t
}

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

// Click implements common.Clickable: a click puts the cursor on the entry there; a second click
// on it opens or closes its detail.
func (m *Model) Click(x, y int, again bool) tea.Cmd {
	m.View()
	if y < 0 || y >= len(m.rows) {
		return nil
	}
	if again && m.rows[y] == m.cursor {
		m.open, m.dirty = !m.open, true
		return nil
	}
	m.cursor, m.follow, m.dirty = m.rows[y], false, true
	return nil
}

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case common.SessionMsg:
		if msg.Rev == m.rev {
			return m, nil
		}
		m.entries, m.rev, m.dirty = msg.Ledger, msg.Rev, true
		m.measure()
		if m.follow || m.cursor >= len(m.entries) {
			m.cursor = max(len(m.entries)-1, 0)
		}
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// under returns the jump to what the entry under the cursor points at.
func (m *Model) under() (common.JumpMsg, bool) {
	if m.cursor >= len(m.entries) {
		return common.JumpMsg{}, false
	}
	return common.Locate(m.entries[m.cursor])
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	n := len(m.entries)
	switch {
	case key.Matches(msg, m.jump):
		if j, ok := m.under(); ok {
			return func() tea.Msg { return j }
		}
		return nil
	case key.Matches(msg, m.keys.Up):
		m.cursor--
	case key.Matches(msg, m.keys.Down):
		m.cursor++
	case key.Matches(msg, m.keys.PageUp):
		m.cursor -= max(m.height-1, 1)
	case key.Matches(msg, m.keys.PageDown):
		m.cursor += max(m.height-1, 1)
	case key.Matches(msg, m.keys.Top):
		m.cursor = 0
	case key.Matches(msg, m.keys.Bottom):
		m.cursor = n - 1
	case key.Matches(msg, m.keys.Select):
		m.open = !m.open
	default:
		return nil
	}
	m.cursor = min(max(m.cursor, 0), max(n-1, 0))
	m.follow = m.cursor == n-1
	m.dirty = true
	return nil
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	sel := m.keys.Select
	sel.SetHelp("enter", "detail")
	jump := m.jump
	_, ok := m.under()
	jump.SetEnabled(ok)
	return []key.Binding{m.keys.Up, m.keys.Down, sel, jump}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.PageUp, m.keys.PageDown, m.keys.Top, m.keys.Bottom}}
}
