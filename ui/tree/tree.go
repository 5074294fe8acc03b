// Package tree is the decision-tree pane: the playbook's steps with the current one highlighted,
// the answered ones marked with the answer and what gave it (a check, a packet, a log line, pasted
// text, the operator), and the keys to answer a manual step.
package tree

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// Model is the decision-tree pane.
type Model struct {
	kb     *knowledge.Base
	styles common.Styles
	keys   common.KeyMap
	now    func() time.Time

	width, height int
	focused       bool

	assess   *diagnose.Assessment
	sess     *diagnose.Session
	rev      int
	pinned   string          // the playbook the operator chose; "" follows the evidence
	skipped  map[string]bool // steps the operator could not answer and skipped, by playbook/step
	offset   int
	scrolled bool // the operator moved the view; do not follow the current step
	// hideConclusion keeps the cause a finished path points at off the pane (training).
	hideConclusion bool

	cache string
	dirty bool
}

// New returns the pane. now stamps the operator's answers.
func New(kb *knowledge.Base, st common.Styles, km common.KeyMap, now func() time.Time) *Model {
	return &Model{kb: kb, styles: st, keys: km, now: now, skipped: map[string]bool{}, dirty: true}
}

// HideConclusion keeps the cause a finished path points at off the pane: in training the trainee
// names it.
func (m *Model) HideConclusion() { m.hideConclusion, m.dirty = true, true }

// ID implements common.Pane.
func (m *Model) ID() string { return "tree" }

// Title implements common.Pane.
func (m *Model) Title() string {
	if p := m.position(); p != nil {
		return "Decision tree · " + p.Playbook.ID
	}
	return "Decision tree"
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

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case common.SessionMsg:
		if msg.Rev != m.rev {
			m.assess, m.sess, m.rev, m.dirty, m.scrolled = msg.Assessment, msg.Session, msg.Rev, true, false
			if msg.Playbook != "" && m.pinned == "" {
				m.pinned = msg.Playbook
			}
		}
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	pos := m.position()
	if pos == nil {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Playbook):
		m.nextPlaybook(pos)
		return nil
	case key.Matches(msg, m.keys.Up):
		m.offset, m.scrolled = max(m.offset-1, 0), true
	case key.Matches(msg, m.keys.Down):
		m.offset, m.scrolled = m.offset+1, true
	case key.Matches(msg, m.keys.Top):
		m.offset, m.scrolled = 0, true
	case key.Matches(msg, m.keys.Bottom):
		m.offset, m.scrolled = math.MaxInt32, true // the view stops it at the last screenful
	}
	m.dirty = true
	step := m.walkOn(pos).asked
	if pos.Conclusion != "" || step == nil {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Yes):
		return m.answer(step, branchFor(step, "yes", 0))
	case key.Matches(msg, m.keys.No):
		return m.answer(step, branchFor(step, "no", 1))
	case key.Matches(msg, m.keys.Choose):
		if i, ok := common.ChosenIndex(msg.String()); ok && i < len(step.Branches) {
			return m.answer(step, step.Branches[i])
		}
	case key.Matches(msg, m.keys.DontKnow):
		m.skipped[skipKey(pos.Playbook, step)] = true
		note := common.Entry{At: m.now(), Source: "operator", Kind: diagnose.FromOperator,
			Detail: "does not know, skipped: " + step.Ask}
		if ch, ok := m.kb.Check(step.Check); ok {
			note.Detail += " — run: `" + ch.How + "`"
		}
		return func() tea.Msg { return common.NoteMsg{Entry: note} }
	case key.Matches(msg, m.keys.RunNext):
		if step.Check == "" {
			return common.ErrorCmd(fmt.Errorf("no check answers %q: answer it from what you see", step.Ask))
		}
		id := step.Check
		return func() tea.Msg { return common.RunCheckMsg{Check: id} }
	}
	return nil
}

// answer turns the operator's choice into evidence: the branch's first signal, from the operator.
func (m *Model) answer(step *knowledge.Step, b *knowledge.Branch) tea.Cmd {
	if b == nil || len(b.When) == 0 {
		return nil
	}
	ev := diagnose.Evidence{
		Signal: b.When[0], Source: "operator", Kind: diagnose.FromOperator, At: m.now(),
		Detail: fmt.Sprintf("%s %s", step.Ask, b.Label),
	}
	return func() tea.Msg { return common.AddEvidenceMsg{Evidence: []diagnose.Evidence{ev}} }
}

// branchFor finds the branch whose label starts with word ("yes", "no"), else the one at index i.
func branchFor(step *knowledge.Step, word string, i int) *knowledge.Branch {
	for _, b := range step.Branches {
		l := strings.ToLower(b.Label)
		if l == word || strings.HasPrefix(l, word+",") || strings.HasPrefix(l, word+" ") || strings.HasPrefix(l, word+":") {
			return b
		}
	}
	if i >= 0 && i < len(step.Branches) {
		return step.Branches[i]
	}
	return nil
}

// position returns the tree position of the playbook shown: the pinned one, else the one the
// evidence points at most.
func (m *Model) position() *diagnose.TreePosition {
	if m.assess == nil || len(m.assess.Trees) == 0 {
		return nil
	}
	for i := range m.assess.Trees {
		if m.assess.Trees[i].Playbook.ID == m.pinned {
			return &m.assess.Trees[i]
		}
	}
	return &m.assess.Trees[0]
}

func (m *Model) nextPlaybook(cur *diagnose.TreePosition) {
	pbs := m.kb.Playbooks
	for i, p := range pbs {
		if p.ID == cur.Playbook.ID {
			m.pinned = pbs[(i+1)%len(pbs)].ID
		}
	}
	m.offset, m.dirty, m.scrolled = 0, true, false
}

// ShortHelp implements help.KeyMap: the answer keys show only while a step waits for an answer.
func (m *Model) ShortHelp() []key.Binding {
	k := m.answerKeys()
	if k.Yes.Enabled() {
		k.Choose.SetEnabled(false) // in the full help; y and n say it shorter
	}
	return []key.Binding{k.Yes, k.No, k.Choose, k.DontKnow, k.RunNext}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.answerKeys()
	return [][]key.Binding{{k.Yes, k.No, k.Choose, k.DontKnow, k.RunNext}, {k.Playbook, k.Up, k.Down, k.Top, k.Bottom}}
}

func (m *Model) answerKeys() common.KeyMap {
	k := m.keys
	var step *knowledge.Step
	if pos := m.position(); pos != nil && pos.Conclusion == "" {
		step = m.walkOn(pos).asked
	}
	can := step != nil && len(step.Branches) > 0
	yesNo := can && branchFor(step, "yes", -1) != nil && branchFor(step, "no", -1) != nil
	k.Yes.SetEnabled(yesNo)
	k.No.SetEnabled(yesNo)
	k.Choose.SetEnabled(can)
	k.DontKnow.SetEnabled(can)
	k.DontKnow.SetHelp("d", "skip")
	k.RunNext.SetEnabled(can && step.Check != "")
	k.RunNext.SetHelp("x", "its check")
	return k
}
