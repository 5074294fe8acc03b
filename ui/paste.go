package ui

import (
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/ui/common"
)

// A terminal without bracketed paste (or an SSH client that strips it) delivers pasted text as
// key presses, all at once. The root holds back printable key presses for burstGap: a run of them
// that arrives faster than anyone types, with at least pasteMin characters, is a paste and never
// reaches the panes as commands (the q of "pass request body failed" must not quit). A key held
// down repeats every 30 ms or more, slower than burstGap, so it stays a key.
const (
	burstGap = 15 * time.Millisecond
	pasteMin = 6
)

// errPasteHere says where a paste goes when it arrives in an investigation.
var errPasteHere = errors.New("pasted text is not read here: paste it on the home screen (esc)")

// errPasteField says how to paste into a pane that takes text in its fields.
var errPasteField = errors.New("pasted text is not read here: open a field with enter first, then paste")

// burst is the key presses held back while they may be a paste.
type burst struct {
	keys []tea.KeyPressMsg
	gen  int
}

// burstDoneMsg ends a burst when no key followed for burstGap.
type burstDoneMsg struct{ gen int }

// textKey reports whether a key press is typed text: a printable character, or (inside a burst
// already started) the enter, tab and space that pasted text holds.
func textKey(k tea.KeyPressMsg, inBurst bool) bool {
	if k.Mod&(tea.ModCtrl|tea.ModAlt|tea.ModSuper) != 0 {
		return false
	}
	if k.Text != "" {
		return true
	}
	return inBurst && (k.Code == tea.KeyEnter || k.Code == tea.KeyTab || k.Code == tea.KeySpace)
}

// hold adds a key press to the burst and returns the command that ends it once no key followed.
func (m *Model) hold(k tea.KeyPressMsg) tea.Cmd {
	m.burst.keys = append(m.burst.keys, k)
	m.burst.gen++
	gen := m.burst.gen
	return tea.Tick(burstGap, func(time.Time) tea.Msg { return burstDoneMsg{gen: gen} })
}

// release ends the burst: as a paste when it is one, else as the key presses it held, in order.
func (m *Model) release() tea.Cmd {
	held := m.burst.keys
	m.burst.keys = nil
	m.burst.gen++
	if len(held) == 0 {
		return nil
	}
	var b strings.Builder
	chars := 0
	for _, k := range held {
		switch {
		case k.Text != "":
			b.WriteString(k.Text)
			chars++
		case k.Code == tea.KeyEnter:
			b.WriteByte('\n')
		case k.Code == tea.KeyTab:
			b.WriteByte('\t')
		case k.Code == tea.KeySpace:
			b.WriteByte(' ')
		}
	}
	if chars >= pasteMin {
		return m.paste(tea.PasteMsg{Content: b.String()})
	}
	var cmds []tea.Cmd
	for _, k := range held {
		cmds = append(cmds, m.key(k))
	}
	return tea.Sequence(cmds...)
}

// paste routes a paste: to the focused pane when it takes text (a form field being edited), else
// on the home screen to the paste box, which takes the focus, and in an investigation nowhere
// (with a word on where to paste).
func (m *Model) paste(msg tea.Msg) tea.Cmd {
	if m.capturing() {
		return m.toFocused(msg)
	}
	if m.cur == m.home {
		if !m.home.layout.shows("paste") {
			if sl := m.home.layout.slots(); len(sl) > 0 {
				sl[m.home.focus].pane = "paste"
			}
		}
		m.home.focusPane("paste")
		m.relayout()
		if p := m.home.pane("paste"); p != nil {
			_, cmd := p.Update(msg)
			return cmd
		}
		return nil
	}
	if _, ok := msg.(tea.PasteMsg); ok {
		m.err = errPasteHere
		if _, ok := m.cur.focused().(common.TextInput); ok {
			m.err = errPasteField
		}
	}
	return nil
}
