package ui

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/diagnose"
	logread "github.com/hopscope/hopscope/diagnose/logs"
	"github.com/hopscope/hopscope/ui/common"
	"github.com/hopscope/hopscope/ui/home"
)

// sizes are the terminal sizes the pane tests look at: the smallest full layout and the size
// where one pane shows at a time.
var sizes = [][2]int{{80, 24}, {40, 12}}

// pastedError is an error as an operator pastes it, with the times the server logged.
const pastedError = `[Thu Nov 21 10:00:01.000000 2026] [proxy:error] [pid 11] (104)Connection reset by peer: AH01084: pass request body failed to 127.0.0.1:9000 (127.0.0.1)
[Thu Nov 21 10:00:02.000000 2026] [proxy_http:error] [pid 11] [client 10.0.0.9:5000] AH01097: pass request body failed to 127.0.0.1:9000 (127.0.0.1) from 10.0.0.9 ()
curl: (56) CONNECT tunnel failed, response 403
`

// openPaste opens the investigation of a pasted error, as the paste box does.
func openPaste(t *testing.T, m *Model) {
	t.Helper()
	drive(m, tea.Cmd(func() tea.Msg {
		evs, in, err := home.Recognise(m.kb, pastedError)
		if err != nil {
			t.Fatal(err)
		}
		return openMsg("pasted error", evs, in)
	}))
	if m.cur != m.inv {
		t.Fatal("the paste opened no investigation")
	}
}

// TestPasteHasNoReplay: a pasted error is not a recording, so neither the header nor the help
// offers a replay, and the replay's keys leave the ledger as it is.
func TestPasteHasNoReplay(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			openPaste(t, m)
			before := len(m.work.Session().Ledger())
			if before == 0 {
				t.Fatal("the paste gave no evidence")
			}
			drive(m, keys("?")...)
			s := plain(m)
			for _, bad := range []string{"play/pause", "step back", "■ end", "▶ playing"} {
				if strings.Contains(s, bad) {
					t.Errorf("a pasted error offers a replay (%q):\n%s", bad, s)
				}
			}
			drive(m, keys("?", "space", "left", "<", "left")...)
			if got := len(m.work.Session().Ledger()); got != before {
				t.Errorf("the replay keys changed the ledger from %d to %d pieces", before, got)
			}
		})
	}
}

func openMsg(title string, evs []diagnose.Evidence, in diagnose.Input) common.OpenMsg {
	return common.OpenMsg{Title: title, Evidence: evs, Inputs: []diagnose.Input{in}}
}

// startFlowSized runs the whole program on a virtual terminal of w×h cells.
func startFlowSized(t *testing.T, w, h int) *flow {
	t.Helper()
	m := New(testKB(t), Options{Incidents: incidentsFS(t), Now: func() time.Time { return testNow }})
	rec := &recorder{m: m}
	return &flow{t: t, rec: rec, tm: teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(w, h))}
}

// TestChecksFromHomeStayInSight: r on the home screen's checks pane opens an investigation in
// which that pane, spinning, is still on screen, and the status line counts the evidence the
// checks brought instead of saying nothing was read.
func TestChecksFromHomeStayInSight(t *testing.T) {
	// A backend that accepts and never answers keeps the HTTP check running.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	})
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			f := startFlowSized(t, sz[0], sz[1])
			f.waitFor("hopscope")
			// Swap the checks pane into the focused slot, type the target, run everything.
			f.press("s")
			f.waitFor("Live checks")
			f.press("enter")
			f.tm.Send(tea.PasteMsg{Content: "http://" + ln.Addr().String() + "/"})
			f.press("enter", "r")
			f.waitFor("Live checks · running", "running for")
			s := f.rec.screen()
			if strings.Contains(s, "No inputs") {
				t.Errorf("the status line says nothing was read while checks bring evidence:\n%s", s)
			}
			if sz[0] >= minWidth {
				f.waitFor("of evidence from")
			}
			f.tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
			f.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		})
	}
}

// openScenario opens, as an investigation, files of a recorded lab scenario.
func openScenario(t *testing.T, m *Model, scenario string, files ...string) {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join("..", "testdata", "scenarios", scenario, f))
	}
	evs, ins, err := analyze.Collect(context.Background(), m.kb, paths, nil, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	drive(m, common.OpenMsg{Title: scenario, Evidence: evs, Inputs: ins, Files: common.Disk{}})
}

// selecter is a pane that says what is selected in it: the packets and logs panes.
type selecter interface {
	Selected() (string, int64)
}

