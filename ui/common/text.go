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

// Wrap breaks plain or styled text into lines of at most width cells, at spaces where it can.
func Wrap(s string, width int) []string {
	if width <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
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
