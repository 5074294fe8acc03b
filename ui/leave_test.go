package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

// Esc goes back one level at a time: a packet's hex view to the packet list, to the
// conversations, then home; the investigation (its replay position too) is still there, and esc
// on the home screen comes back to it.
func TestEscGoesBackOneLevel(t *testing.T) {
	m := newTest(t, 100, 30)
	openScenario(t, m, "backend.down", "lo.pcap")
	m.inv.show("packets")
	m.relayout()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(plain(m), "REJ") {
		if time.Now().After(deadline) {
			t.Fatalf("the capture's conversations did not show:\n%s", plain(m))
		}
		time.Sleep(20 * time.Millisecond)
		drive(m, keyPress("g"))
	}
	drive(m, keys("enter")...) // a conversation's packets
	drive(m, keys("enter")...) // the first packet
	drive(m, keys("w")...)     // its hex
	if s := plain(m); !strings.Contains(s, "0000  ") {
		t.Fatalf("no hex view:\n%s", s)
	}
	title := func() string { return m.cur.focused().Title() }
	drive(m, keys("esc")...)
	if m.cur != m.inv || strings.Contains(plain(m), "0000  ") {
		t.Fatalf("esc from the hex view left the packet:\n%s", plain(m))
	}
	if !strings.Contains(title(), "packets") {
		t.Errorf("esc from the hex view: pane titled %q, want the packet list", title())
	}
	drive(m, keys("esc")...)
	if m.cur != m.inv || !strings.Contains(title(), "conversations") {
		t.Fatalf("esc from the packet list: %q, want the conversations", title())
	}
	drive(m, keys("esc")...)
	if m.cur != m.home {
		t.Fatalf("esc from the conversations did not go home")
	}
	drive(m, keys("esc")...)
	if m.cur != m.inv || m.work.Title() != "backend.down" {
		t.Fatalf("esc on the home screen did not come back to the investigation")
	}
}

// Leaving an investigation that holds answers asks first: n stays, y leaves (and the answers are
// still there when esc comes back); q asks the same before quitting.
func TestLeavingWithAnswersAsks(t *testing.T) {
	m := newTest(t, 80, 24)
	openSymptom(m, 1)
	drive(m, keys("y")...)
	answers := len(m.work.Session().Ledger())
	drive(m, keys("esc")...)
	if m.confirm == nil || m.cur != m.inv {
		t.Fatalf("esc with an answer given left without asking:\n%s", plain(m))
	}
	if s := plain(m); !strings.Contains(s, "Leave for home?") {
		t.Errorf("the question is not on screen:\n%s", s)
	}
	drive(m, keys("n")...)
	if m.confirm != nil || m.cur != m.inv {
		t.Fatal("n did not stay in the investigation")
	}
	drive(m, keys("esc", "y")...)
	if m.cur != m.home {
		t.Fatal("y did not leave for the home screen")
	}
	if s := plain(m); !strings.Contains(s, "esc: back to the investigation") {
		t.Errorf("the home screen does not say esc goes back:\n%s", s)
	}
	drive(m, keys("esc")...)
	if m.cur != m.inv || len(m.work.Session().Ledger()) != answers {
		t.Fatalf("back in the investigation with %d pieces of evidence, want %d", len(m.work.Session().Ledger()), answers)
	}
	_, cmd := m.Update(keyPress("q"))
	if settleCmd(m, cmd) || m.confirm == nil {
		t.Fatal("q with answers quit without asking")
	}
	drive(m, keys("esc")...) // esc answers no
	if m.confirm != nil {
		t.Fatal("esc did not dismiss the question")
	}
}

// TestGoldenLeaveQuestion draws the question at 80x24 and 40x12.
func TestGoldenLeaveQuestion(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {40, 12}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			openSymptom(m, 1)
			drive(m, keys("y", "q")...)
			golden.RequireEqual(t, plain(m))
		})
	}
}
