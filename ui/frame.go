package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/ui/common"
)

// frame draws a border with the pane's title in its top edge around content, covering exactly
// w×h cells. The focused pane's frame is bold and coloured and its title carries a marker, so focus
// shows without colour too.
func frame(st common.Styles, title, content string, w, h int, focused bool) string {
	if w < 2 || h < 2 {
		return common.Box(nil, w, h)
	}
	b := st.BorderShape
	border, titleStyle := st.Border, st.Title
	if focused {
		border, titleStyle = st.FocusedBorder, st.FocusedTitle
		title = "● " + title
	}
	fw, _ := st.FrameSize()
	inner := w - fw
	var out strings.Builder
	// Top edge: ╭─ Title ───╮
	t := common.Clip(" "+title+" ", max(inner-1, 0))
	fill := max(inner-1-ansi.StringWidth(t), 0)
	out.WriteString(border.Render(b.TopLeft + strings.Repeat(b.Top, min(1, inner))))
	out.WriteString(titleStyle.Render(t))
	out.WriteString(border.Render(strings.Repeat(b.Top, fill) + b.TopRight))
	body := strings.Split(content, "\n")
	left, right := border.Render(b.Left), border.Render(b.Right)
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		out.WriteByte('\n')
		out.WriteString(left + common.Pad(line, inner) + right)
	}
	out.WriteByte('\n')
	out.WriteString(border.Render(b.BottomLeft + strings.Repeat(b.Bottom, max(inner, 0)) + b.BottomRight))
	return out.String()
}
