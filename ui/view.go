package ui

import (
	"fmt"
	"math"
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
	if m.help.ShowAll && m.helpPaged(len(m.fullHelp())) {
		parts = append(parts, m.helpView()) // the full help in place of the panes
	} else {
		if body := m.cur.view(m.styles); body != "" {
			parts = append(parts, body)
		}
		parts = append(parts, m.statusLine())
		if h := m.helpView(); h != "" {
			parts = append(parts, h)
		}
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
	if m.note != "" {
		// What the last key led to (a prompt, where a report went) comes before the screen's size.
		return m.styles.Status.Render(common.Clip(m.note, m.width))
	}
	if m.cur.single && !m.cur.zoomed {
		s = fmt.Sprintf("too small for all panes (%dx%d): one at a time, tab for the next", minWidth, minHeight+3)
		return m.styles.Error.Render(common.Clip(s, m.width))
	}
	if m.cur == m.inv && m.inv != nil {
		s = inputsSummary(m.work.Inputs(), m.work.Session().Ledger())
		if r := m.work.Reading(); r != "" {
			s = r + " · the timeline grows as the rest is read; > follows its end"
		}
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

// helpView is the help bar: the short help on one line, clipped (the help bubble lets an item run
// past its width when even the ellipsis would not fit), or every key, its columns flowed into as
// many bands as the width needs. When the full help leaves too little room for the panes it is
// drawn as a page of its own (see helpPaged) and this returns what fits of it.
func (m *Model) helpView() string {
	if !m.help.ShowAll {
		return common.Clip(m.help.View(m.helpKeys()), m.width)
	}
	lines := m.fullHelp()
	if !m.helpPaged(len(lines)) {
		return strings.Join(lines, "\n")
	}
	rows := max(m.height-2, 1) // below the header, with the line saying how to scroll
	m.helpOffset = min(max(m.helpOffset, 0), max(len(lines)-rows, 0))
	end := min(m.helpOffset+rows, len(lines))
	page := slices.Clone(lines[m.helpOffset:end])
	hint := fmt.Sprintf("↑↓ scroll · ? fewer keys · %d-%d/%d", m.helpOffset+1, end, len(lines))
	return strings.Join(append(page, m.styles.Status.Render(common.Clip(hint, m.width))), "\n")
}

// helpPaged reports whether n lines of full help leave the panes fewer than helpRoom rows: the
// help is then a scrollable page in place of the panes.
func (m *Model) helpPaged(n int) bool {
	return m.help.ShowAll && m.height-2-n < helpRoom
}

// helpRoom is the fewest rows the panes keep beside the full help (a frame and three lines).
const helpRoom = 5

func (m *Model) helpHeight() int {
	if !m.help.ShowAll {
		return 1
	}
	n := len(m.fullHelp())
	if m.helpPaged(n) {
		return 1 // the panes keep their size behind the page
	}
	return max(n, 1)
}

// scrollHelp moves the paged full help for a moving key; it reports whether the key was one.
func (m *Model) scrollHelp(msg tea.KeyPressMsg) bool {
	if !m.helpPaged(len(m.fullHelp())) {
		return false
	}
	page := max(m.height-3, 1)
	switch {
	case key.Matches(msg, m.keys.Up):
		m.helpOffset--
	case key.Matches(msg, m.keys.Down):
		m.helpOffset++
	case key.Matches(msg, m.keys.PageUp):
		m.helpOffset -= page
	case key.Matches(msg, m.keys.PageDown):
		m.helpOffset += page
	case key.Matches(msg, m.keys.Top):
		m.helpOffset = 0
	case key.Matches(msg, m.keys.Bottom):
		m.helpOffset = math.MaxInt32 // helpView stops it at the last page
	default:
		return false
	}
	m.helpOffset = max(m.helpOffset, 0)
	return true
}

// fullHelp lays out every enabled key in columns of "key description": one column a group, side
// by side, when they all fit the width; otherwise the keys in order, in as few rows as make their
// columns fit, or one column when even two do not (the help then pages). Nothing is cut but a
// line wider than the screen itself.
func (m *Model) fullHelp() []string {
	var groups [][]key.Binding
	var all []key.Binding
	for _, group := range m.helpKeys().FullHelp() {
		var g []key.Binding
		for _, b := range group {
			if b.Enabled() && (b.Help().Key != "" || b.Help().Desc != "") {
				g = append(g, b)
			}
		}
		if len(g) > 0 {
			groups, all = append(groups, g), append(all, g...)
		}
	}
	if helpWidth(groups) <= m.width {
		return m.helpBand(groups)
	}
	for rows := 1; rows < len(all); rows++ {
		cols := slices.Collect(slices.Chunk(all, rows))
		if helpWidth(cols) <= m.width {
			return m.helpBand(cols)
		}
	}
	return m.helpBand([][]key.Binding{all})
}

// helpGap is the space between two columns of the full help.
const helpGap = 2

// helpColumn measures a column of the full help: its keys' width and its own.
func helpColumn(col []key.Binding) (kw, cw int) {
	for _, b := range col {
		kw = max(kw, ansi.StringWidth(b.Help().Key))
	}
	for _, b := range col {
		cw = max(cw, kw+1+ansi.StringWidth(b.Help().Desc))
	}
	return kw, cw
}

func helpWidth(cols [][]key.Binding) int {
	w := helpGap * max(len(cols)-1, 0)
	for _, c := range cols {
		_, cw := helpColumn(c)
		w += cw
	}
	return w
}

// helpBand draws columns side by side, each line clipped to the width.
func (m *Model) helpBand(cols [][]key.Binding) []string {
	st := m.styles.Help
	rows := 0
	for _, c := range cols {
		rows = max(rows, len(c))
	}
	out := make([]string, rows)
	for ci, c := range cols {
		kw, cw := helpColumn(c)
		for i := range rows {
			cell := strings.Repeat(" ", cw)
			if i < len(c) {
				cell = common.Pad(st.FullKey.Render(common.Pad(c[i].Help().Key, kw))+" "+st.FullDesc.Render(c[i].Help().Desc), cw)
			}
			if ci > 0 {
				out[i] += strings.Repeat(" ", helpGap)
			}
			out[i] += cell
		}
	}
	for i := range out {
		out[i] = strings.TrimRight(common.Clip(out[i], m.width), " ")
	}
	return out
}
