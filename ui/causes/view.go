package causes

import (
	"fmt"
	"math"
	"path"
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/termtext"
	"github.com/hopscope/hopscope/ui/common"
)

// minMove is the smallest change in confidence worth an arrow: smaller ones are the shuffle every
// new signal causes. minExplained is the smallest worth a "because" line: a signal that lifts one
// cause nudges all the others down a little, and a line for each would hide the move that matters.
const (
	minMove      = 0.01
	minExplained = 0.05
)

// minShown is the confidence under which causes are folded into one line, unless the operator
// moves the cursor onto them: a list of zeros would push the moves that matter out of view.
const minShown = 0.01

// shown is how many causes are listed one by one: those at minShown or above (at least three),
// or all once the cursor went past them.
func (m *Model) shown() int {
	n := len(m.assess.Causes)
	k := 0
	for k < n && (m.assess.Causes[k].Confidence >= minShown || k < 3) {
		k++
	}
	if m.cursor >= k-1 && m.cursor > 0 {
		return n
	}
	return k
}

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
	lines := m.hopLines()
	curLine, curEnd := 0, 0
	shown := m.shown()
	because := ""
	for i, rc := range m.assess.Causes[:shown] {
		if i == m.cursor {
			curLine = len(lines)
		}
		lines = append(lines, m.causeLines(i, rc, &because)...)
		if i == m.cursor {
			curEnd = len(lines)
		}
	}
	if rest := len(m.assess.Causes) - shown; rest > 0 {
		lines = append(lines, m.styles.Dim.Render(fmt.Sprintf("  %d more under %.0f%% (↓ shows them)", rest, 100*minShown)))
	}
	// Show the selected cause, and as much of its expansion as fits.
	m.offset = common.Window(m.offset, min(curEnd-1, curLine+m.height-1), m.height, len(lines))
	m.offset = common.Window(m.offset, curLine, m.height, len(lines))
	return common.Box(lines[m.offset:], m.width, m.height)
}

