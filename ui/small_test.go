package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// The help says what enter does on a form field (edit), and what enter and esc do while typing
// (done, keeping the text); esc keeps what was typed.
func TestFormFieldHelpAndEsc(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {40, 12}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			drive(m, keys("s")...) // the live checks into the symptoms' slot
			if f := m.cur.focused().ID(); f != "checks" {
				t.Fatalf("focus on %s", f)
			}
			help := func() string { return strings.Split(strings.TrimRight(plain(m), "\n"), "\n")[sz[1]-1] }
			if h := help(); !strings.Contains(h, "enter edit") || strings.Contains(h, "enter open") {
				t.Errorf("help on a form field: %q", h)
			}
			drive(m, keys("enter")...)
			drive(m, tea.PasteMsg{Content: "https://backend.example:8443/"})
			if h := help(); !strings.Contains(h, "done, keep") {
				t.Errorf("help while typing: %q", h)
			}
			drive(m, keys("esc")...)
			if s := plain(m); !strings.Contains(s, "https://backe") {
				t.Errorf("esc threw the typed target away:\n%s", s)
			}
			if m.cur != m.home {
				t.Error("esc while typing left the home screen")
			}
			golden.RequireEqual(t, plain(m))
		})
	}
}

// The full help's own key says it closes the help.
func TestHelpOpenSaysFewerKeys(t *testing.T) {
	m := newTest(t, 80, 24)
	drive(m, keys("?")...)
	if s := plain(m); !strings.Contains(s, "? fewer keys") || strings.Contains(s, "? more keys") {
		t.Errorf("help open:\n%s", s)
	}
}

// Source names are not cut while the signal column leaves room for them.
func TestLedgerSourcesWholeWhenThereIsRoom(t *testing.T) {
	m := newTest(t, 160, 48)
	drive(m, common.OpenMsg{Title: "sources", Evidence: []diagnose.Evidence{
		{Signal: "proxy.host-header.no-difference", Source: "check connect-host-header", Kind: diagnose.FromCheck, At: testNow, Detail: "403 with either name"},
		{Signal: "tcp.connect.refused", Source: "any-v6.pcapng#115", Kind: diagnose.FromPacket, At: testNow, Detail: "refused"},
	}})
	s := plain(m)
	for _, src := range []string{"check connect-host-header", "any-v6.pcapng#115"} {
		if !strings.Contains(s, src) {
			t.Errorf("source %q cut although the ledger is wide:\n%s", src, s)
		}
	}
}
