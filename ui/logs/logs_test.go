package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// The real nginx logs of an overloaded backend: connect timeouts in two bursts.
const (
	errorLog  = "../../diagnose/logs/testdata/scenarios/backend.overloaded/nginx/error.log"
	accessLog = "../../diagnose/logs/testdata/scenarios/backend.overloaded/nginx/access.log"
)

func press(n string) tea.KeyPressMsg {
	if n == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: []rune(n)[0], Text: n}
}

// run executes a command and feeds what it returns back to the pane, batches included.
func run(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			run(t, m, c)
		}
	case loadedMsg:
		m.Update(msg)
	}
}

func screen(m *Model) string { return ansi.Strip(m.View()) }

func opened(t *testing.T) *Model {
	t.Helper()
	m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(100, 20)
	m.SetFocused(true)
	_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: common.Disk{}, Ledger: []common.Entry{
		{Source: errorLog + ":12", Kind: diagnose.FromLog, Signal: "log.proxy.connect-timeout", Detail: "the proxy's connection to the backend timed out"},
		{Source: accessLog + ":20", Kind: diagnose.FromLog, Signal: "log.pattern.clustered", Detail: "failures in bursts"},
		{Source: "client.txt:3", Kind: diagnose.FromText, Signal: "http.response.504"},
	}})
	run(t, m, cmd)
	return m
}

func TestTimelineShowsTheBackendsFailures(t *testing.T) {
	m := opened(t)
	if len(m.sources) != 2 {
		t.Fatalf("%d logs read, want the error and the access log", len(m.sources))
	}
	s := screen(m)
	if !strings.Contains(s, "Failures per second") || !strings.Contains(s, "127.0.0.1:18190") || !strings.ContainsAny(s, "▁▂▃▄▅▆▇█") {
		t.Fatalf("timeline:\n%s", s)
	}
	for i, line := range strings.Split(m.View(), "\n") {
		if w := ansi.StringWidth(line); w != 100 {
			t.Fatalf("line %d is %d cells wide, want 100", i, w)
		}
	}
}

func TestEvidenceJumpsToItsLine(t *testing.T) {
	m := opened(t)
	m.Update(press("e"))
	if s := screen(m); !strings.Contains(s, "log.proxy.connect-timeout") {
		t.Fatalf("evidence list:\n%s", s)
	}
	m.Update(press("enter"))
	if m.mode != modeLines {
		t.Fatalf("mode %v after jumping", m.mode)
	}
	got := m.sources[m.cur].ov.Lines[m.lineCursor].Number
	if got < 12 {
		t.Fatalf("cursor on line %d, want line 12 or the first failing line after it", got)
	}
	if s := screen(m); !strings.Contains(s, "failing lines") {
		t.Fatalf("lines:\n%s", s)
	}
	m.Update(press("c"))
	if m.cur != 1 || !strings.Contains(m.Title(), "access.log") {
		t.Fatalf("next log: %q", m.Title())
	}
}

func TestTinyAndEmpty(t *testing.T) {
	m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(30, 3)
	if s := screen(m); !strings.Contains(s, "No server log") {
		t.Fatalf("empty pane: %q", s)
	}
	m = opened(t)
	for _, size := range [][2]int{{0, 0}, {1, 1}, {10, 2}, {200, 50}} {
		m.SetSize(size[0], size[1])
		for _, mode := range []string{"m", "i", "e"} {
			m.Update(press(mode))
			if got := len(strings.Split(m.View(), "\n")); size[1] > 0 && got != size[1] {
				t.Fatalf("%v %s: %d lines", size, mode, got)
			}
		}
	}
}

func TestFollowAddsNewFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	line := "2026/11/21 10:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:8080/\", host: \"x\"\n"
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(100, 10)
	m.SetFocused(true)
	_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: common.Disk{}, Ledger: []common.Entry{{Source: path + ":1", Kind: diagnose.FromLog, Signal: "log.proxy.connect-refused"}}})
	run(t, m, cmd)
	if n := len(m.sources[0].lines()); n != 1 {
		t.Fatalf("%d failing lines read, want 1", n)
	}
	if _, cmd := m.Update(press("F")); cmd == nil || !strings.Contains(m.Title(), "following") {
		t.Fatalf("F did not start following: %q", m.Title())
	}
	defer m.sources[0].stop()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(line + line)
	f.Close()
	deadline := time.Now().Add(5 * time.Second)
	for len(m.sources[0].lines()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d failing lines after appending two, want 3", len(m.sources[0].lines()))
		}
		time.Sleep(20 * time.Millisecond)
		m.Update(followTickMsg{})
		m.View()
	}
	if got := m.sources[0].lines(); got[1].Number != 2 || got[2].Number != 3 {
		t.Fatalf("followed lines numbered %d and %d, want 2 and 3", got[1].Number, got[2].Number)
	}
	m.Update(press("F"))
	if strings.Contains(m.Title(), "following") {
		t.Fatalf("F did not stop following: %q", m.Title())
	}
}

// TestWholeLineSaysWhenItIsCut: a failing line longer than the overview keeps shows its start
// whole and says that the rest is in the file.
func TestWholeLineSaysWhenItIsCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	long := `2026/11/21 10:00:01 [error] 12#12: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET /` + strings.Repeat("a", 600) + ` HTTP/1.1", upstream: "http://127.0.0.1:9000/", host: "x"`
	short := `2026/11/21 10:00:02 [error] 12#12: *2 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:9000/", host: "x"`
	if err := os.WriteFile(path, []byte(long+"\n"+short+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(60, 30)
	m.SetFocused(true)
	_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: common.Disk{}, Ledger: []common.Entry{{Source: path + ":1", Kind: diagnose.FromLog, Signal: "log.proxy.connect-refused"}}})
	run(t, m, cmd)
	m.Update(press("i"))
	m.Update(press("enter"))
	if s := screen(m); !strings.Contains(s, "line 1 ·") || !strings.Contains(s, "it goes on in the file") {
		t.Errorf("a cut line:\n%s", s)
	}
	m.Update(press("enter"))
	m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	m.Update(press("enter"))
	if s := screen(m); !strings.Contains(s, "line 2 ·") || strings.Contains(s, "goes on") || !strings.Contains(s, `host: "x"`) {
		t.Errorf("a whole line:\n%s", s)
	}
}

// TestFollowSaysWhyNot: F on a log that cannot be followed says why instead of doing nothing.
func TestFollowSaysWhyNot(t *testing.T) {
	b, err := os.ReadFile(errorLog)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "error.log.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(80, 20)
	m.SetFocused(true)
	_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: common.Disk{}, Ledger: []common.Entry{{Source: path + ":3", Kind: diagnose.FromLog, Signal: "log.proxy.connect-timeout"}}})
	if _, c := m.Update(press("F")); c == nil {
		t.Error("F while the log is read: no word")
	} else if e, ok := c().(common.ErrorMsg); !ok || !strings.Contains(e.Err.Error(), "still being read") {
		t.Errorf("F while the log is read: %v", e)
	}
	run(t, m, cmd)
	_, c := m.Update(press("F"))
	if c == nil {
		t.Fatal("F on a gzipped log: no word")
	}
	if e, ok := c().(common.ErrorMsg); !ok || !strings.Contains(e.Err.Error(), "gzipped") {
		t.Errorf("F on a gzipped log: %v", e)
	}
}