// causeLines draws one cause: "▸ 71% ███████░░░ tunnel.forbidden.acl", its move, and when expanded
// its evidence, resolution and who acts.
// because is the reason given on the previous move line, so that the same one is not repeated.
func (m *Model) causeLines(i int, rc diagnose.RankedCause, because *string) []string {
	st, w := m.styles, m.width
	barW := 4
	if w >= 60 {
		barW = min(w/6, 20)
	}
	mark := "  "
	if i == m.cursor {
		mark = "▸ "
	}
	mv, moved := m.moves[rc.Cause.ID]
	moved = moved && math.Abs(mv.To-mv.From) >= minMove
	arrow := " "
	if moved && mv.To > mv.From {
		arrow = st.Rise.Render("▲")
	} else if moved {
		arrow = st.Fall.Render("▼")
	}
	head := fmt.Sprintf("%s%3.0f%%%s %s ", mark, 100*rc.Confidence, arrow, m.bar(rc.Confidence, barW))
	room := w - ansi.StringWidth(head)
	head += common.Clip(rc.Cause.ID, room)
	if rest := room - len(rc.Cause.ID) - 3; rest > 12 {
		head += st.Dim.Render(" — " + common.Clip(rc.Cause.Title, rest))
	}
	if i == m.cursor && m.focused {
		head = st.Selected.Render(common.Pad(head, w))
	}
	out := []string{head}
	if moved && math.Abs(mv.To-mv.From) >= minExplained {
		out = append(out, m.moveLines(mv, *because)...)
		*because = mv.Because.Signal
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
	section("what it is:")
	for _, l := range common.Wrap(strings.Join(strings.Fields(rc.Cause.Explanation), " "), max(w-len(ind), 10)) {
		out = append(out, ind+st.Dim.Render(l))
	}
	return out
}

// moveLines read "▲ 12% → 71% because the proxy answered CONNECT with 403 (proxy.connect.status.403
// ×40)", in at most two lines, or "▲ 5% → 16%, same reason" after a line that gave the reason.
func (m *Model) moveLines(mv diagnose.Move, previous string) []string {
	st := m.styles
	const ind = "     "
	arrow := st.Rise.Render("▲")
	if mv.To < mv.From {
		arrow = st.Fall.Render("▼")
	}
	s := fmt.Sprintf("%.0f%% → %.0f%%", 100*mv.From, 100*mv.To)
	switch {
	case mv.Because.Signal == "" && mv.To < mv.From && m.rise.Because.Signal != "":
		s += " as " + m.rise.Cause + " rose (" + m.rise.Because.Signal + ")"
	case mv.Because.Signal == "" && mv.To > mv.From && m.fall.Because.Signal != "":
		s += " as " + m.fall.Cause + " fell (" + m.fall.Because.Signal + ")"
	case mv.Because.Signal == "":
	case mv.Because.Signal == previous:
		s += ", same reason"
	default:
		s += " because " + lowerFirst(mv.Because.Title) + " (" + mv.Because.Signal + " " + diagnose.FormatFactor(mv.Because.Factor) + ")"
	}
	lines := common.Wrap(s, max(m.width-len(ind)-2, 10))
	out := []string{ind + arrow + " " + lines[0]}
	if len(lines) > 1 {
		rest := strings.Join(lines[1:], " ")
		out = append(out, ind+"  "+st.Dim.Render(common.Clip(rest, max(m.width-len(ind)-2, 0))))
	}
	return out
}

// bar draws p as a bar of w cells in eighths of a cell, so that a short bar still tells 30% from
// 35%.
func (m *Model) bar(p float64, w int) string {
	eighths := int(math.Round(p * float64(8*w)))
	eighths = min(max(eighths, 0), 8*w)
	full, part := eighths/8, eighths%8
	bar := strings.Repeat("█", full)
	empty := w - full
	if part > 0 {
		bar += string([]rune(" ▏▎▍▌▋▊▉")[part])
		empty--
	}
	return m.styles.BarFull.Render(bar) + m.styles.BarEmpty.Render(strings.Repeat("░", empty))
}

// contribution reads "the proxy refused the CONNECT with 403 (proxy.connect.status.403 ×11.9, 3×,
// first at client.txt:2)".
func contribution(c diagnose.Contribution) string {
	s := c.Title + " (" + c.Signal + " " + diagnose.FormatFactor(c.Factor)
	if c.Count > 1 {
		s += fmt.Sprintf(", %d×", c.Count)
	}
	if c.Source != "" {
		s += ", " + termtext.Escape(path.Base(c.Source))
	}
	return s + ")"
}

// lowerFirst lets a signal's title continue a sentence ("because the proxy answered …"), leaving
// names that start with capitals ("TLS", "CONNECT") alone.
func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && unicode.IsLower(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// hopLines says whose causes are ranked: with failing hops, the one shown ("hop 2/3") and its
// attempts; with attempts that all worked, that nothing failed.
func (m *Model) hopLines() []string {
	a, st := m.assess, m.styles
	switch {
	case a.NoFailure:
		line := fmt.Sprintf("No attempt failed on %d hop(s): the traffic shows no failure.", len(a.Healthy))
		return []string{st.Dim.Render(common.Clip(line, m.width))}
	case len(a.Hops) == 0:
		return nil
	}
	v := a.Hops[a.Selected]
	head := fmt.Sprintf("hop %d/%d ", a.Selected+1, len(a.Hops))
	what := fmt.Sprintf("%s · %d failed, %d worked", termtext.Escape(v.Hop.Key.String()), v.Hop.Failed, v.Hop.Worked)
	if len(a.Hops) > 1 {
		what += " · H: next hop"
	}
	return []string{st.Dim.Render(head) + common.Clip(what, max(m.width-len(head), 0))}
}
