package home

import (
	"context"
	"io/fs"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
	"github.com/hopscope/hopscope/ui/incident"
)

// Incidents is the pane that lists the recorded incidents bundled with hopscope.
type Incidents struct {
	kb     *knowledge.Base
	fsys   fs.FS
	styles common.Styles
	keys   common.KeyMap
	list   []incident.Incident

	width, height int
	focused       bool
	cursor        int
	offset        int
	cache         string
	dirty         bool
}

// NewIncidents returns the pane listing the incidents in fsys (nil for none).
func NewIncidents(kb *knowledge.Base, fsys fs.FS, st common.Styles, km common.KeyMap) *Incidents {
	return &Incidents{kb: kb, fsys: fsys, styles: st, keys: km, list: incident.List(fsys), dirty: true}
}

// ID implements common.Pane.
func (m *Incidents) ID() string { return "incidents" }

// Title implements common.Pane.
func (m *Incidents) Title() string { return "Recorded incidents" }

// Init implements common.Pane.
func (m *Incidents) Init() tea.Cmd { return nil }

// SetSize implements common.Pane.
func (m *Incidents) SetSize(w, h int) { m.width, m.height, m.dirty = w, h, true }

// SetFocused implements common.Pane.
func (m *Incidents) SetFocused(f bool) { m.focused, m.dirty = f, true }

// Update implements common.Pane: enter loads the incident under the cursor and opens it.
func (m *Incidents) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(k, m.keys.Down):
		m.cursor = min(m.cursor+1, max(len(m.list)-1, 0))
	case key.Matches(k, m.keys.Select, m.keys.Replay):
		if m.cursor < len(m.list) {
			return m, Open(m.kb, m.fsys, m.list[m.cursor], key.Matches(k, m.keys.Replay))
		}
	default:
		return m, nil
	}
	m.dirty = true
	return m, nil
}

// Open returns the command that loads an incident and asks the root to open it.
func Open(kb *knowledge.Base, fsys fs.FS, inc incident.Incident, replay bool) tea.Cmd {
	return func() tea.Msg {
		evs, ins, err := incident.Load(context.Background(), kb, fsys, inc)
		if err != nil {
			return common.ErrorMsg{Err: err}
		}
		return common.OpenMsg{Title: inc.Title, Evidence: evs, Inputs: ins, Files: incident.Files(fsys, inc), Replay: replay}
	}
}

// View implements common.Pane: the incidents' titles, and the story of the one under the cursor.
func (m *Incidents) View() string {
	if !m.dirty {
		return m.cache
	}
	st, w := m.styles, m.width
	var lines []string
	if len(m.list) == 0 {
		lines = append(lines, st.Dim.Render("No recorded incidents in this build."))
	}
	cur := 0
	for i, inc := range m.list {
		mark := "  "
		if i == m.cursor {
			mark, cur = "▸ ", len(lines)
		}
		title := mark + inc.Title
		if i == m.cursor && m.focused {
			title = st.Selected.Render(common.Pad(title, w))
		}
		lines = append(lines, title)
		if i == m.cursor && inc.Story != "" {
			for _, l := range common.Wrap(strings.Join(strings.Fields(inc.Story), " "), max(w-4, 10)) {
				lines = append(lines, "    "+st.Dim.Render(l))
			}
		}
	}
	m.offset = common.Window(m.offset, cur, m.height, len(lines))
	m.cache, m.dirty = common.Box(lines[m.offset:], w, m.height), false
	return m.cache
}

// ShortHelp implements help.KeyMap.
func (m *Incidents) ShortHelp() []key.Binding {
	sel := m.keys.Select
	sel.SetHelp("enter", "open")
	sel.SetEnabled(len(m.list) > 0)
	replay := m.keys.Replay
	replay.SetEnabled(len(m.list) > 0)
	return []key.Binding{m.keys.Up, m.keys.Down, sel, replay}
}

// FullHelp implements help.KeyMap.
func (m *Incidents) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
