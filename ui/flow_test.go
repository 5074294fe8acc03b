package ui

import (
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// recorder wraps the root model and keeps the last screen it drew, ANSI stripped, so a test can
// wait on what the screen shows: the renderer writes only what changed, so the raw output stream
// holds the screen in fragments.
type recorder struct {
	m    *Model
	last atomic.Value // string
}

func (r *recorder) Init() tea.Cmd { return r.m.Init() }

func (r *recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.m.Update(msg)
	return r, cmd
}

func (r *recorder) View() tea.View {
	v := r.m.View()
	r.last.Store(ansi.Strip(v.Content))
	return v
}

func (r *recorder) screen() string {
	s, _ := r.last.Load().(string)
	return s
}

type flow struct {
	t   *testing.T
	tm  *teatest.TestModel
	rec *recorder
}

// startFlow runs the whole program (input, renderer, commands) on a virtual 100x30 terminal.
func startFlow(t *testing.T) *flow {
	t.Helper()
	m := New(testKB(t), Options{Incidents: incidentsFS(t), Now: func() time.Time { return testNow }})
	rec := &recorder{m: m}
	return &flow{t: t, rec: rec, tm: teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(100, 30))}
}

// waitFor waits until the screen shows every one of the strings.
func (f *flow) waitFor(want ...string) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := f.rec.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the screen does not show %q after 5s:\n%s", missing, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *flow) press(names ...string) {
	for _, n := range names {
		f.tm.Send(keyPress(n))
	}
}

// quit ends the program and returns the root model as it was at the end: q, and y when asked
// to confirm because the investigation holds answers or live evidence.
func (f *flow) quit() *Model {
	f.t.Helper()
	f.press("q", "y")
	return f.tm.FinalModel(f.t, teatest.WithFinalTimeout(5*time.Second)).(*recorder).m
}

// TestFlowSymptomAnswersEvidence picks a symptom, answers the manual steps, feeds a check's
// evidence and follows the tree to its conclusion while the ranking changes.
func TestFlowSymptomAnswersEvidence(t *testing.T) {
	f := startFlow(t)
	f.waitFor("What do you see?")

	// The playbooks are listed by file name: mod-proxy, proxy-tunnel, tls-handshake.
	f.press("down", "down", "enter")
	// The pick answered the fault's question (a 502 BadGateway): the tree asks the next one.
	f.waitFor("Decision tree · tls-handshake", "✓ Is the gateway's fault", "▶ Does a TCP connection to the backend")
	f.press("y")
	f.waitFor("▶ How does the backend answer the ClientHello?")

	f.tm.Send(common.AddEvidenceMsg{Evidence: []diagnose.Evidence{{
		Signal: "tls.handshake.timeout", Source: "check tls", Kind: diagnose.FromCheck, At: testNow,
		Detail: "no ServerHello within 10s",
	}}})
	f.waitFor("▶ In a capture, does the backend acknowledge")

	f.press("n")
	f.waitFor("⇒ tls.handshake-timeout.firewall")

	screen := f.rec.screen()
	fm := f.quit()
	a := fm.work.Session().Assess()
	if got := a.Causes[0].Cause.ID; got != "tls.handshake-timeout.firewall" {
		t.Errorf("leading cause %s, want tls.handshake-timeout.firewall", got)
	}
	if !strings.Contains(screen, "because the ClientHello") && !strings.Contains(screen, "because") {
		t.Errorf("no move explained on the final screen:\n%s", screen)
	}
	var operator, check int
	for _, ev := range fm.work.Session().Ledger() {
		switch ev.Kind {
		case diagnose.FromOperator:
			operator++
		case diagnose.FromCheck:
			check++
		}
	}
	// The operator's pick of the symptom, then three answers.
	if operator != 4 || check != 1 {
		t.Errorf("ledger holds %d operator statements and %d check results, want 4 and 1", operator, check)
	}
}

// leaderRE finds the leading cause on the causes pane's first line: "▸  13% ▲ █░░ tunnel.forb…".
var leaderRE = regexp.MustCompile(`▸ +\d+%[▲▼ ] [█▏▎▍▌▋▊▉░]+ ([a-z.…-]+)`)

// TestFlowRankingMoves opens a recorded incident as a replay and steps through it: the leading
// cause changes as the evidence arrives, and the tree advances with it.
func TestFlowRankingMoves(t *testing.T) {
	f := startFlow(t)
	f.waitFor("What do you see?")
	f.tm.Send(common.OpenMsg{Title: "replay of client.txt", Evidence: tunnelEvidence(t), Replay: true})
	f.press("space") // pause at once; the steps below move the cursor one piece at a time
	f.press("<")
	f.waitFor("paused 0/6")
	var leaders []string
	answered := 0
	for i := 1; i <= 6; i++ {
		f.press("right")
		if i < 6 {
			f.waitFor("paused " + itoa(i) + "/6")
		} else {
			f.waitFor("end 6/6")
		}
		screen := f.rec.screen()
		m := leaderRE.FindStringSubmatch(screen)
		if m == nil {
			t.Fatalf("step %d: no leading cause on the screen:\n%s", i, screen)
		}
		if len(leaders) == 0 || leaders[len(leaders)-1] != m[1] {
			leaders = append(leaders, m[1])
		}
		n := strings.Count(screen, "✓ ")
		if n < answered {
			t.Errorf("step %d: %d answered steps, %d before: the tree went back", i, n, answered)
		}
		answered = n
	}
	if len(leaders) < 2 || !strings.HasPrefix(leaders[len(leaders)-1], "tunnel.unava") {
		t.Errorf("leading causes over the replay: %v; want a change ending at tunnel.unavailable.backend-down", leaders)
	}
	if answered < 3 {
		t.Errorf("only %d steps answered at the end of the replay", answered)
	}
	screen := f.rec.screen()
	fm := f.quit()
	if got := fm.work.Session().Assess().Causes[0].Cause.ID; got != "tunnel.unavailable.backend-down" {
		t.Errorf("after the replay the leading cause is %s, want tunnel.unavailable.backend-down", got)
	}
	if !strings.Contains(screen, "⇒ tunnel.unavailable.backend-down") {
		t.Errorf("the tree did not reach its conclusion:\n%s", screen)
	}
	t.Logf("leaders over the replay: %v", leaders)
}

// TestFlowPasteRecognised types an error into the home screen's text box and submits it.
func TestFlowPasteRecognised(t *testing.T) {
	f := startFlow(t)
	f.waitFor("Paste an error")
	f.press("tab", "tab")
	f.tm.Send(tea.PasteMsg{Content: "curl: (56) CONNECT tunnel failed, response 403\n"})
	f.press("ctrl+s")
	f.waitFor("pasted error", "tunnel.forbidden")
	fm := f.quit()
	ledger := fm.work.Session().Ledger()
	if len(ledger) == 0 || ledger[0].Signal != "proxy.connect.status.403" || ledger[0].Source != "pasted:1" {
		t.Errorf("ledger after the paste: %+v", ledger)
	}
}

func itoa(n int) string { return string(rune('0' + n)) }
