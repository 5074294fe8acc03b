package ui

import (
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/ui/home"
)

// typeFast feeds the text's characters as key presses with nothing run in between, as a terminal
// without bracketed paste delivers a paste, then lets the held burst end. It reports whether
// anything asked the program to quit.
func typeFast(m *Model, s string) (quit bool) {
	var cmds []tea.Cmd
	for _, r := range s {
		var k tea.KeyPressMsg
		switch r {
		case '\n':
			k = tea.KeyPressMsg{Code: tea.KeyEnter}
		case ' ':
			k = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		default:
			k = tea.KeyPressMsg{Code: r, Text: string(r)}
		}
		_, cmd := m.Update(k)
		cmds = append(cmds, cmd)
	}
	// Each command runs once (a tick's timer fires once), in order: the stale ends of the burst
	// first, which change nothing.
	for _, c := range cmds {
		quit = settleCmd(m, c) || quit
	}
	return quit
}

// settleCmd runs a command and everything it leads to, as the program would, each command once,
// and reports whether any of them quit.
func settleCmd(m *Model, c tea.Cmd) (quit bool) {
	if c == nil {
		return false
	}
	msg, ok := runQuick(c)
	if !ok || msg == nil {
		return false
	}
	if _, ok := msg.(tea.QuitMsg); ok {
		return true
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			quit = settleCmd(m, c) || quit
		}
		return quit
	}
	if seq, ok := sequenceCmds(msg); ok {
		for _, c := range seq {
			quit = settleCmd(m, c) || quit
		}
		return quit
	}
	_, cmd := m.Update(msg)
	return settleCmd(m, cmd)
}

func pasteText(m *Model) string { return m.home.pane("paste").(*home.Paste).Value() }

const modProxyLine = "[proxy:error] AH01084: pass request body failed to 127.0.0.1:9000 (127.0.0.1)"

// A paste arriving as key presses while the symptom list has the focus lands in the paste box:
// the q of "request" does not quit and the s does not swap a pane.
func TestUnbracketedPasteOnHomeLandsInTheBox(t *testing.T) {
	m := newTest(t, 80, 24)
	if quit := typeFast(m, modProxyLine); quit {
		t.Fatal("the pasted text quit the program")
	}
	if got := pasteText(m); got != modProxyLine {
		t.Fatalf("paste box holds %q, want %q", got, modProxyLine)
	}
	if f := m.cur.focused().ID(); f != "paste" {
		t.Errorf("focus on %s after the paste, want the paste box", f)
	}
	if !m.home.layout.shows("symptoms") || !m.home.layout.shows("incidents") {
		t.Errorf("the paste swapped a pane away:\n%s", plain(m))
	}
}

// A bracketed paste while the incidents list has the focus lands in the paste box too.
func TestBracketedPasteOnHomeLandsInTheBox(t *testing.T) {
	m := newTest(t, 80, 24)
	drive(m, keys("tab")...)
	drive(m, tea.PasteStartMsg{}, tea.PasteMsg{Content: modProxyLine}, tea.PasteEndMsg{})
	if got := pasteText(m); got != modProxyLine {
		t.Fatalf("paste box holds %q, want %q", got, modProxyLine)
	}
	if f := m.cur.focused().ID(); f != "paste" {
		t.Errorf("focus on %s after the paste, want the paste box", f)
	}
}

// Keys typed one at a time stay commands: y answers, q quits.
func TestTypedKeysStayCommands(t *testing.T) {
	m := newTest(t, 80, 24)
	drive(m, keys("down", "enter")...)
	before := len(m.work.Session().Ledger())
	drive(m, keys("y")...)
	if after := len(m.work.Session().Ledger()); after != before+1 {
		t.Fatalf("y typed alone added %d pieces of evidence, want 1", after-before)
	}
	// The answer would be lost: q asks first, y quits.
	_, cmd := m.Update(keyPress("q"))
	if settleCmd(m, cmd) || m.confirm == nil {
		t.Fatal("q with an answer given quit without asking")
	}
	_, cmd = m.Update(keyPress("y"))
	if !settleCmd(m, cmd) {
		t.Fatal("y did not quit")
	}
}

// In an investigation a paste is never read as keys: no answer, no quit, and a word on where to
// paste.
func TestPasteInInvestigationIsNotKeys(t *testing.T) {
	m := newTest(t, 80, 24)
	drive(m, keys("down", "enter")...)
	before := len(m.work.Session().Ledger())
	if quit := typeFast(m, "yes quit now\nnnn ddd"); quit {
		t.Fatal("the pasted text quit the program")
	}
	if after := len(m.work.Session().Ledger()); after != before {
		t.Errorf("the pasted text answered %d steps", after-before)
	}
	drive(m, tea.PasteMsg{Content: "y"})
	if after := len(m.work.Session().Ledger()); after != before {
		t.Errorf("a bracketed paste answered %d steps", after-before)
	}
	if s := plain(m); !strings.Contains(s, "paste it on the home screen") {
		t.Errorf("no word on where to paste:\n%s", s)
	}
}

// sequenceCmds returns the commands of a tea.Sequence's message.
func sequenceCmds(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeOf(tea.Cmd(nil)) {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
}

// A paste on a pane with fields that are not open says how to paste into one.
func TestPasteOnClosedFieldSaysHow(t *testing.T) {
	m := newTest(t, 80, 24)
	drive(m, keys("down", "enter")...)
	m.inv.show("checks")
	m.relayout()
	drive(m, tea.PasteMsg{Content: "https://backend:443/"})
	if s := plain(m); !strings.Contains(s, "open a field with enter first") {
		t.Errorf("no word on how to paste into the form:\n%s", s)
	}
}

// An unrecognised paste says so in full at 80 columns: the status line does not cut the hint.
func TestUnrecognisedPasteFits80Columns(t *testing.T) {
	m := newTest(t, 80, 24)
	drive(m, tea.PasteStartMsg{}, tea.PasteMsg{Content: "hello world, nothing to see"}, tea.PasteEndMsg{}, keyPress("ctrl+s"))
	s := plain(m)
	if !strings.Contains(s, "error: no known error") || !strings.Contains(s, "proxy log line") {
		t.Fatalf("the unrecognised paste's error is missing or cut:\n%s", s)
	}
}
