package checks

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

func newPane(t *testing.T) (*Model, *knowledge.Base) {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	m := New(kb, common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(80, 30)
	m.SetFocused(true)
	return m, kb
}

func press(m *Model, k string) tea.Cmd {
	r := []rune(k)[0]
	_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: k})
	return cmd
}

// drive runs cmd and every command the pane returns until the run ends, feeding the pane its
// own messages, and returns the other messages it produced (evidence, errors, open).
func drive(t *testing.T, m *Model, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	deadline := time.Now().Add(20 * time.Second)
	for len(queue) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the run did not end")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := 0; i < v.Len(); i++ {
				queue = append(queue, v.Index(i).Interface().(tea.Cmd))
			}
			continue
		}
		switch msg.(type) {
		case spinner.TickMsg, nil:
		case progressMsg, doneMsg:
			_, next := m.Update(msg)
			queue = append(queue, next)
		default:
			out = append(out, msg)
		}
	}
	return out
}

func TestRunAllFeedsTheInvestigation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	m, kb := newPane(t)
	m.form[fieldTarget].input.SetValue(srv.URL + "/")
	m.Update(common.SessionMsg{Rev: 1})
	msgs := drive(t, m, press(m, "r"))
	var signals []string
	for _, msg := range msgs {
		if ev, ok := msg.(common.AddEvidenceMsg); ok {
			for _, e := range ev.Evidence {
				signals = append(signals, e.Signal)
			}
		}
	}
	if got := strings.Join(signals, ","); got != "hop.gateway.direct,tcp.connect.ok,http.response.ok" {
		t.Errorf("evidence %s", got)
	}
	rows, phases, done := m.run.snapshot()
	if !done || len(rows) != 3 || len(phases) != 3 {
		t.Fatalf("rows %+v phases %+v done %v", rows, phases, done)
	}
	for _, r := range rows {
		if r.state != passed {
			t.Errorf("%s: state %d (%s)", r.id, r.state, r.note)
		}
		// A passing check says what it found in words, as one that found nothing does.
		if sig, ok := kb.Signal(r.note); ok {
			t.Errorf("%s: the row says %q, the id of %q", r.id, r.note, sig.Title)
		}
	}
	if tcp, _ := kb.Signal("tcp.connect.ok"); !strings.Contains(ansi.Strip(m.View()), "✓ tcp         "+tcp.Title) {
		t.Errorf("the tcp row does not say %q:\n%s", tcp.Title, ansi.Strip(m.View()))
	}
	view := ansi.Strip(m.View())
	for _, want := range []string{"Waterfall", "connect", "first byte", "✓ tcp"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if n := strings.Count(view, "\n") + 1; n != 30 {
		t.Errorf("view has %d lines, want the pane's 30", n)
	}
}

func TestFromHomeOpensAnInvestigationAndHidesThePassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the proxy refuses
	m, _ := newPane(t)
	m.form[fieldTarget].input.SetValue("https://backend.test/")
	m.form[fieldProxy].input.SetValue("http://" + addr)
	m.form[fieldCredentials].input.SetValue("gw:hunter2")
	msgs := drive(t, m, press(m, "r"))
	if len(msgs) == 0 {
		t.Fatal("no messages")
	}
	if _, ok := msgs[0].(common.OpenMsg); !ok {
		t.Errorf("first message %T, want an OpenMsg", msgs[0])
	}
	found := false
	for _, msg := range msgs {
		if ev, ok := msg.(common.AddEvidenceMsg); ok {
			for _, e := range ev.Evidence {
				found = found || e.Signal == "proxy.unreachable.refused"
			}
		}
	}
	if !found {
		t.Errorf("no proxy.unreachable.refused in %v", msgs)
	}
	if v := m.View(); strings.Contains(v, "hunter2") || !strings.Contains(v, "gw:••••••") {
		t.Errorf("credentials shown:\n%s", v)
	}
	// The investigation's own pane takes the run over and shows the same form.
	inv, _ := newPane(t)
	inv.Update(progressMsg{run: m.run})
	if v := ansi.Strip(inv.View()); !strings.Contains(v, "gw:••••••") || !strings.Contains(v, addr) || !strings.Contains(v, "✗ connect") {
		t.Errorf("the pane that took the run over shows:\n%s", v)
	}
}

func TestSuggestedCheckRunsWithOneKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	m, kb := newPane(t)
	if cmd := press(m, "x"); cmd == nil {
		t.Fatal("x with no suggestion: want an error message")
	} else if _, ok := cmd().(common.ErrorMsg); !ok {
		t.Fatal("x with no suggestion: want an error message")
	}
	var tcp *knowledge.Check
	for _, c := range kb.Checks {
		if c.ID == "tcp" {
			tcp = c
		}
	}
	m.Update(common.SessionMsg{Rev: 1, Assessment: &diagnose.Assessment{Next: []diagnose.NextCheck{{Check: tcp}}}})
	m.form[fieldTarget].input.SetValue(srv.URL)
	drive(t, m, press(m, "x"))
	rows, _, _ := m.run.snapshot()
	if len(rows) != 2 || rows[1].id != "tcp" || rows[1].state != passed {
		t.Fatalf("rows %+v, want dns and tcp only", rows)
	}
}

