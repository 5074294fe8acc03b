package ui

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/knowledge"
)

// testNow is the clock of the tests: the operator's answers carry this time.
var testNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// incidentsFS holds the text incidents of the repository under the path the program embeds them
// at. Recorded scenarios are left out, so that views do not change as recordings are added.
func incidentsFS(t testing.TB) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	root := filepath.Join("..", "testdata", "incidents")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join("..", "testdata"), p)
		m["testdata/"+filepath.ToSlash(rel)] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testKB is the knowledge the golden views are drawn with: a copy of knowledge/data frozen in
// testdata/knowledge, so that tuning a likelihood in the knowledge base does not redraw the
// goldens. Refresh the copy (and -update) when the views should show new knowledge.
func testKB(t testing.TB) *knowledge.Base {
	t.Helper()
	kb, err := knowledge.Load(os.DirFS(filepath.Join("testdata", "knowledge")))
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// newTest returns the root model sized w×h with the text incidents bundled.
func newTest(t testing.TB, w, h int) *Model {
	t.Helper()
	m := New(testKB(t), Options{Incidents: incidentsFS(t), Now: func() time.Time { return testNow }})
	drive(m, m.Init(), tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// drive feeds messages to the model one after the other, each with everything it leads to: the
// commands it returns are run, as the program would, and their messages fed back before the next
// message. A command that does not return at once (a replay tick) is dropped, so a replay stands
// still unless the test steps it.
func drive(m *Model, msgs ...any) {
	for _, msg := range msgs {
		settle(m, msg)
	}
}

func settle(m *Model, item any) {
	switch x := item.(type) {
	case nil:
	case tea.Cmd:
		if x == nil {
			return
		}
		if msg, ok := runQuick(x); ok && msg != nil {
			settle(m, msg)
		}
	case tea.BatchMsg:
		for _, c := range x {
			settle(m, c)
		}
	case tea.QuitMsg:
	case tea.Msg:
		_, cmd := m.Update(x)
		settle(m, cmd)
	}
}

func runQuick(c tea.Cmd) (tea.Msg, bool) {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case msg := <-ch:
		return msg, true
	case <-time.After(100 * time.Millisecond):
		return nil, false
	}
}

// keys turns key names ("tab", "enter", "y", "ctrl+s") into key presses.
func keys(names ...string) []any {
	var out []any
	for _, n := range names {
		out = append(out, keyPress(n))
	}
	return out
}

func keyPress(n string) tea.KeyPressMsg {
	switch n {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	}
	r := []rune(n)[0]
	return tea.KeyPressMsg{Code: r, Text: n}
}

// plain is the model's rendering with ANSI stripped and trailing spaces cut.
func plain(m *Model) string {
	lines := strings.Split(ansi.Strip(m.render()), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n") + "\n"
}
