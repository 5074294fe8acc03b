package investigation

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

func timeline() []diagnose.Evidence {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	return []diagnose.Evidence{
		{Signal: "gateway.fault.tunnel-failed", Source: "client.txt:3", Kind: diagnose.FromText, At: at(0)},
		{Signal: "proxy.connect.status.503", Source: "lo.pcap#7", Kind: diagnose.FromPacket, At: at(1)},
		{Signal: "proxy.error.connect-refused", Source: "lo.pcap#7", Kind: diagnose.FromPacket, At: at(2)},
	}
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// TestSeek moves the replay cursor forward, back and to both ends: the session holds exactly the
// evidence up to the cursor, plus what was added live, whichever way the cursor came.
func TestSeek(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	live := diagnose.Evidence{Signal: "tcp.connect.ok", Source: "check tcp", Kind: diagnose.FromCheck}
	tests := []struct {
		name    string
		keys    []string
		live    bool
		cursor  int
		signals []string
	}{
		{"start", nil, false, 0, nil},
		{"two steps", []string{"right", "right"}, false, 2, []string{"gateway.fault.tunnel-failed", "proxy.connect.status.503"}},
		{"past the end", []string{"right", "right", "right", "right"}, false, 3, []string{"gateway.fault.tunnel-failed", "proxy.connect.status.503", "proxy.error.connect-refused"}},
		{"back one", []string{">", "left"}, false, 2, []string{"gateway.fault.tunnel-failed", "proxy.connect.status.503"}},
		{"back to the start keeps live evidence", []string{">", "<"}, true, 0, []string{"tcp.connect.ok"}},
		{"next change", []string{"."}, false, 1, []string{"gateway.fault.tunnel-failed"}},
		{"next changes to the end", []string{".", ".", ".", "."}, false, 3, []string{"gateway.fault.tunnel-failed", "proxy.connect.status.503", "proxy.error.connect-refused"}},
		{"previous change", []string{">", ",", ","}, false, 1, []string{"gateway.fault.tunnel-failed"}},
		{"back one keeps live evidence after the timeline", []string{">", "left"}, true, 2, []string{"gateway.fault.tunnel-failed", "proxy.connect.status.503", "tcp.connect.ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := New(kb, common.DefaultStyles(), common.DefaultKeyMap()).Open(common.OpenMsg{Evidence: timeline(), Replay: true})
			m, _ = m.Update(press("space")) // pause
			if tt.live {
				m, _ = m.Update(common.AddEvidenceMsg{Evidence: []diagnose.Evidence{live}})
			}
			for _, k := range tt.keys {
				m, _ = m.Update(press(k))
			}
			if m.cursor != tt.cursor {
				t.Errorf("cursor %d, want %d", m.cursor, tt.cursor)
			}
			var got []string
			for _, ev := range m.Session().Ledger() {
				got = append(got, ev.Signal)
			}
			if len(got) != len(tt.signals) {
				t.Fatalf("ledger %v, want %v", got, tt.signals)
			}
			for i := range got {
				if got[i] != tt.signals[i] {
					t.Fatalf("ledger %v, want %v", got, tt.signals)
				}
			}
			pub, ok := m.Published()
			if len(tt.keys) > 0 && (!ok || len(pub.Ledger) != len(tt.signals)) {
				t.Errorf("published %v %d entries, want %d", ok, len(pub.Ledger), len(tt.signals))
			}
		})
	}
}

// TestAttemptsOnlyEvidence steps over evidence that carries only attempts (an access log's
// requests): it reaches the session's hops and leaves no row in the ledger.
func TestAttemptsOnlyEvidence(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	tl := timeline()
	at := tl[0].At.Add(500 * time.Millisecond)
	attempt := diagnose.Attempt{
		Hop:     diagnose.HopKey{Role: diagnose.HopReverseProxy, Server: "10.0.0.3:8080"},
		At:      at,
		Failed:  true,
		Phase:   diagnose.PhaseTCP,
		Signals: []string{"backend.connect.refused"},
	}
	only := diagnose.Evidence{Source: "access.log:2", Kind: diagnose.FromLog, At: at, Attempts: []diagnose.Attempt{attempt}}
	first := only
	first.At = tl[0].At // the first piece of a replay, with no ledger row before it
	tl = append([]diagnose.Evidence{first, tl[0], only}, tl[1:]...)
	m, _ := New(kb, common.DefaultStyles(), common.DefaultKeyMap()).Open(common.OpenMsg{Evidence: tl, Replay: true})
	m, _ = m.Update(press("space")) // pause
	for range len(tl) + 1 {
		m, _ = m.Update(press("right"))
	}
	if got := len(m.Session().Ledger()); got != 3 {
		t.Errorf("ledger has %d rows, want the 3 signals", got)
	}
	if len(m.ledger) != 3 {
		t.Errorf("pane ledger has %d rows, want 3", len(m.ledger))
	}
	m, _ = m.Update(press("<"))
	m, _ = m.Update(press(">"))
	if len(m.ledger) != 3 {
		t.Errorf("after < >: pane ledger has %d rows, want 3", len(m.ledger))
	}
}

// TestPlayTicks plays to the end: each tick adds one piece, the last stops the replay, and a tick
// left over from before a pause does nothing.
func TestPlayTicks(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, cmd := New(kb, common.DefaultStyles(), common.DefaultKeyMap()).Open(common.OpenMsg{Evidence: timeline(), Replay: true})
	if cmd == nil || !m.playing {
		t.Fatal("a replay does not start playing")
	}
	stale := tickMsg{gen: m.gen}
	m, _ = m.Update(press("space"))
	m, _ = m.Update(stale)
	if m.cursor != 0 {
		t.Fatalf("a tick from before the pause moved the cursor to %d", m.cursor)
	}
	m, _ = m.Update(press("space"))
	for i := 1; i <= 3; i++ {
		var cmd tea.Cmd
		m, cmd = m.Update(tickMsg{gen: m.gen})
		if m.cursor != i {
			t.Fatalf("tick %d: cursor %d", i, m.cursor)
		}
		if (cmd == nil) != (i == 3) {
			t.Fatalf("tick %d: next tick scheduled = %v", i, cmd != nil)
		}
	}
	if m.playing {
		t.Error("still playing at the end")
	}
	if got := m.View(); got != "■ end 3/3 10:00:02.000" {
		t.Errorf("replay bar %q", got)
	}
}

// TestCheckStatus marks live checks' outcomes passed or failed, and nothing else.
func TestCheckStatus(t *testing.T) {
	tests := []struct {
		ev   diagnose.Evidence
		want string
	}{
		{diagnose.Evidence{Signal: "tcp.connect.ok", Kind: diagnose.FromCheck}, "passed"},
		{diagnose.Evidence{Signal: "proxy.connect.status.200", Kind: diagnose.FromCheck}, "passed"},
		{diagnose.Evidence{Signal: "proxy.connect.status.403", Kind: diagnose.FromCheck}, "failed"},
		{diagnose.Evidence{Signal: "tls.handshake.timeout", Kind: diagnose.FromCheck}, "failed"},
		{diagnose.Evidence{Signal: "proxy.host-header.no-difference", Kind: diagnose.FromCheck}, "passed"},
		{diagnose.Evidence{Signal: "tcp.connect.ok", Kind: diagnose.FromPacket}, ""},
	}
	for _, tt := range tests {
		if got := checkStatus(tt.ev); got != tt.want {
			t.Errorf("%s from %s: %q, want %q", tt.ev.Signal, tt.ev.Kind, got, tt.want)
		}
	}
}
