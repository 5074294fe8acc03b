package ledger

import (
	"path"
	"strconv"

	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/internal/termtext"
	"github.com/hopscope/hopscope/ui/common"
)

// View implements common.Pane; it redraws only after a change.
func (m *Model) View() string {
	if m.dirty {
		m.cache = m.render()
		m.dirty = false
	}
	return m.cache
}

// Column widths. A long source keeps the start of its file name and its packet or line number
// and loses the middle: "any-v6.pcapng#115" becomes "any-v…#115", not "…pcapng#115", which
// would not tell any.pcapng from any-v6.pcapng.
const (
	timeW   = 12 // 15:04:05.000
	sourceW = 18
	signalW = 30
)

func (m *Model) render() string {
	st := m.styles
	if len(m.entries) == 0 {
		return common.Box([]string{st.Dim.Render("No evidence yet.")}, m.width, m.height)
	}
	w := m.width
	// Narrow panes drop the milliseconds, then the detail column; the signal column takes what
	// is left then.
	tw, sw, gw := timeW, sourceW, signalW
	if w < 90 {
		tw, sw = 8, 14
	}
	if w < 60 {
		sw = 11 // the signal says more than the file name
	}
	showDetail := w-tw-sw-gw-3 >= 20
	// A source column wider than its names wastes room, one narrower cuts them although there
	// may be room: it takes what the longest source needs, as far as the signal (and the detail,
	// when shown) leave room.
	if showDetail {
		sw = max(min(m.longSource, w-tw-gw-3-20), min(sw, m.longSource), 4)
	} else {
		sw = max(min(m.longSource, w-tw-2-min(m.longSignal, 24)), min(sw, m.longSource), 4)
		gw = max(w-tw-sw-2, 0)
	}
	// Only the entries in view are drawn: a long replay holds thousands, and the frame must cost
	// the same with ten or ten thousand. The entry under the cursor may show its detail below it.
	n := len(m.entries)
	var detail []string
	if n > 0 && (m.open || (!showDetail && m.focused)) {
		for _, l := range common.Wrap(m.entries[m.cursor].Detail, max(w-4, 10)) {
			detail = append(detail, "    "+l)
		}
	}
	total := n + len(detail)
	m.offset = common.Window(m.offset, m.cursor+len(detail), m.height, total)
	m.offset = common.Window(m.offset, m.cursor, m.height, total)
	if m.follow {
		m.offset = max(total-m.height, 0)
	}
	first, skip := m.offset, 0
	switch {
	case m.offset > m.cursor+len(detail):
		first = m.offset - len(detail)
	case m.offset > m.cursor:
		first, skip = m.cursor, m.offset-m.cursor
	}
	lines := make([]string, 0, m.height+len(detail))
	m.rows = m.rows[:0]
	for i := first; i < n && len(lines) < m.height+skip; i++ {
		lines = append(lines, m.line(i, tw, sw, gw, showDetail))
		m.rows = append(m.rows, i)
		if i == m.cursor {
			lines = append(lines, detail...)
			for range detail {
				m.rows = append(m.rows, i)
			}
		}
	}
	m.rows = m.rows[min(skip, len(m.rows)):]
	return common.Box(lines[min(skip, len(lines)):], m.width, m.height)
}

// measure widens longSource and longSignal to the entries not measured yet (all of them after
// the ledger shrank: a replay stepped back).
func (m *Model) measure() {
	if len(m.entries) < m.measured {
		m.measured, m.longSource, m.longSignal = 0, 0, 0
	}
	for _, e := range m.entries[m.measured:] {
		m.longSource = max(m.longSource, ansi.StringWidth(termtext.Escape(path.Base(e.Source))))
		m.longSignal = max(m.longSignal, len(e.Signal)+2)
	}
	m.measured = len(m.entries)
}

// line draws entry i: time, source, signal (marked passed, failed or skipped for checks) and,
// when there is room, the detail.
func (m *Model) line(i, tw, sw, gw int, showDetail bool) string {
	st, e := m.styles, m.entries[i]
	t := "--:--:--"
	if !e.At.IsZero() {
		t = e.At.UTC().Format("15:04:05.000")[:tw]
	}
	sig, sigStyle := e.Signal, st.Answered
	switch e.Status {
	case "passed":
		sig, sigStyle = "✓ "+sig, st.Passed
	case "failed":
		sig, sigStyle = "✗ "+sig, st.Failed
	case "skipped":
		sig, sigStyle = "- skipped", st.Skipped
	}
	if e.Signal == "" && e.Status == "" {
		sig, sigStyle = "note", st.Dim
	}
	line := st.Dim.Render(common.Pad(t, tw)) + " " + common.Pad(clipSource(termtext.Escape(path.Base(e.Source)), sw), sw) + " "
	switch {
	case showDetail:
		line += sigStyle.Render(common.Pad(sig, gw)) + " " + st.Dim.Render(common.Clip(e.Detail, m.width-tw-sw-gw-3))
	case e.Signal == "":
		// A note or a skipped check has no signal: its detail is the point.
		line += sigStyle.Render(common.Clip(sig+": "+e.Detail, gw))
	default:
		line += sigStyle.Render(common.Clip(sig, gw))
	}
	if i == m.cursor && m.focused {
		line = st.Selected.Render(common.Pad(line, m.width))
	}
	return line
}

// clipSource fits a source ("file#packet", "file:line", "check tls") into w cells: a file's
// source loses the middle of its name, so that its start and the locator after the last '#' or
// ':' stay; any other keeps its end.
func clipSource(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w <= 1 {
		return string(r[:max(w, 0)])
	}
	loc := len(r)
	for i := len(r) - 1; i > 0; i-- {
		if r[i] == '#' || r[i] == ':' {
			loc = i
			break
		}
	}
	tail := r[loc:]
	head := w - 1 - len(tail)
	if loc == len(r) || head < 1 {
		// No locator ("check connect-host-header": the end names the check), or the locator
		// does not fit beside a start: keep the end.
		return "…" + string(r[len(r)-w+1:])
	}
	return string(r[:head]) + "…" + string(tail)
}

func itoa(n int) string { return strconv.Itoa(n) }
