package home

import (
	"fmt"

	"github.com/hopscope/hopscope/ui/common"
)

// scroll picks the lines of a list that fit height lines, keeping each of the lines in keep in view
// (the last one wins when they cannot all be), moving the previous offset as little as possible.
// When lines are left out below, the last line says how much, so nothing is hidden without a
// word: below(end) words what lies from line end on ("12 more incidents"); nil counts lines.
func scroll(lines []string, keep []int, offset, height int, st common.Styles, width int, below func(end int) string) ([]string, int) {
	if height <= 0 {
		return nil, 0
	}
	if len(lines) <= height {
		return lines, 0
	}
	avail := max(height-1, 1) // one line for the hint
	for _, k := range keep {
		offset = common.Window(offset, k, avail, len(lines))
	}
	end := min(offset+avail, len(lines))
	out := append([]string(nil), lines[offset:end]...)
	if n := len(lines) - end; n > 0 && height > 1 {
		more := common.Count(n, "more line", "more lines")
		if below != nil {
			more = below(end)
		}
		hint := "↓ " + more
		if offset > 0 {
			hint = fmt.Sprintf("↑ %d above · ↓ %s", offset, more)
		}
		out = append(out, st.Dim.Render(common.Clip(hint, width)))
	}
	return out, offset
}
