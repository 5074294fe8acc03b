package ledger

import (
	"strconv"

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

// Column widths. Sources are clipped from the left, where a long path is least telling.
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
	showDetail := w-tw-sw-gw-3 >= 20
	if !showDetail {
		gw = max(w-tw-sw-2, 0)
	}
	var lines []string
	var curLine int
	for i, e := range m.entries {
		if i == m.cursor {
			curLine = len(lines)
		}
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
		line := st.Dim.Render(common.Pad(t, tw)) + " " + common.Pad(clipLeft(e.Source, sw), sw) + " "
		if showDetail {
			line += sigStyle.Render(common.Pad(sig, gw)) + " " + st.Dim.Render(e.Detail)
		} else if e.Signal == "" {
			// A note or a skipped check has no signal: its detail is the point.
			line += sigStyle.Render(common.Clip(sig+": "+e.Detail, gw))
		} else {
			line += sigStyle.Render(common.Clip(sig, gw))
		}
		if i == m.cursor && m.focused {
			line = st.Selected.Render(common.Pad(line, w))
		}
		lines = append(lines, line)
		if i == m.cursor && (m.open || (!showDetail && m.focused)) {
			for _, l := range common.Wrap(e.Detail, max(w-4, 10)) {
				lines = append(lines, "    "+l)
			}
		}
	}
	m.offset = common.Window(m.offset, curLine, m.height, len(lines))
	if m.follow {
		m.offset = max(len(lines)-m.height, 0)
	}
	return common.Box(lines[m.offset:], m.width, m.height)
}

// clipLeft keeps the end of s (a file name and line) within w cells.
func clipLeft(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w <= 1 {
		return string(r[len(r)-max(w, 0):])
	}
	return "…" + string(r[len(r)-w+1:])
}

func itoa(n int) string { return strconv.Itoa(n) }
