package causes

import (
	"fmt"
	"math"
	"strings"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// minMove is the smallest change in confidence worth an arrow: smaller ones are the shuffle every
// new signal causes and would hide the moves that matter.
const minMove = 0.01

// View implements common.Pane; it redraws only after a change.
func (m *Model) View() string {
	if m.dirty {
		m.cache = m.render()
		m.dirty = false
	}
	return m.cache
}

func (m *Model) render() string {
	if m.assess == nil {
		return common.Box([]string{m.styles.Dim.Render("No investigation open.")}, m.width, m.height)
	}
	var lines []string
	curLine, curEnd := 0, 0
	for i, rc := range m.assess.Causes {
		if i == m.cursor {
			curLine = len(lines)
		}
		lines = append(lines, m.causeLines(i, rc)...)
		if i == m.cursor {
			curEnd = len(lines)
		}
	}
	// Show the selected cause, and as much of its expansion as fits.
	m.offset = common.Window(m.offset, min(curEnd-1, curLine+m.height-1), m.height, len(lines))
	m.offset = common.Window(m.offset, curLine, m.height, len(lines))
	return common.Box(lines[m.offset:], m.width, m.height)
}

// causeLines draws one cause: "▸ 71% ███████░░░ tunnel.forbidden.acl", its move, and when expanded
// its evidence, resolution and who acts.
func (m *Model) causeLines(i int, rc diagnose.RankedCause) []string {
	st, w := m.styles, m.width
	barW := min(max(w/6, 4), 20)
	mark := "  "
	if i == m.cursor {
		mark = "▸ "
	}
	head := fmt.Sprintf("%s%3.0f%% %s %s", mark, 100*rc.Confidence, m.bar(rc.Confidence, barW), rc.Cause.ID)
	if rest := w - len([]rune(head)) - 3; rest > 12 {
		head += st.Dim.Render(" — " + common.Clip(rc.Cause.Title, rest))
	}
	if i == m.cursor && m.focused {
		head = st.Selected.Render(common.Pad(head, w))
	}
	out := []string{head}
	if mv, ok := m.moves[rc.Cause.ID]; ok && math.Abs(mv.To-mv.From) >= minMove {
		out = append(out, m.moveLine(mv))
	}
	if !m.expanded[rc.Cause.ID] {
		return out
	}
	ind := "     "
	wrap := func(prefix, s string) {
		for j, l := range common.Wrap(s, max(w-len([]rune(ind+prefix)), 10)) {
			p := prefix
			if j > 0 {
				p = strings.Repeat(" ", len([]rune(prefix)))
			}
			out = append(out, ind+p+l)
		}
	}
	for _, l := range common.Wrap(rc.Cause.Explanation, max(w-len(ind), 10)) {
		out = append(out, ind+st.Dim.Render(l))
	}
	section := func(title string) { out = append(out, ind+st.Label.Render(title)) }
	section("evidence for:")
	if len(rc.For) == 0 {
		wrap("  ", "none yet")
	}
	for _, c := range rc.For {
		wrap("+ ", contribution(c))
	}
	section("evidence against:")
	if len(rc.Against) == 0 {
		wrap("  ", "none")
	}
	for _, c := range rc.Against {
		wrap("- ", contribution(c))
	}
	section("resolution:")
	for j, r := range rc.Cause.Resolution {
		wrap(fmt.Sprintf("%d. ", j+1), r)
	}
	if len(rc.Cause.Who) > 0 {
		section("who acts:")
		wrap("  ", strings.Join(rc.Cause.Who, ", "))
	}
	return out
}

// moveLine reads "     ▲ 12% → 71% because the proxy answered CONNECT with 403".
func (m *Model) moveLine(mv diagnose.Move) string {
	st := m.styles
	arrow := st.Rise.Render("▲")
	if mv.To < mv.From {
		arrow = st.Fall.Render("▼")
	}
	s := fmt.Sprintf("%.0f%% → %.0f%%", 100*mv.From, 100*mv.To)
	if mv.Because.Signal != "" {
		s += " because " + mv.Because.Title + " (" + mv.Because.Signal + " " + diagnose.FormatFactor(mv.Because.Factor) + ")"
	}
	return "     " + arrow + " " + common.Clip(s, max(m.width-7, 0))
}

func (m *Model) bar(p float64, w int) string {
	full := int(math.Round(p * float64(w)))
	full = min(max(full, 0), w)
	return m.styles.BarFull.Render(strings.Repeat("█", full)) + m.styles.BarEmpty.Render(strings.Repeat("░", w-full))
}

// contribution reads "proxy.connect.status.403 ×40, seen 3× first at client.txt:2: title".
func contribution(c diagnose.Contribution) string {
	s := c.Signal + " " + diagnose.FormatFactor(c.Factor)
	if c.Count > 1 {
		s += fmt.Sprintf(", seen %d×", c.Count)
	}
	if c.Source != "" {
		s += " at " + c.Source
	}
	return s + ": " + c.Title
}
