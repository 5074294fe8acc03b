package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/knowledge"
)

// TestAnySizeFits renders the home screen at sizes from tiny to large: nothing panics and no line
// is wider, and no screen taller, than the terminal.
func TestAnySizeFits(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {10, 3}, {40, 10}, {59, 15}, {80, 24}, {200, 60}} {
		m := New(kb, Options{})
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		out := m.render()
		lines := strings.Split(out, "\n")
		if out != "" && len(lines) > sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", sz[0], sz[1], i, w, ansi.Strip(l))
			}
		}
	}
}
