package common

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Clip cuts s (which may hold ANSI styling) to at most width cells, ending with "…" when cut.
func Clip(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// Pad clips s to width cells and fills the rest with spaces, so a line covers exactly width cells.
func Pad(s string, width int) string {
	s = Clip(s, width)
	if n := width - ansi.StringWidth(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// Wrap breaks plain or styled text into lines of at most width cells, at spaces only: never
// inside a word (an id such as protocol.http.ProxyTunnelCreationFailed, a flag such as --proxy)
// nor inside a `quoted command`, so that what the operator may copy stays in one piece. A word or
// quoted command wider than the line gets a line of its own, cut at its end with "…".
func Wrap(s string, width int) []string {
	if width <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = appendWrapped(out, para, width)
	}
	return out
}

// appendWrapped appends the lines of one paragraph. A line is a piece of s itself, from its
// first word to its last with the spaces between them as they were, so wrapping copies nothing.
func appendWrapped(out []string, s string, width int) []string {
	start, end, cw := -1, 0, 0 // the line so far: s[start:end], cw cells
	flush := func() {
		line := ""
		if start >= 0 {
			line = s[start:end]
		}
		if cw > width {
			line = Clip(line, width)
		}
		out = append(out, line)
	}
	for i := 0; i < len(s); {
		ws, we, next := nextWord(s, i)
		i = next
		if ws == we {
			continue
		}
		ww := cellWidth(s[ws:we])
		gap := ws - end
		switch {
		case start < 0:
			start, cw = ws, ww
		case cw+gap+ww <= width:
			cw += gap + ww
		default:
			flush()
			start, cw = ws, ww
		}
		end = we
	}
	flush()
	return out
}

// nextWord finds the word of s at or after i (spaces inside backquotes belong to it): its start,
// its end, and where to look for the next one.
func nextWord(s string, i int) (start, end, next int) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	start, quoted := i, false
	for ; i < len(s); i++ {
		switch s[i] {
		case '`':
			quoted = !quoted
		case ' ':
			if !quoted {
				return start, i, i + 1
			}
		}
	}
	return start, len(s), len(s)
}

// cellWidth is the cells s takes: its length for plain ASCII, else as the terminal draws it.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0x1b {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// Box joins lines into a block of exactly height lines of exactly width cells: longer lines are
// clipped, missing lines are blank. Panes end their View with it so the root's layout never shifts.
func Box(lines []string, width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < height; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(Pad(lines[i], width))
		} else {
			b.WriteString(strings.Repeat(" ", width))
		}
	}
	return b.String()
}

// Window returns the offset of the first visible line so that line cursor stays inside a window of
// height lines, moving the previous offset as little as possible.
func Window(offset, cursor, height, total int) int {
	if height <= 0 {
		return 0
	}
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+height {
		offset = cursor - height + 1
	}
	offset = min(offset, max(total-height, 0))
	return max(offset, 0)
}

// Count writes n with the singular or the plural noun: "1 line", "3 lines", "0 lines".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Command lays out a command the operator may copy, after a label ("run "): on the label's line
// when both fit, else on a line of its own, cut at its end with "…" when even that is too narrow.
// It is never broken across lines. style draws the label.
func Command(label string, style func(...string) string, cmd string, width int) []string {
	if ansi.StringWidth(label)+ansi.StringWidth(cmd) <= width {
		return []string{style(label) + cmd}
	}
	return []string{style(strings.TrimRight(label, " ")), Clip(cmd, width)}
}

// IsCommand tells a command line ("hopscope check --target URL") from a sentence of advice: a
// sentence ends with a full stop.
func IsCommand(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && !strings.HasSuffix(s, ".") && !strings.Contains(s, ". ")
}

// Prose lays out a text with Markdown code spans in lines of width cells: a span holding a space
// is a command, set on a line of its own (cut with "…" when too wide, never broken; isCmd marks
// it), a one-word span stays in its sentence; neither keeps its backquotes. The commas and "or"
// around commands stay with the words after them. Unbalanced backquotes are kept as they are.
func Prose(s string, width int) (lines []string, isCmd []bool) {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		lines = Wrap(s, width)
		return lines, make([]bool, len(lines))
	}
	var para strings.Builder
	flush := func() {
		t := strings.TrimLeft(strings.TrimSpace(para.String()), ",;: ")
		para.Reset()
		if t == "" {
			return
		}
		for _, l := range Wrap(t, width) {
			lines, isCmd = append(lines, l), append(isCmd, false)
		}
	}
	for i, p := range parts {
		if i%2 == 0 || !strings.Contains(strings.TrimSpace(p), " ") {
			para.WriteString(p)
			continue
		}
		flush()
		lines, isCmd = append(lines, Clip(strings.TrimSpace(p), width)), append(isCmd, true)
	}
	flush()
	return lines, isCmd
}
