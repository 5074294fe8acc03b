package home

import (
	"context"
	"io/fs"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
	"github.com/hopscope/hopscope/ui/incident"
)

// Incidents is the pane that lists the recorded incidents bundled with hopscope, grouped by
// playbook under neutral labels: the list must not tell a trainee the cause before they look.
type Incidents struct {
	kb     *knowledge.Base
	fsys   fs.FS
	styles common.Styles
	keys   common.KeyMap
	top    key.Binding // g or Home
	bottom key.Binding // G or End
	groups []incident.Group
	list   []incident.Incident // in the order shown

	width, height int
	focused       bool
	cursor        int
	offset        int
	cache         string
	dirty         bool
	// rows maps each line of the last rendering to the incident it shows, -1 for a heading.
	rows []int
}

// NewIncidents returns the pane listing the incidents in fsys (nil for none).
func NewIncidents(kb *knowledge.Base, fsys fs.FS, st common.Styles, km common.KeyMap) *Incidents {
	var order []string
	for _, p := range kb.Playbooks {
		order = append(order, p.ID)
	}
	m := &Incidents{kb: kb, fsys: fsys, styles: st, keys: km, dirty: true,
		groups: incident.Grouped(incident.List(fsys), order)}
	for _, g := range m.groups {
		m.list = append(m.list, g.Incidents...)
	}
	m.top = key.NewBinding(key.WithKeys(km.Top.Keys()...), key.WithHelp(km.Top.Help().Key, "first"))
	m.bottom = key.NewBinding(key.WithKeys(km.Bottom.Keys()...), key.WithHelp(km.Bottom.Help().Key, "last"))
	return m
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

// Update implements common.Pane: the cursor keys move through the list, enter loads the incident
// under the cursor and opens it.
func (m *Incidents) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	last := max(len(m.list)-1, 0)
	page := max(m.height-1, 1)
	switch {
	case key.Matches(k, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(k, m.keys.Down):
		m.cursor = min(m.cursor+1, last)
	case key.Matches(k, m.keys.PageUp):
		m.cursor = max(m.cursor-page, 0)
	case key.Matches(k, m.keys.PageDown):
		m.cursor = min(m.cursor+page, last)
	case key.Matches(k, m.top):
		m.cursor = 0
	case key.Matches(k, m.bottom):
		m.cursor = last
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

// Open returns the command that loads an incident and asks the root to open it, under its
// neutral label.
func Open(kb *knowledge.Base, fsys fs.FS, inc incident.Incident, replay bool) tea.Cmd {
	return func() tea.Msg {
		evs, ins, err := incident.Load(context.Background(), kb, fsys, inc)
		if err != nil {
			return common.ErrorMsg{Err: err}
		}
		return common.OpenMsg{Title: inc.Label(), Evidence: evs, Inputs: ins, Files: incident.Files(fsys, inc), Replay: replay}
	}
}

// Click implements common.Clickable: a click picks the incident there; a second click on it opens
// it.
func (m *Incidents) Click(x, y int, again bool) tea.Cmd {
	m.View() // rows as drawn now
	if y < 0 || y >= len(m.rows) || m.rows[y] < 0 {
		return nil
	}
	if again && m.rows[y] == m.cursor {
		return Open(m.kb, m.fsys, m.list[m.cursor], false)
	}
	m.cursor, m.dirty = m.rows[y], true
	return nil
}

// View implements common.Pane: each playbook's heading and its incidents' labels.
func (m *Incidents) View() string {
	if !m.dirty {
		return m.cache
	}
	st, w := m.styles, m.width
	var lines []string
	m.rows = m.rows[:0]
	if len(m.list) == 0 {
		lines = append(lines, st.Dim.Render("No recorded incidents in this build."))
		m.rows = append(m.rows, -1)
	}
	cur, i := 0, 0
	for _, g := range m.groups {
		lines = append(lines, st.Heading.Render(common.Clip(m.groupTitle(g), w)))
		m.rows = append(m.rows, -1)
		for _, inc := range g.Incidents {
			mark := "  "
			if i == m.cursor {
				mark, cur = "▸ ", len(lines)
			}
			label := mark + inc.Label()
			if i == m.cursor && m.focused {
				label = st.Selected.Render(common.Pad(label, w))
			}
			lines = append(lines, label)
			m.rows = append(m.rows, i)
			i++
		}
	}
	// The heading of the cursor's group stays in view with it when it can.
	head := cur
	for head > 0 && m.rows[head] >= 0 {
		head--
	}
	var visible []string
	rows := m.rows
	visible, m.offset = scroll(lines, []int{head, cur}, m.offset, m.height, st, w, func(end int) string {
		n := 0
		for _, r := range rows[end:] {
			if r >= 0 {
				n++
			}
		}
		return common.Count(n, "more incident", "more incidents")
	})
	m.rows = m.rows[m.offset:min(m.offset+len(visible), len(m.rows))]
	if len(visible) < len(lines)-m.offset && len(m.rows) > 0 {
		m.rows[len(m.rows)-1] = -1 // the "more below" line
	}
	m.cache, m.dirty = common.Box(visible, w, m.height), false
	return m.cache
}

// groupTitle is a group's heading: the playbook's title, or "Other" for incidents of none.
func (m *Incidents) groupTitle(g incident.Group) string {
	if p, ok := m.kb.Playbook(g.Playbook); ok {
		return p.Title
	}
	return "Other incidents"
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
func (m *Incidents) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.PageUp, m.keys.PageDown, m.top, m.bottom}}
}
