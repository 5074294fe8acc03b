package home

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/text"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// Paste is the pane that takes the error the operator is looking at and recognises it.
type Paste struct {
	kb     *knowledge.Base
	styles common.Styles
	keys   common.KeyMap
	area   textarea.Model
	width  int
	height int
}

// PastedName is the source name of pasted text in evidence ("pasted:3" is its third line).
const PastedName = "pasted"

// NewPaste returns the pane.
func NewPaste(kb *knowledge.Base, st common.Styles, km common.KeyMap) *Paste {
	a := textarea.New()
	a.Placeholder = "Paste the error here: a gateway fault body, a curl or client error, a proxy's error log line…"
	a.ShowLineNumbers = false
	a.Prompt = ""
	return &Paste{kb: kb, styles: st, keys: km, area: a}
}

// ID implements common.Pane.
func (m *Paste) ID() string { return "paste" }

// Title implements common.Pane.
func (m *Paste) Title() string { return "Paste an error" }

// Init implements common.Pane.
func (m *Paste) Init() tea.Cmd { return nil }

// SetSize implements common.Pane; one line is kept for the hint.
func (m *Paste) SetSize(w, h int) {
	m.width, m.height = w, h
	m.area.SetWidth(max(w, 1))
	m.area.SetHeight(max(h-1, 1))
}

// SetFocused implements common.Pane.
func (m *Paste) SetFocused(f bool) {
	if f {
		m.area.Focus()
	} else {
		m.area.Blur()
	}
}

// Value is the text in the box.
func (m *Paste) Value() string { return m.area.Value() }

// Capturing implements common.TextInput: while focused, typed keys are text.
func (m *Paste) Capturing() bool { return m.area.Focused() }

// Update implements common.Pane: Submit recognises the text; everything else edits it.
func (m *Paste) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Submit) {
		return m, m.recognise(m.area.Value())
	}
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg, tea.PasteStartMsg, tea.PasteEndMsg:
		var cmd tea.Cmd
		m.area, cmd = m.area.Update(msg)
		return m, cmd
	}
	return m, nil
}

// recognise reads the text with the knowledge base's recognizers, in a command since a large
// paste takes a moment.
func (m *Paste) recognise(s string) tea.Cmd {
	kb := m.kb
	return func() tea.Msg {
		evs, in, err := Recognise(kb, s)
		if err != nil {
			return common.ErrorMsg{Err: err}
		}
		return common.OpenMsg{Title: "pasted error", Evidence: evs, Inputs: []diagnose.Input{in}}
	}
}

// Recognise turns pasted text into evidence with the text recognizers, and describes the paste as
// an input (its lines, and the reader's warnings: a cut line, bytes that are not UTF-8).
func Recognise(kb *knowledge.Base, s string) ([]diagnose.Evidence, diagnose.Input, error) {
	in := diagnose.Input{Path: PastedName, Kind: "text"}
	if strings.TrimSpace(s) == "" {
		return nil, in, errors.New("nothing pasted: paste the error text first, then press ctrl+s")
	}
	var evs []diagnose.Evidence
	res, err := text.Read(kb, PastedName, strings.NewReader(s), func(ev diagnose.Evidence) { evs = append(evs, ev) })
	in.Lines, in.Warnings = res.Lines, res.Warnings
	if errors.Is(err, text.ErrNothingRecognised) {
		return nil, in, errors.New("no known error: paste a gateway fault, client error or proxy log line") // fits 80 columns
	}
	if err != nil {
		return nil, in, fmt.Errorf("pasted text: %w", err)
	}
	return evs, in, nil
}

// View implements common.Pane.
func (m *Paste) View() string {
	hint := m.styles.Dim.Render("ctrl+s recognises it · tab leaves the text box")
	return common.Box(append(strings.Split(m.area.View(), "\n"), hint), m.width, m.height)
}

// ShortHelp implements help.KeyMap.
func (m *Paste) ShortHelp() []key.Binding { return []key.Binding{m.keys.Submit} }

// FullHelp implements help.KeyMap.
func (m *Paste) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