// TestLedgerJumpsToEveryPacketAndLine: e on any ledger entry read from a capture or a log
// brings the packets or logs pane into view, focused, with that packet or line selected.
func TestLedgerJumpsToEveryPacketAndLine(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			openScenario(t, m, "backend.down", "lo.pcap", "apache-error.log")
			ledger := m.work.Session().Ledger()
			jumps := 0
			for i, ev := range ledger {
				j, ok := common.Locate(common.Entry{Kind: ev.Kind, Source: ev.Source})
				if !ok {
					continue
				}
				jumps++
				m.inv.focusPane("ledger")
				drive(m, keys("g")...)
				for range i {
					drive(m, keyPress("down"))
				}
				drive(m, keyPress("e"))
				p := m.cur.focused()
				if p == nil || p.ID() != j.Pane() {
					t.Fatalf("e on %s: the focused pane is %v, want %s", ev.Source, p, j.Pane())
				}
				path, n := p.(selecter).Selected()
				want := j.Packet
				if j.Line > 0 {
					want = int64(j.Line)
				}
				if path != j.Path || n != want {
					t.Errorf("e on %s (%s): %s shows %s, item %d selected", ev.Source, ev.Signal, j.Pane(), path, n)
				}
			}
			t.Logf("%d jumps", jumps)
			if jumps < 2 {
				t.Fatalf("only %d ledger entries point at a packet or a line", jumps)
			}
			// The jump is on screen too: the last one was to a log line, listed among the failing lines.
			if s := plain(m); !strings.Contains(s, "failing lines") {
				t.Errorf("after the jump the screen shows:\n%s", s)
			}
		})
	}
}

// confidence returns a cause's confidence in an assessment.
func confidence(a *diagnose.Assessment, cause string) float64 {
	for _, c := range a.Causes {
		if c.Cause.ID == cause {
			return c.Confidence
		}
	}
	return -1
}

// TestFollowFeedsTheInvestigation: lines written to a log while the logs pane follows it enter
// the ledger as evidence (pointing at their lines) and move the causes, not only the chart.
func TestFollowFeedsTheInvestigation(t *testing.T) {
	scen := filepath.Join("..", "testdata", "scenarios")
	first, err := os.ReadFile(filepath.Join(scen, "backend.down", "apache-error.log"))
	if err != nil {
		t.Fatal(err)
	}
	later, err := os.ReadFile(filepath.Join(scen, "body.backend-closed", "apache-error.log"))
	if err != nil {
		t.Fatal(err)
	}
	firstLines := int64(strings.Count(string(first), "\n"))
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "error.log")
			if err := os.WriteFile(path, first, 0o644); err != nil {
				t.Fatal(err)
			}
			f := startFlowSized(t, sz[0], sz[1])
			kb := f.rec.m.kb
			evs, ins, err := analyze.Collect(context.Background(), kb, []string{path}, nil, analyze.Options{})
			if err != nil {
				t.Fatal(err)
			}
			before := diagnose.NewSession(kb)
			for _, ev := range evs {
				before.Add(ev)
			}
			wasClosed := confidence(before.Assess(), "body.backend-closed")
			f.waitFor("hopscope")
			f.tm.Send(common.OpenMsg{Title: "following", Evidence: evs, Inputs: ins, Files: common.Disk{}})
			f.tm.Send(common.JumpMsg{Path: path, Line: 3})
			f.waitFor("Logs · error.log", fmt.Sprintf("lines of %d", firstLines))
			f.press("F")
			time.Sleep(2 * logread.DefaultPoll)
			w, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(later); err != nil {
				t.Fatal(err)
			}
			w.Close()
			laterLines := int64(strings.Count(string(later), "\n"))
			f.waitFor(fmt.Sprintf("lines of %d", firstLines+laterLines))
			time.Sleep(2 * logread.DefaultPoll)
			fm := f.quit()
			var fed []string
			for _, ev := range fm.work.Session().Ledger() {
				j, ok := common.Locate(common.Entry{Kind: ev.Kind, Source: ev.Source})
				if ok && j.Path == path && int64(j.Line) > firstLines {
					fed = append(fed, ev.Signal)
				}
			}
			if len(fed) == 0 {
				t.Fatalf("no evidence from the followed lines in the ledger: %v", fm.work.Session().Ledger())
			}
			if now := confidence(fm.work.Session().Assess(), "body.backend-closed"); now <= wasClosed {
				t.Errorf("body.backend-closed stayed at %.3f (was %.3f) after the followed lines %v", now, wasClosed, fed)
			}
		})
	}
}