func TestEditingCapturesKeys(t *testing.T) {
	m, _ := newPane(t)
	m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if !m.Capturing() {
		t.Fatal("enter on the target field did not start editing")
	}
	for _, k := range "ftp://q" {
		m.Update(tea.KeyPressMsg{Code: k, Text: string(k)})
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if m.Capturing() || m.form[fieldTarget].input.Value() != "ftp://q" {
		t.Fatalf("capturing %v value %q", m.Capturing(), m.form[fieldTarget].input.Value())
	}
	if cmd := press(m, "r"); cmd == nil {
		t.Fatal("run with a bad target: want an error")
	} else if _, ok := cmd().(common.ErrorMsg); !ok {
		t.Fatal("run with a bad target: want an error")
	}
}

func TestViewFitsAnySize(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	m, _ := newPane(t)
	m.form[fieldTarget].input.SetValue(srv.URL)
	m.Update(common.SessionMsg{Rev: 1})
	drive(t, m, press(m, "r"))
	for _, size := range [][2]int{{0, 0}, {1, 1}, {12, 3}, {40, 8}, {200, 60}} {
		m.SetSize(size[0], size[1])
		v := m.View()
		lines := strings.Split(v, "\n")
		if size[1] == 0 || size[0] == 0 {
			if v != "" {
				t.Errorf("%v: drew %q", size, v)
			}
			continue
		}
		if len(lines) != size[1] {
			t.Errorf("%v: %d lines", size, len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w != size[0] {
				t.Errorf("%v: a line %d cells wide", size, w)
				break
			}
		}
	}
}

func TestRunOneChosenCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	m, _ := newPane(t)
	m.form[fieldTarget].input.SetValue(srv.URL)
	m.Update(common.SessionMsg{Rev: 1})
	m.cursor = rowOne
	for range 4 { // dns → tcp → connect → tls → http
		m.Update(tea.KeyPressMsg{Code: tea.KeyRight})
	}
	if single[m.one] != "http" {
		t.Fatalf("chose %s", single[m.one])
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	m.Update(tea.KeyPressMsg{Code: tea.KeyLeft}) // connect: directly, that is the TCP connect
	_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	drive(t, m, cmd)
	rows, _, _ := m.run.snapshot()
	if len(rows) != 2 || rows[1].id != "tcp" {
		t.Fatalf("rows %+v, want dns and tcp", rows)
	}
}

func TestFormHidesPasswordsInURLs(t *testing.T) {
	m, _ := newPane(t)
	m.SetSize(100, 30)
	m.form[fieldProxy].input.SetValue("http://gw:hunter2@127.0.0.1:3128")
	m.form[fieldTarget].input.SetValue("https://api:s3cret@backend.test/")
	v := ansi.Strip(m.View())
	if strings.Contains(v, "hunter2") || strings.Contains(v, "s3cret") {
		t.Errorf("a password typed into a URL is on screen:\n%s", v)
	}
	if !strings.Contains(v, "127.0.0.1:3128") {
		t.Errorf("the proxy's address is gone:\n%s", v)
	}
}

// TestSuggestionIsCheckNextFirst: the pane suggests the check the next-check pane lists first,
// whatever it is; x runs it when it is a live check (the Host-header comparison is the CONNECT
// check with no Host imposed) and says how to run it otherwise.
func TestSuggestionIsCheckNextFirst(t *testing.T) {
	m, kb := newPane(t)
	check := func(id string) *knowledge.Check {
		for _, c := range kb.Checks {
			if c.ID == id {
				return c
			}
		}
		t.Fatalf("no check %s", id)
		return nil
	}
	hostHeader, tcp, capture := check("connect-host-header"), check("tcp"), check("capture-handshake")
	m.Update(common.SessionMsg{Rev: 1, Assessment: &diagnose.Assessment{Next: []diagnose.NextCheck{{Check: hostHeader}, {Check: tcp}}}})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "run the suggested check: "+hostHeader.Title[:30]) {
		t.Errorf("the pane does not suggest Check next #1 (%s):\n%s", hostHeader.Title, v)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	m.form[fieldTarget].input.SetValue("https://backend.test/")
	m.form[fieldConnectHost].input.SetValue("proxy.test:3128")
	if cmd := press(m, "x"); cmd == nil {
		t.Fatal("x without a proxy: want an error")
	} else if e, ok := cmd().(common.ErrorMsg); !ok || !strings.Contains(e.Err.Error(), "proxy") {
		t.Fatalf("x without a proxy: %v", e)
	}
	m.form[fieldProxy].input.SetValue("http://" + addr)
	drive(t, m, press(m, "x"))
	rows, _, _ := m.run.snapshot()
	if len(rows) != 1 || rows[0].id != "connect" {
		t.Fatalf("x ran %+v, want the CONNECT check alone", rows)
	}

	m.Update(common.SessionMsg{Rev: 2, Assessment: &diagnose.Assessment{Next: []diagnose.NextCheck{{Check: capture}, {Check: tcp}}}})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "not a live check: "+capture.Title[:20]) {
		t.Errorf("a suggestion the pane cannot run is not named as such:\n%s", v)
	}
	cmd := press(m, "x")
	if cmd == nil {
		t.Fatal("x on a capture suggestion: want an error saying how to run it")
	}
	if e, ok := cmd().(common.ErrorMsg); !ok || !strings.Contains(e.Err.Error(), "tcpdump") {
		t.Errorf("x on a capture suggestion: %v", e)
	}
}
