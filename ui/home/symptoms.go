// Package home holds the home screen's panes: pick a symptom from the playbooks, paste the error
// you are looking at, or open a recorded incident.
package home

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// Symptoms is the pane that lists the playbooks by their symptoms.
type Symptoms struct {
	kb     *knowledge.Base
	styles common.Styles
	keys   common.KeyMap
	now    func() time.Time

	width, height int
	focused       bool
	cursor        int
	cache         string
	dirty         bool
	// rows maps each line of the last rendering to the playbook it names, -1 for other lines.
	rows []int
}

// NewSymptoms returns the pane; now stamps the operator's pick.
func NewSymptoms(kb *knowledge.Base, st common.Styles, km common.KeyMap, now func() time.Time) *Symptoms {
	return &Symptoms{kb: kb, styles: st, keys: km, now: now, dirty: true}
}

// SymptomSignal is the signal the operator's pick of a playbook's symptom enters the evidence as
// (see knowledge/data/signals/operator.yaml): it narrows the causes to that playbook's.
func SymptomSignal(playbook string) string { return "operator.symptom." + playbook }

// ID implements common.Pane.
func (m *Symptoms) ID() string { return "symptoms" }

// Title implements common.Pane.
func (m *Symptoms) Title() string { return "What do you see?" }

// Init implements common.Pane.
func (m *Symptoms) Init() tea.Cmd { return nil }

// SetSize implements common.Pane.
func (m *Symptoms) SetSize(w, h int) { m.width, m.height, m.dirty = w, h, true }

// SetFocused implements common.Pane.
func (m *Symptoms) SetFocused(f bool) { m.focused, m.dirty = f, true }

// Update implements common.Pane: enter opens an investigation on the playbook under the cursor.
func (m *Symptoms) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	n := len(m.kb.Playbooks)
	switch {
	case key.Matches(k, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(k, m.keys.Down):
		m.cursor = min(m.cursor+1, max(n-1, 0))
	case key.Matches(k, m.keys.Top):
		m.cursor = 0
	case key.Matches(k, m.keys.Bottom):
		m.cursor = max(n-1, 0)
	case key.Matches(k, m.keys.Select):
		if m.cursor < n {
			p := m.kb.Playbooks[m.cursor]
			o := common.OpenMsg{Title: p.Title, Playbook: p.ID}
			if _, ok := m.kb.Signal(SymptomSignal(p.ID)); ok {
				o.Evidence = []diagnose.Evidence{{Signal: SymptomSignal(p.ID), Source: "operator", Kind: diagnose.FromOperator,
					At: m.now(), Detail: "picked the symptom: " + p.Title}}
			}
			if ev, ok := symptomAnswer(p, m.now()); ok {
				o.Evidence = append(o.Evidence, ev)
			}
			return m, func() tea.Msg { return o }
		}
	default:
		return m, nil
	}
	m.dirty = true
	return m, nil
}

// Click implements common.Clickable: a click picks the playbook whose title is there; a second
// click on it opens its investigation.
func (m *Symptoms) Click(x, y int, again bool) tea.Cmd {
	m.View() // rows as drawn now
	if y < 0 || y >= len(m.rows) || m.rows[y] < 0 {
		return nil
	}
	if again && m.rows[y] == m.cursor {
		_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		return cmd
	}
	m.cursor, m.dirty = m.rows[y], true
	return nil
}

// View implements common.Pane: every playbook's title, one line each so that all of them stay
// in view, then the symptoms of the one under the cursor.
func (m *Symptoms) View() string {
	if !m.dirty {
		return m.cache
	}
	st, w := m.styles, m.width
	var lines []string
	m.rows = m.rows[:0]
	for i, p := range m.kb.Playbooks {
		mark := "  "
		if i == m.cursor {
			mark = "▸ "
		}
		// Two lines at most each, so that every playbook stays in view.
		wrapped := common.Wrap(p.Title, max(w-2, 8))
		if len(wrapped) > 2 {
			wrapped = append(wrapped[:1:1], common.Clip(strings.Join(wrapped[1:], " "), max(w-2, 8)))
		}
		for j, l := range wrapped {
			title := mark + l
			if j > 0 {
				title = "  " + l
			}
			if i == m.cursor && m.focused {
				title = st.Selected.Render(common.Pad(title, w))
			} else if i == m.cursor {
				title = st.Heading.Render(title)
			}
			lines = append(lines, title)
			m.rows = append(m.rows, i)
		}
	}
	if m.cursor < len(m.kb.Playbooks) {
		p := m.kb.Playbooks[m.cursor]
		lines = append(lines, "", st.Label.Render(common.Clip("What it looks like:", w)))
		m.rows = append(m.rows, -1, -1)
		for _, s := range p.Symptoms {
			for j, l := range common.Wrap(s, max(w-4, 10)) {
				prefix := "  • "
				if j > 0 {
					prefix = "    "
				}
				lines = append(lines, prefix+st.Dim.Render(l))
				m.rows = append(m.rows, -1)
			}
		}
	}
	// The titles come first and are kept in view; the symptoms are cut with a word when they do
	// not fit.
	var visible []string
	visible, _ = scroll(lines, []int{0}, 0, m.height, st, w, nil)
	m.rows = m.rows[:min(len(visible), len(m.rows))]
	m.cache, m.dirty = common.Box(visible, w, m.height), false
	return m.cache
}

// ShortHelp implements help.KeyMap.
func (m *Symptoms) ShortHelp() []key.Binding {
	sel := m.keys.Select
	sel.SetHelp("enter", "investigate")
	return []key.Binding{m.keys.Up, m.keys.Down, sel}
}

// FullHelp implements help.KeyMap.
func (m *Symptoms) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.Top, m.keys.Bottom}}
}

// symptomAnswer is the answer the pick of a playbook's symptom gives its tree's first step, when
// that step is the operator's yes-or-no question of whether this is the fault (the 502 of a TLS
// handshake, the 503 of a refused tunnel): "yes", from the operator, as if typed at the step.
func symptomAnswer(p *knowledge.Playbook, now time.Time) (diagnose.Evidence, bool) {
	for _, step := range p.Tree.Steps {
		if step.ID != p.Tree.Start || !step.Operator {
			continue
		}
		for _, b := range step.Branches {
			l := strings.ToLower(b.Label)
			if (l == "yes" || strings.HasPrefix(l, "yes ") || strings.HasPrefix(l, "yes,") || strings.HasPrefix(l, "yes:")) && len(b.When) > 0 {
				return diagnose.Evidence{Signal: b.When[0], Source: "operator", Kind: diagnose.FromOperator, At: now,
					Detail: step.Ask + " " + b.Label + " (the symptom picked)"}, true
			}
		}
	}
	return diagnose.Evidence{}, false
}