// typeIn types text into the focused pane, one key a character.
func typeIn(m *Model, s string) {
	for _, r := range s {
		drive(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// TestPacketFilterOnScreen: in the packets pane a word of squid's headers finds the 403s, and a
// filter that cannot be applied says why on screen.
func TestPacketFilterOnScreen(t *testing.T) {
	count := regexp.MustCompile(`(\d+) packets · all packets · filter ERR_`)
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			openScenario(t, m, "tunnel.forbidden.acl", "lo.pcap")
			path := filepath.Join("..", "testdata", "scenarios", "tunnel.forbidden.acl", "lo.pcap")
			drive(m, common.JumpMsg{Path: path, Packet: 6})
			time.Sleep(200 * time.Millisecond) // the capture is read on its own goroutine
			drive(m, keyPress("/"))
			typeIn(m, "host 1.2.3")
			drive(m, keyPress("enter"))
			if s := plain(m); !strings.Contains(s, "not an IP") {
				t.Errorf("an invalid filter does not say why:\n%s", s)
			}
			drive(m, tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
			typeIn(m, "ERR_ACCESS_DENIED")
			drive(m, keyPress("enter"))
			deadline := time.Now().Add(5 * time.Second)
			for {
				drive(m, keyPress("up"))
				s := plain(m)
				if c := count.FindStringSubmatch(s); c != nil && !strings.Contains(s, "looked at") {
					if c[1] == "0" {
						t.Fatalf("ERR_ACCESS_DENIED finds no packet:\n%s", s)
					}
					// The rows say what the packets are, even in a narrow pane.
					if !strings.Contains(s, "[P.] HTTP/1.1 403") {
						t.Errorf("the matching rows do not show the 403:\n%s", s)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the filter shows no result after 5 s:\n%s", s)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestConversationsSayWhatHappened: the conversations list has column headers, a legend for the
// state and history codes, and the HTTP outcome: squid's refused CONNECTs show their 403.
func TestConversationsSayWhatHappened(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			openScenario(t, m, "tunnel.forbidden.acl", "lo.pcap")
			path := filepath.Join("..", "testdata", "scenarios", "tunnel.forbidden.acl", "lo.pcap")
			drive(m, common.JumpMsg{Path: path, Packet: 6})
			time.Sleep(200 * time.Millisecond) // the capture is read on its own goroutine
			drive(m, tea.KeyPressMsg{Code: tea.KeyBackspace})
			s := plain(m)
			for _, want := range []string{"STATE", "OUTCOME", "CONNECT 127.0.0.1:34007 → 403"} {
				if !strings.Contains(s, want) {
					t.Errorf("the conversations list lacks %q:\n%s", want, s)
				}
			}
			drive(m, keyPress("i"))
			s = plain(m)
			for _, want := range []string{"SF", "closed normally", "history: S SYN"} {
				if !strings.Contains(s, want) {
					t.Errorf("the legend lacks %q:\n%s", want, s)
				}
			}
			drive(m, keyPress("i"))
			if s := plain(m); !strings.Contains(s, "OUTCOME") {
				t.Errorf("i again does not bring the list back:\n%s", s)
			}
		})
	}
}

// TestLogsPaneSaysWhatItShows: the timeline's title gives the unit its columns are drawn in, an
// IPv6 backend keeps its brackets however Apache wrote it, and a failing line can be read whole.
func TestLogsPaneSaysWhatItShows(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTest(t, sz[0], sz[1])
			openScenario(t, m, "keepalive.race", "apache-error.log")
			path := filepath.Join("..", "testdata", "scenarios", "keepalive.race", "apache-error.log")
			drive(m, common.JumpMsg{Path: path, Line: 1}, keyPress("m"))
			s := plain(m)
			if !strings.Contains(s, "Failures per second") || strings.Contains(s, "per minute") {
				t.Errorf("the timeline does not say per second everywhere:\n%s", s)
			}
			if !strings.Contains(m.cur.focused().Title(), "failures per second") {
				t.Errorf("title %q", m.cur.focused().Title())
			}
			if !strings.Contains(s, "[::1]:9000") || regexp.MustCompile(`(^|[^\[:])::1:9000`).MatchString(s) {
				t.Errorf("the IPv6 backend lost its brackets:\n%s", s)
			}
			drive(m, keys("i", "g", "enter")...)
			start := plain(m)
			drive(m, keys("down", "down", "down", "down", "down", "down")...)
			if s := plain(m); !strings.Contains(start, "line 3 ·") || !strings.Contains(start, "[Sat Nov 21 09:54:06.877160 2026]") || !strings.Contains(s, "remote server") || !strings.Contains(s, "127.0.0.1:9000") {
				t.Errorf("enter does not show the failing line whole:\n%s", s)
			}
		})
	}
}
