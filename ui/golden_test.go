package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
	"github.com/hopscope/hopscope/ui/incident"
)

// TestGolden compares the main views, ANSI stripped, with testdata/TestGolden/*.golden at 80x24
// (the smallest usable terminal) and at 160x48. Run `go test ./ui -run TestGolden -update` to
// regenerate them after a deliberate change, and read the diff.
func TestGolden(t *testing.T) {
	views := []struct {
		name  string
		steps []any
	}{
		{"home", nil},
		{"incident", keys("tab", "enter")},
		{"cause-expanded", keys("tab", "enter", "tab", "enter")},
		{"symptom-answered", keys("down", "enter")},
		{"checks", append(keys("enter"), common.AddEvidenceMsg{Evidence: []diagnose.Evidence{
			{Signal: "proxy.connect.status.403", Source: "check connect", Kind: diagnose.FromCheck, At: testNow, Detail: "CONNECT backend:443 → 403 Forbidden in 3 ms"},
			{Signal: "proxy.host-header.no-difference", Source: "check connect-host-header", Kind: diagnose.FromCheck, At: testNow, Detail: "403 with either name in Host"},
		}}, common.NoteMsg{Entry: common.Entry{At: testNow, Source: "check tls", Kind: diagnose.FromCheck, Status: "skipped", Detail: "no TLS target given (--target https://…)"}})},
		{"replay", append([]any{common.OpenMsg{Title: "replay of client.txt", Evidence: tunnelEvidence(t), Replay: true}}, keys("space", "right", "right", "right")...)},
		{"playbook-zoomed", keys("enter", "tab", "tab", "tab", "s", "z")},
		{"help", keys("tab", "enter", "?")},
	}
	for _, sz := range [][2]int{{80, 24}, {160, 48}} {
		for _, v := range views {
			t.Run(fmt.Sprintf("%s-%dx%d", v.name, sz[0], sz[1]), func(t *testing.T) {
				m := newTest(t, sz[0], sz[1])
				drive(m, v.steps...)
				golden.RequireEqual(t, plain(m))
			})
		}
	}
}

// TestGoldenTooSmall shows what fits at 40x10: one pane and a line saying the terminal is small.
func TestGoldenTooSmall(t *testing.T) {
	m := newTest(t, 40, 10)
	drive(m, keys("tab", "enter", "tab")...)
	golden.RequireEqual(t, plain(m))
}

// TestGoldenResize goes from large to 80x24: the layout follows and nothing is left of the old size.
func TestGoldenResize(t *testing.T) {
	m := newTest(t, 160, 48)
	drive(m, keys("tab", "enter")...)
	drive(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	big := plain(m)
	n := newTest(t, 80, 24)
	drive(n, keys("tab", "enter")...)
	if got := plain(n); got != big {
		t.Errorf("after a resize to 80x24 the screen differs from one opened at 80x24:\n%s\nwant:\n%s", big, got)
	}
}

// tunnelEvidence is the evidence of the bundled incident where the proxy's connect is refused.
func tunnelEvidence(t *testing.T) []diagnose.Evidence {
	t.Helper()
	fsys := incidentsFS(t)
	for _, inc := range incident.List(fsys) {
		if inc.Name == "tunnel-backend-refused" {
			evs, _, err := incident.Load(context.Background(), testKB(t), fsys, inc)
			if err != nil {
				t.Fatal(err)
			}
			return evs
		}
	}
	t.Fatal("incident tunnel-backend-refused not found")
	return nil
}

// TestGoldenHelpEveryKey opens the full help in a replay, with the evidence ledger focused (the
// pane with most keys): at 80x24 every key shows beside the panes; at 40x12 the help is a page of
// its own, and its pages (the first, the next with pgdn, the last with G) hold every key.
func TestGoldenHelpEveryKey(t *testing.T) {
	every := []string{"↑/k", "pgdn", "G/end", "play/pause", "step back", "previous change", "to start", "to end",
		"shift+tab", "zoom", "swap pane", "shrink", "esc", "write must-gather report", "fewer keys", "quit"}
	screens := map[string]string{}
	for _, c := range []struct {
		name string
		w, h int
		keys []any
	}{
		{"80x24", 80, 24, nil},
		{"40x12", 40, 12, nil},
		{"40x12-pgdn", 40, 12, []any{tea.KeyPressMsg{Code: tea.KeyPgDown}}},
		{"40x12-end", 40, 12, keys("G")},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newTest(t, c.w, c.h)
			drive(m, common.OpenMsg{Title: "replay of client.txt", Evidence: tunnelEvidence(t), Replay: true}, keyPress("space"))
			m.inv.focusPane("ledger")
			drive(m, append([]any{keyPress("?")}, c.keys...)...)
			screens[c.name] = plain(m)
			golden.RequireEqual(t, screens[c.name])
		})
	}
	for _, sz := range []string{"80x24", "40x12"} {
		got := screens[sz] + screens[sz+"-pgdn"] + screens[sz+"-end"]
		for _, want := range every {
			if !strings.Contains(got, want) {
				t.Errorf("the help at %s lacks %q:\n%s", sz, want, got)
			}
		}
	}
}
