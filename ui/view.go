package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/internal/termtext"
	"github.com/hopscope/hopscope/ui/common"
)

// View draws the header, the current screen's panes, the status line and the help bar.
func (m *Model) View() tea.View {
	if m.stale {
		m.frame, m.stale = m.render(), false
	}
	v := tea.NewView(m.frame)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "hopscope"
	return v
}

// render builds the screen as text; golden tests compare it with ANSI stripped.
func (m *Model) render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	parts := []string{m.header()}
	if body := m.cur.view(m.styles); body != "" {
		parts = append(parts, body)
	}
	parts = append(parts, m.statusLine())
	if h := m.helpView(); h != "" {
		parts = append(parts, h)
	}
	out := strings.Join(parts, "\n")
	// Never draw past the bottom: a terminal scrolls, and a scrolled screen flickers on redraw.
	lines := strings.Split(out, "\n")
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	// Panes quote what came from outside (file names, log lines, a packet's text, a peer's
	// answer): only the frame's own styles reach the terminal as sequences, the rest as text.
	return termtext.EscapeScreen(strings.Join(lines, "\n"))
}

// relayout gives the current screen the area left between the header and the status and help
// lines. It runs after anything that changes sizes, never from View.
func (m *Model) relayout() {
	m.help.SetWidth(m.width)
	h := m.height - 2 - m.helpHeight()
	m.cur.resize(m.styles, m.width, max(h, 0), minWidth, minHeight)
}

func (m *Model) header() string {
	left := "hopscope"
	if m.cur == m.inv && m.inv != nil {
		left += " — " + termtext.Escape(m.work.Title()) // often made of file names
	}
	right := m.work.View()
	if m.cur != m.inv {
		right = ""
	}
	// The replay position matters more than the end of a long title: the title gives way.
	rw := ansi.StringWidth(right)
	if rw+2 > m.width {
		right, rw = "", 0
	}
	left = common.Clip(left, m.width-rw-min(rw, 1))
	gap := max(m.width-ansi.StringWidth(left)-rw, 0)
	return m.styles.Header.Render(left) + strings.Repeat(" ", gap) + m.styles.Status.Render(right)
}

func (m *Model) statusLine() string {
	if m.confirm != nil {
		return common.Pad(m.styles.Heading.Render(common.Clip(m.confirm.ask, m.width)), m.width)
	}
	if m.err != nil {
		return common.Pad(m.styles.Error.Render(common.Clip("error: "+termtext.Escape(m.err.Error()), m.width)), m.width)
	}
	var s string
	if m.cur.single && !m.cur.zoomed {
		s = fmt.Sprintf("too small for all panes (%dx%d): one at a time, tab for the next", minWidth, minHeight+3)
		return m.styles.Error.Render(common.Clip(s, m.width))
	}
	if m.note != "" {
		s = m.note
	} else if m.cur == m.inv && m.inv != nil {
		s = inputsSummary(m.work.Inputs(), m.work.Session().Ledger())
	} else {
		s = "Pick a symptom, paste the error you see, or open a recorded incident."
		if m.inv != nil {
			s = "esc: back to the investigation · or pick a symptom, paste an error, open an incident."
		}
	}
	return m.styles.Status.Render(common.Clip(s, m.width))
}

// helpKeys combines the focused pane's bindings with the root's.
type helpKeys struct {
	pane      common.Pane
	keys      common.KeyMap
	replay    bool
	home      bool
	capturing bool
	report    bool // the report key works (an investigation, not training)
	// confirm is set while a question is asked: only its answers show.
	confirm bool
	// inv is set when an investigation is open behind the home screen (esc goes back to it).
	inv bool
	// outer are the keys of a program wrapping the screen (Options.Keys).
	outer []key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding {
	if h.confirm {
		return []key.Binding{confirmYes, confirmNo}
	}
	var out []key.Binding
	if h.pane != nil {
		out = append(out, h.pane.ShortHelp()...)
	}
	if h.replay {
		out = append(out, h.keys.PlayPause, h.keys.StepOn)
	}
	return append(out, h.keys.NextPane, h.keys.Help, h.quit())
}

// FullHelp lists the pane's keys in one column, then the replay's, then those that arrange the
// panes, then the rest: four columns fit 80 cells.
func (h helpKeys) FullHelp() [][]key.Binding {
	if h.confirm {
		return [][]key.Binding{{confirmYes, confirmNo}}
	}
	var pane []key.Binding
	if h.pane != nil {
		for _, g := range h.pane.FullHelp() {
			pane = append(pane, g...)
		}
	}
	out := [][]key.Binding{pane}
	if h.replay {
		out = append(out, []key.Binding{h.keys.PlayPause, h.keys.StepOn, h.keys.StepBack, h.keys.JumpNext, h.keys.JumpPrev, h.keys.JumpStart, h.keys.JumpEnd})
	}
	back := h.keys.Back
	back.SetEnabled(!h.home && h.report || h.home && h.inv)
	if h.home {
		back.SetHelp("esc", "back to the investigation")
	}
	report := h.keys.Report
	report.SetEnabled(h.report)
	help := h.keys.Help
	help.SetHelp("?", "fewer keys") // the full help is what is open
	last := append(slices.Clip(h.outer), back, report, help, h.quit())
	return append(out,
		[]key.Binding{h.keys.NextPane, h.keys.PrevPane, h.keys.Zoom, h.keys.Swap, h.keys.Grow, h.keys.Shrink},
		last)
}

// quit is the quit binding that works now: q, or ctrl+c while a text box takes the keys.
func (h helpKeys) quit() key.Binding {
	if h.capturing {
		return h.keys.ForceQuit
	}
	return h.keys.Quit
}

func (m *Model) helpKeys() helpKeys {
	return helpKeys{pane: m.cur.focused(), keys: m.keys, replay: m.cur == m.inv && m.work.Replaying(),
		home: m.cur == m.home, capturing: m.capturing(), report: m.cur == m.inv && !m.opts.Training,
		confirm: m.confirm != nil, inv: m.inv != nil, outer: m.opts.Keys}
}

// helpView is the help bar, each line clipped: the help bubble lets an item run past its width
// when even the ellipsis would not fit.
func (m *Model) helpView() string {
	lines := strings.Split(m.help.View(m.helpKeys()), "\n")
	for i := range lines {
		lines[i] = common.Clip(lines[i], m.width)
	}
	return strings.Join(lines, "\n")
}

func (m *Model) helpHeight() int {
	if !m.help.ShowAll {
		return 1
	}
	return max(strings.Count(m.helpView(), "\n")+1, 1)
}
