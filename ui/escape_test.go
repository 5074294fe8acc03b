package ui

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/ui/common"
)

// sgr matches the colour and style sequences the program's own styling writes.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// TestScreenObeysNoQuotedControl opens files whose names and lines carry escape sequences (a
// window title, a clear screen, a clipboard write, the one-byte CSI) and draws every pane: the
// frame may hold only its own style sequences, and shows the names escaped.
func TestScreenObeysNoQuotedControl(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "error\x1b]0;owned\a\x1b[2J.log")
	line := "[Sat Nov 21 10:01:02.000000 2026] [proxy:error] [pid 4242] \x1b]52;c;b3duZWQ=\a\u009b2J(111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8081 (127.0.0.1) failed\n"
	if err := os.WriteFile(log, []byte(strings.Repeat(line, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	m := newTest(t, 160, 40)
	evs, ins, err := analyze.Collect(context.Background(), m.kb, []string{log}, nil, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	drive(m, common.OpenMsg{Title: "error\x1b[2J.log", Evidence: evs, Inputs: ins, Files: common.Disk{}})
	var frames []string
	for _, id := range []string{"ledger", "causes", "tree", "logs"} {
		m.inv.show(id)
		drive(m, keys("z")...)
		frames = append(frames, m.render())
		if id == "logs" {
			for _, k := range []string{"i", "e", "m"} {
				drive(m, keys(k)...)
				frames = append(frames, m.render())
			}
		}
		drive(m, keys("z")...)
	}
	all := strings.Join(frames, "\n")
	rest := sgr.ReplaceAllString(all, "")
	for i, r := range rest {
		if r < 0x20 && r != '\n' || r == 0x7f || 0x80 <= r && r <= 0x9f {
			t.Fatalf("a frame carries control %q at %d: %q", r, i, rest[max(i-40, 0):min(i+40, len(rest))])
		}
	}
	// Escaped where the panes lay them out, the names keep every line inside the terminal.
	for _, l := range strings.Split(all, "\n") {
		if w := ansi.StringWidth(l); w > 160 {
			t.Fatalf("a line of %d cells in a 160-cell terminal: %q", w, ansi.Strip(l))
		}
	}
	for _, want := range []string{`error\x1b]0;owned\x07\x1b[2J.log`, `\x1b]52;c;b3duZWQ=\x07\u009b2J`} {
		if !strings.Contains(all, want) {
			t.Errorf("no frame shows %s escaped", want)
		}
	}
}
