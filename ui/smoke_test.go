package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestAnySizeFits renders the home screen and an investigation (every pane focused in turn, and
// zoomed) at sizes from nothing to large: nothing panics, no line is wider and no screen taller
// than the terminal.
func TestAnySizeFits(t *testing.T) {
	sizes := [][2]int{{0, 0}, {1, 1}, {10, 3}, {20, 5}, {40, 10}, {59, 15}, {60, 19}, {80, 24}, {100, 30}, {250, 70}}
	for _, sz := range sizes {
		m := newTest(t, sz[0], sz[1])
		check := func(what string) {
			t.Helper()
			out := m.render()
			lines := strings.Split(out, "\n")
			if out != "" && len(lines) > sz[1] {
				t.Errorf("%dx%d %s: %d lines", sz[0], sz[1], what, len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > sz[0] {
					t.Errorf("%dx%d %s: line %d is %d wide: %q", sz[0], sz[1], what, i, w, ansi.Strip(l))
				}
			}
		}
		check("home")
		drive(m, keys("tab", "enter")...)
		for i := 0; i < 6; i++ {
			check("investigation")
			drive(m, keys("enter", "tab")...)
		}
		for i := 0; i < 8; i++ {
			drive(m, keys("s", "enter", "down", "+")...)
			check("swapped")
		}
		drive(m, keys("z", "?")...)
		check("zoomed with full help")
		drive(m, keys("esc", "tab", "tab", "tab", "s", "z")...)
		check("home, a swapped pane zoomed")
		drive(m, tea.WindowSizeMsg{Width: sz[1], Height: sz[0]})
		drive(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		check("after resizes")
	}
}
