package logs

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hopscope/hopscope/diagnose"
	logread "github.com/hopscope/hopscope/diagnose/logs"
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

func (m *Model) render() string {
	w, h := m.width, m.height
	if len(m.sources) == 0 {
		return common.Box([]string{m.styles.Dim.Render("No server log among the evidence yet.")}, w, h)
	}
	s := m.sources[m.cur]
	switch {
	case s.loading:
		return common.Box([]string{m.styles.Dim.Render("reading " + termtext.Escape(s.path) + "…")}, w, h)
	case s.err != nil:
		return common.Box([]string{m.styles.Failed.Render(termtext.Escape(s.err.Error()))}, w, h)
	}
	// The overview's maps grow while the log is followed: draw under its lock.
	s.mu.Lock()
	defer s.mu.Unlock()
	var lines []string
	switch m.mode {
	case modeTimeline:
		lines = m.renderTimeline(s.ov, h)
	case modeLines:
		lines = m.renderLines(s.ov, h)
	case modeEvidence:
		lines = m.renderEvidence(h)
	}
	return common.Box(lines, w, h)
}

// blocks draw a count as a bar one cell wide, from none to full.
var blocks = []rune(" ▁▂▃▄▅▆▇█")

// steps are the column widths, in seconds, a timeline may use: the finest that fits the pane.
var steps = []int{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400}

// timelineLayout is how a timeline fits the pane: the width of the backends' names, the chart's
// columns, the seconds each column holds and the first second drawn.
type timelineLayout struct {
	nameW, chartW, step int
	start               int64
	span                int
}

func (m *Model) layoutTimeline(ov logread.Overview) timelineLayout {
	nameW := 8
	bySecond := true
	for _, b := range ov.Backends {
		nameW = max(nameW, min(len(b.Name), 28))
		bySecond = bySecond && b.PerSecond != nil
	}
	chartW := max(m.width-nameW-totalW-2, 1)
	start := ov.First.Unix()
	span := int(ov.Last.Unix()-start) + 1
	step := steps[len(steps)-1]
	for _, s := range steps {
		if (span+s-1)/s <= chartW {
			step = s
			break
		}
	}
	if step < 60 && !bySecond {
		step = 60
	}
	if step >= 60 {
		start -= start % int64(step)
		span = int(ov.Last.Unix()-start) + 1
	}
	return timelineLayout{nameW: nameW, chartW: chartW, step: step, start: start, span: span}
}

// totalW is the width of the failures column.
const totalW = 7

// renderTimeline draws one row per backend: its name, its failures, and a bar per column of time,
// all rows on one scale so bursts compare across backends. A short incident is drawn by the
// second, a long one by the minute or coarser.
func (m *Model) renderTimeline(ov logread.Overview, h int) []string {
	if len(ov.Backends) == 0 {
		return []string{m.styles.Dim.Render(fmt.Sprintf("No failures in %s (%s).", common.Count(int(ov.Stats.Lines), "line", "lines"), ov.Format))}
	}
	tl := m.layoutTimeline(ov)
	nameW, chartW, step, start, span := tl.nameW, tl.chartW, tl.step, tl.start, tl.span
	cols := min((span+step-1)/step, chartW)
	rows := make([][]int, len(ov.Backends))
	peak := 0
	for i, b := range ov.Backends {
		rows[i] = make([]int, cols)
		counts, unit := b.PerSecond, int64(1)
		if step >= 60 {
			counts, unit = b.PerMinute, 60
		}
		for t, n := range counts {
			c := int((t*unit - start) / int64(step))
			if c >= 0 && c < cols {
				rows[i][c] += n
				peak = max(peak, rows[i][c])
			}
		}
	}
	out := []string{m.styles.Heading.Render(fmt.Sprintf("Failures per %s, %s to %s (peak %d)", stepName(step), ov.First.Format("15:04:05"), ov.Last.Format("15:04:05"), peak))}
	for i, b := range ov.Backends {
		if len(out) >= h-1 {
			break
		}
		var bar strings.Builder
		for _, n := range rows[i] {
			level := 0
			if n > 0 && peak > 0 {
				level = max(1, (n*8+peak-1)/peak)
			}
			bar.WriteRune(blocks[min(level, 8)])
		}
		name := fmt.Sprintf("%-*s", nameW, common.Clip(b.Name, nameW))
		out = append(out, fmt.Sprintf("%s %*d %s", name, totalW, b.Total, m.styles.Failed.Render(bar.String())))
	}
	from, to := ov.First.Format("15:04:05"), ov.Last.Format("15:04:05")
	if cols >= len(from)+len(to)+1 {
		axis := from + strings.Repeat(" ", cols-len(from)-len(to)) + to
		out = append(out, strings.Repeat(" ", nameW+totalW+2)+m.styles.Dim.Render(axis))
	}
	return out
}

