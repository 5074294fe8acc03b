package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// openSymptom opens the investigation of the n-th symptom on the home screen (0: mod-proxy,
// 1: proxy-tunnel, 2: tls-handshake, the knowledge base's order).
func openSymptom(m *Model, n int) {
	drive(m, keys("g")...)
	for range n {
		drive(m, keys("down")...)
	}
	drive(m, keys("enter")...)
}

// Picking a symptom narrows the causes to its playbook's: every other cause is under 1%.
func TestSymptomNarrowsTheCauses(t *testing.T) {
	for i, pb := range []string{"mod-proxy", "proxy-tunnel", "tls-handshake"} {
		m := newTest(t, 80, 24)
		openSymptom(m, i)
		for _, rc := range m.work.Session().Assess().Causes {
			if rc.Cause.Playbook != pb && rc.Cause.ID != "unknown" && rc.Confidence >= 0.01 {
				t.Errorf("symptom %s: %s at %.0f%%", pb, rc.Cause.ID, 100*rc.Confidence)
			}
		}
	}
}

// Picking the 502 or the 503 symptom answers its tree's first question (is this the fault?) as the
// operator; the reverse proxy's first question (which error the log has) stays to be answered.
func TestSymptomAnswersTheFaultStep(t *testing.T) {
	for i, c := range []struct{ playbook, signal string }{
		{"mod-proxy", ""},
		{"proxy-tunnel", "gateway.fault.tunnel-failed"},
		{"tls-handshake", "gateway.fault.bad-gateway"},
	} {
		m := newTest(t, 80, 24)
		openSymptom(m, i)
		var got []string
		for _, e := range m.work.Session().Ledger() {
			if e.Kind == diagnose.FromOperator && !strings.HasPrefix(e.Signal, "operator.symptom.") {
				got = append(got, e.Signal)
			}
		}
		cur := treeOf(m)
		if c.signal == "" {
			if len(got) != 0 || cur.Current == nil || cur.Current.ID != cur.Playbook.Tree.Start {
				t.Errorf("%s: answers %v, tree at %+v: the pick answered the first step", c.playbook, got, cur.Current)
			}
			continue
		}
		if strings.Join(got, ",") != c.signal {
			t.Errorf("%s: the operator's answers are %v, want %s", c.playbook, got, c.signal)
		}
		if cur.Current == nil || cur.Current.ID == "fault-code" {
			t.Errorf("%s: the tree still asks the fault's question:\n%s", c.playbook, plain(m))
		}
	}
}

// Every step of every playbook can be answered by the operator: answering 1 (or y) at each step
// walks the tree to a conclusion, one piece of evidence per answer, never stuck.
func TestEveryStepAnswerable(t *testing.T) {
	for i := range 3 {
		for _, answer := range []string{"y", "1", "2"} {
			m := newTest(t, 80, 24)
			openSymptom(m, i)
			var trail []string
			for step := 0; ; step++ {
				pos := m.work.Session().Assess().Trees
				cur := treeOf(m)
				if cur.Conclusion != "" {
					break
				}
				if step > 10 {
					t.Fatalf("symptom %d, answering %s: no conclusion after %v (%d trees)", i, answer, trail, len(pos))
				}
				trail = append(trail, cur.Current.ID)
				before := len(m.work.Session().Ledger())
				k := answer
				if k == "y" && !hasYes(cur.Current) {
					k = "1"
				}
				if k == "2" && len(cur.Current.Branches) < 2 {
					k = "1"
				}
				drive(m, keys(k)...)
				if len(m.work.Session().Ledger()) != before+1 {
					t.Fatalf("symptom %d: %s at step %s added no evidence (steps %v):\n%s", i, k, cur.Current.ID, trail, plain(m))
				}
			}
		}
	}
}

// d skips a step the operator cannot answer: the next question is asked, and answering it moves
// the tree past both (a 403 means the proxy was reachable).
func TestSkipReachesTheNextQuestion(t *testing.T) {
	m := newTest(t, 80, 24)
	openSymptom(m, 1)
	if s := plain(m); !strings.Contains(s, "▶ Can a TCP connection to the proxy") {
		t.Fatalf("not at the reachability step:\n%s", s)
	}
	drive(m, keys("d")...)
	s := plain(m)
	if !strings.Contains(s, "▶ What status did the proxy answer") || !strings.Contains(s, "skipped") {
		t.Fatalf("d did not move on to the CONNECT status:\n%s", s)
	}
	drive(m, keys("1")...) // 403
	if cur := treeOf(m); cur.Current == nil || cur.Current.ID != "host-header" {
		t.Fatalf("after 403 the tree stands at %+v, want host-header:\n%s", cur.Current, plain(m))
	}
}

// x runs the check of the step asked: the live checks pane comes into view beside the tree,
// asks for the target, and the check starts once it is entered.
func TestStepCheckOneKeyAway(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {40, 12}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			openSymptom(m, 2) // tls-handshake
			drive(m, keys("y")...)
			drive(m, keys("x")...)
			if f := m.cur.focused().ID(); f != "checks" {
				t.Fatalf("x: focus on %s, want the live checks", f)
			}
			if sz[0] >= minWidth && !m.inv.layout.shows("tree") {
				t.Errorf("the checks pane replaced the tree")
			}
			if s := plain(m); !strings.Contains(s, "Type the target") || strings.Contains(s, "error:") {
				t.Errorf("no prompt for the target wanted, or one shown as an error:\n%s", s)
			}
			drive(m, tea.PasteMsg{Content: "https://127.0.0.1:1/"}, keyPress("enter"))
			if s := plain(m); !strings.Contains(s, "running") && !strings.Contains(s, "refused") {
				t.Errorf("the check did not start:\n%s", s)
			}
		})
	}
}

// TestGoldenManualFlow draws the tree after the operator skipped a step, at 80x24 and 40x12.
func TestGoldenManualFlow(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {40, 12}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			openSymptom(m, 1)
			drive(m, keys("d")...)
			golden.RequireEqual(t, plain(m))
		})
	}
}

// treeOf is where the investigation stands in the playbook picked.
func treeOf(m *Model) diagnose.TreePosition {
	a := m.work.Session().Assess()
	for _, p := range a.Trees {
		if p.Playbook.ID == m.work.Playbook() {
			return p
		}
	}
	return a.Trees[0]
}

func hasYes(s *knowledge.Step) bool {
	for _, b := range s.Branches {
		if strings.HasPrefix(strings.ToLower(b.Label), "yes") {
			return true
		}
	}
	return false
}

// A step's help shows its commands without Markdown backquotes, each whole on a line of its own.
func TestStepHelpCommandsOnTheirOwnLines(t *testing.T) {
	m := newTest(t, 160, 48)
	openSymptom(m, 2) // tls-handshake, at "Does a TCP connection to the backend port succeed"
	s := plain(m)
	if !strings.Contains(s, "▶ Does a TCP connection to the backend") {
		t.Fatalf("not at the TCP step:\n%s", s)
	}
	for _, want := range []string{"│    telnet BACKEND 443 ", "│    hopscope check --target https://BACKEND "} {
		if !strings.Contains(s, want) {
			t.Errorf("the help lacks the line %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "`telnet") || strings.Contains(s, "BACKEND`") {
		t.Errorf("the help shows backquotes:\n%s", s)
	}
}
