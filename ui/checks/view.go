package checks

import (
	"fmt"
	"github.com/hopscope/hopscope/diagnose"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/ui/common"
)

// labelWidth is the width of the form's labels ("CONNECT Host").
const labelWidth = 13

// maxRefusalLines bounds the lines one refusal takes, so that several leave room for the rest.
const maxRefusalLines = 3

// View implements common.Pane. It is drawn afresh each frame: while checks run the spinner and
// the waterfall change on every tick anyway, and the pane is a few dozen short lines.
func (m *Model) View() string {
	st, w := m.styles, m.width
	var lines []string
	mark := func(row int) string {
		if m.focused && m.cursor == row {
			return "›"
		}
		return " "
	}
	line := func(row int, s string) {
		if m.focused && m.cursor == row && !m.editing {
			s = st.Selected.Render(common.Pad(s, max(w-2, 1)))
		}
		lines = append(lines, mark(row)+" "+s)
	}
	for i, f := range m.form {
		v := f.input.View()
		if !m.editing || m.cursor != i {
			v = f.input.Value()
			if v == "" {
				v = st.Dim.Render(f.hint)
			} else if i == fieldCredentials {
				v = maskCredentials(v)
			} else {
				// A URL typed as http://user:password@proxy:3128 keeps its password off the screen.
				v = diagnose.Redact(v)
			}
		}
		line(i, st.Label.Render(fmt.Sprintf("%-*s", labelWidth, f.label))+v)
	}
	line(rowRun, st.Heading.Render("▶ run all checks")+st.Dim.Render("  (r)"))
	line(rowOne, st.Heading.Render("▶ run one: ")+"‹ "+single[m.one]+" ›"+st.Dim.Render("  (←/→ chooses)"))
	switch {
	case m.suggest != nil && live(m.suggest):
		line(rowSuggest, st.Heading.Render("▶ run the suggested check: ")+m.suggest.Title+st.Dim.Render("  (x)"))
	case m.suggest != nil:
		line(rowSuggest, st.Dim.Render("  suggested next, not a live check: ")+m.suggest.Title)
	default:
		line(rowSuggest, st.Dim.Render("  no live check suggested yet"))
	}
	if m.run != nil {
		rows, phases, _ := m.run.snapshot()
		head := lines
		lines = []string{"", st.Heading.Render("Checks of " + m.run.target)}
		for _, r := range rows {
			note := r.note
			if r.state == running {
				// The spinner's ticks redraw this, so the wait is seen to grow.
				note = fmt.Sprintf("running for %.1f s", time.Since(r.started).Seconds())
			}
			lines = append(lines, "  "+m.glyph(r.state)+" "+fmt.Sprintf("%-12s", r.id)+st.Dim.Render(note))
		}
		for _, why := range m.run.refusals() {
			// The reason says what to ask the server's operator for: wrapped, not cut.
			for i, l := range common.Wrap("refused: "+why, max(w-4, 20)) {
				if i == maxRefusalLines {
					break
				}
				indent := "    "
				if i == 0 {
					indent = "  "
				}
				lines = append(lines, indent+st.Failed.Render(l))
			}
		}
		if len(phases) > 0 {
			lines = append(lines, "", st.Heading.Render("Waterfall"))
			lines = append(lines, m.waterfall(phases, w)...)
		}
		// Where the form and the run do not both fit, the run (its spinners, its outcome) is
		// what the operator waits for: the form gives way to it but for the line under the cursor.
		if len(head)+len(lines) > m.height {
			head = head[m.cursor : m.cursor+1]
		}
		lines = append(head, lines...)
	}
	return common.Box(lines, w, m.height)
}

func (m *Model) glyph(s state) string {
	st := m.styles
	switch s {
	case running:
		return m.spin.View()
	case passed:
		return st.Passed.Render("✓")
	case failed:
		return st.Failed.Render("✗")
	case skipped:
		return st.Skipped.Render("–")
	}
	return st.Dim.Render("·")
}

// waterfall draws each phase as a bar on one time axis, up to the phase that failed.
func (m *Model) waterfall(phases []probe.Phase, w int) []string {
	st := m.styles
	const nameW, timeW = 14, 11
	barW := max(w-nameW-timeW-4, 4)
	var total time.Duration
	for _, p := range phases {
		total = max(total, p.End())
	}
	var out []string
	for _, p := range phases {
		from, to := cellOf(p.Start, total, barW), cellOf(p.End(), total, barW)
		if to <= from {
			to = from + 1
		}
		style := st.BarFull
		if !p.OK {
			style = st.Failed
		}
		bar := strings.Repeat(" ", from) + style.Render(strings.Repeat("█", to-from))
		took := fmt.Sprintf("%9.2fms", float64(p.Took)/float64(time.Millisecond))
		out = append(out, "  "+fmt.Sprintf("%-*s", nameW, p.Name)+took+" "+common.Pad(bar, barW))
		if !p.OK && p.Note != "" {
			out = append(out, "  "+strings.Repeat(" ", nameW)+st.Failed.Render("failed: "+p.Note))
		}
	}
	return out
}

func cellOf(d, total time.Duration, width int) int {
	if total <= 0 {
		return 0
	}
	return min(int(int64(d)*int64(width)/int64(total)), width-1)
}

// maskCredentials shows the user and hides the password.
func maskCredentials(v string) string {
	user, _, hasPass := strings.Cut(v, ":")
	if !hasPass {
		return user
	}
	return user + ":••••••"
}