// stepName says how much time one column holds.
func stepName(s int) string {
	switch {
	case s == 1:
		return "second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	case s == 60:
		return "minute"
	case s < 3600:
		return fmt.Sprintf("%d minutes", s/60)
	case s == 3600:
		return "hour"
	}
	return fmt.Sprintf("%d hours", s/3600)
}

// renderLines lists the failing lines with the cursor.
func (m *Model) renderLines(ov logread.Overview, h int) []string {
	head := fmt.Sprintf("%s of %d", common.Count(len(ov.Lines)+int(ov.Dropped), "failing line", "failing lines"), ov.Stats.Lines)
	if ov.Dropped > 0 {
		head += fmt.Sprintf(" (the first %d listed)", len(ov.Lines))
	}
	out := []string{m.styles.Heading.Render(head)}
	body := h - 1
	if body <= 0 || len(ov.Lines) == 0 {
		return out
	}
	if m.open && m.lineCursor < len(ov.Lines) {
		return append(out, m.renderWhole(ov.Lines[m.lineCursor], body)...)
	}
	m.lineOffset = common.Window(m.lineOffset, m.lineCursor, body, len(ov.Lines))
	for i := m.lineOffset; i < min(len(ov.Lines), m.lineOffset+body); i++ {
		l := ov.Lines[i]
		what := l.Event.String()
		if l.Event == logread.EventRequest {
			what = fmt.Sprintf("status %d", l.Status)
		}
		row := fmt.Sprintf("%s %6d  %-22s %s", l.At.Format("15:04:05"), l.Number, what, l.Text)
		if i == m.lineCursor && m.focused {
			row = m.styles.Selected.Render(common.Pad(row, m.width))
		}
		out = append(out, row)
	}
	return out
}

// renderWhole shows one failing line whole, wrapped to the pane, from the scroll position on.
func (m *Model) renderWhole(l logread.Line, h int) []string {
	what := l.Event.String()
	if l.Event == logread.EventRequest {
		what = fmt.Sprintf("status %d", l.Status)
	}
	head := fmt.Sprintf("line %d · %s · %s", l.Number, what, l.At.Format("15:04:05.000"))
	if l.Backend != "" {
		head += " · " + l.Backend
	}
	text := common.Wrap(diagnose.Redact(l.Text), max(m.width, 10))
	if len(l.Text) >= logread.MaxLineText-utf8.UTFMax {
		// The overview keeps the start of each failing line, to bound its memory.
		text = append(text, m.styles.Dim.Render(fmt.Sprintf("(the first %d bytes of the line; it goes on in the file)", logread.MaxLineText)))
	}
	m.wholeScroll = min(m.wholeScroll, max(len(text)-(h-1), 0))
	return append([]string{m.styles.Label.Render(head)}, text[m.wholeScroll:]...)
}

// renderEvidence lists the current log's evidence; Select jumps to its line.
func (m *Model) renderEvidence(h int) []string {
	ev := m.evidenceHere()
	out := []string{m.styles.Heading.Render(fmt.Sprintf("%d pieces of evidence from this log", len(ev)))}
	body := h - 1
	if body <= 0 {
		return out
	}
	m.evOffset = common.Window(m.evOffset, m.evCursor, body, len(ev))
	for i := m.evOffset; i < min(len(ev), m.evOffset+body); i++ {
		e := ev[i]
		row := fmt.Sprintf("line %-6d %-32s %s", e.Line, e.Signal, e.Detail)
		if i == m.evCursor && m.focused {
			row = m.styles.Selected.Render(common.Pad(row, m.width))
		}
		out = append(out, row)
	}
	return out
}
