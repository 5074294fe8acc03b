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
	conclude := func(id string) {
		title := id
		if c, ok := m.kb.Cause(id); ok {
			title = c.ID + ": " + c.Title
		}
		if m.hideConclusion {
			title = "the path reaches a cause: name it in your diagnosis"
		}
		cur = len(out)
		wrapped("⇒ ", title, st.Current.Render)
	}
	if pos.Conclusion != "" {
		conclude(pos.Conclusion)
	}
	var wk walk
	if pos.Conclusion == "" {
		wk = m.walkOn(pos)
	}
	for _, a := range wk.ahead {
		answered[a.step.ID] = diagnose.Answered{Step: a.step}
		if a.skipped && a.step == wk.asked {
			continue
		}
		if a.skipped {
			add("? " + st.Dim.Render(common.Clip(a.step.Ask, w-2)))
			add("  → " + st.Dim.Render("skipped: you did not know"))
			continue
		}
		add("✓ " + st.Answered.Render(common.Clip(a.step.Ask, w-2)))
		add("  → " + st.Answered.Render(a.branch.Label) + st.Dim.Render(" · "+by(a.by)))
	}
	if wk.conclusion != "" {
		conclude(wk.conclusion)
	}
	if s := wk.asked; s != nil {
		cur = len(out)
		mark := "▶ "
		if wk.blocked {
			mark = "? "
		}
		wrapped(mark, s.Ask, st.Current.Render)
		for i, b := range s.Branches {
			wrapped(fmt.Sprintf("    [%d] ", i+1), b.Label, func(x ...string) string { return strings.Join(x, "") })
		}
		ch, hasCheck := m.kb.Check(s.Check)
		var hint string
		keys := "y/n"
		if branchFor(s, "yes", -1) == nil || branchFor(s, "no", -1) == nil {
			keys = "1-9"
		}
		switch {
		case wk.blocked:
			hint = "skipped, but what comes next depends on it: " + keys + " when you know"
		case s.Operator:
			hint = keys + " answers, d if you do not know"
		default:
			hint = "the evidence answers this, or you: " + keys + ", d skips"
		}
		if hasCheck {
			hint += ", x runs its check"
		}
		wrapped("    ", hint, st.Dim.Render)
		if s.Help != "" {
			lines, isCmd := common.Prose(s.Help, max(w-4, 8))
			for i, l := range lines {
				if !isCmd[i] {
					l = st.Dim.Render(l)
				}
				add("    " + l)
			}
		}
		if hasCheck && common.IsCommand(ch.How) {
			for _, l := range common.Command("check: ", st.Label.Render, ch.How, max(w-4, 8)) {
				add("    " + l)
			}
		} else if hasCheck {
			wrapped("    ", st.Label.Render("check: ")+ch.How, st.Dim.Render)
		}
		answered[s.ID] = diagnose.Answered{Step: s}
	}
	for _, s := range pos.Playbook.Tree.Steps {
		if _, ok := answered[s.ID]; ok || s == pos.Current {
			continue
		}
		if pos.Conclusion != "" || wk.conclusion != "" {
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
