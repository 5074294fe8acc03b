package home

import (
	"fmt"

	"github.com/hopscope/hopscope/ui/common"
)

// scroll picks the lines of a list that fit height lines, keeping each of the lines in keep in view
// (the last one wins when they cannot all be), moving the previous offset as little as possible.
// When lines are left out below, the last line says how many, so nothing is hidden without a word.
func scroll(lines []string, keep []int, offset, height int, st common.Styles, width int) ([]string, int) {
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
	if below := len(lines) - end; below > 0 && height > 1 {
		hint := "↓ " + common.Count(below, "more line", "more lines")
		if offset > 0 {
			hint = fmt.Sprintf("↑ %d above · ↓ %d more", offset, below)
		}
		out = append(out, st.Dim.Render(common.Clip(hint, width)))
	}
	return out, offset
}
