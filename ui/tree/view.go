package tree

import (
	"fmt"
	"path"
	"strings"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/termtext"
	"github.com/hopscope/hopscope/ui/common"
)

// View implements common.Pane. It redraws only after the assessment, the size, the focus or the
// scroll position changed.
func (m *Model) View() string {
	if m.dirty {
		m.cache = m.render()
		m.dirty = false
	}
	return m.cache
}

func (m *Model) render() string {
	pos := m.position()
	if pos == nil {
		return common.Box([]string{m.styles.Dim.Render("No investigation open.")}, m.width, m.height)
	}
	lines, cur := m.lines(pos)
	// Keep the current step (and its answers below it) or the conclusion in view unless the
	// operator scrolled.
	if !m.scrolled {
		m.offset = 0
		if cur >= 0 && cur+4 > m.height {
			m.offset = max(cur-1, 0)
		}
	}
	m.offset = min(m.offset, max(len(lines)-m.height, 0))
	return common.Box(lines[m.offset:], m.width, m.height)
}

// lines renders the tree, returning the index of the current step's first line (-1 when none).
func (m *Model) lines(pos *diagnose.TreePosition) ([]string, int) {
	st, w := m.styles, m.width
	var out []string
	add := func(s string) { out = append(out, s) }
	wrapped := func(prefix string, s string, style func(...string) string) {
		for i, l := range common.Wrap(s, max(w-len([]rune(prefix)), 8)) {
			if i > 0 {
				prefix = strings.Repeat(" ", len([]rune(prefix)))
			}
			add(prefix + style(l))
		}
	}
	answered := map[string]diagnose.Answered{}
	for _, a := range pos.Path {
		answered[a.Step.ID] = a
	}
	cur := -1
	// Answered steps take two lines each, the question cut to one, so that the current step and
	// the conclusion stay in view on a small terminal.
	for _, a := range pos.Path {
		add("✓ " + st.Answered.Render(common.Clip(a.Step.Ask, w-2)))
		add("  → " + st.Answered.Render(a.Branch.Label) + st.Dim.Render(" · "+by(a.By)))
	}
	if pos.Conclusion != "" {
		title := pos.Conclusion
		if c, ok := m.kb.Cause(pos.Conclusion); ok {
			title = c.ID + ": " + c.Title
		}
		cur = len(out)
		wrapped("⇒ ", title, st.Current.Render)
	}
	if s := pos.Current; s != nil {
		cur = len(out)
		wrapped("▶ ", s.Ask, st.Current.Render)
		if s.Operator {
			for i, b := range s.Branches {
				wrapped(fmt.Sprintf("    [%d] ", i+1), b.Label, func(x ...string) string { return strings.Join(x, "") })
			}
			hint := "answer with y/n or 1-9, d if you do not know"
			if m.dontKnow[pos.Playbook.ID+"/"+s.ID] {
				hint = "you did not know: run the check below, or answer when you can"
			}
			wrapped("    ", hint, st.Dim.Render)
		} else {
			wrapped("    ", "answered by evidence only: run the check below", st.Dim.Render)
		}
		if s.Help != "" {
			wrapped("    ", s.Help, st.Dim.Render)
		}
		if ch, ok := m.kb.Check(s.Check); ok {
			wrapped("    ", st.Label.Render("check: ")+ch.How, st.Dim.Render)
		}
	}
	for _, s := range pos.Playbook.Tree.Steps {
		if _, ok := answered[s.ID]; ok || s == pos.Current {
			continue
		}
		if pos.Conclusion != "" {
			break
		}
		wrapped("· ", s.Ask, st.Dim.Render)
	}
	return out, cur
}

// by says what answered a step: "packet lo.pcap#41", "log error.log:12", "the operator".
func by(ev diagnose.Evidence) string {
	src := termtext.Escape(path.Base(ev.Source))
	switch ev.Kind {
	case diagnose.FromOperator:
		return "the operator"
	case diagnose.FromCheck, "":
		return termtext.Escape(ev.Source)
	}
	return string(ev.Kind) + " " + src
}
