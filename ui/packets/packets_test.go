package packets

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// recording is a real squid recording: CONNECTs refused with 403.
const recording = "../../testdata/scenarios/tunnel.forbidden.acl/lo.pcap"

func press(n string) tea.KeyPressMsg {
	switch n {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
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
	case openedMsg:
		m.Update(msg)
	}
}

func screen(m *Model) string { return ansi.Strip(m.View()) }

// opened returns the pane with the recording read, as an investigation whose ledger names one of
// its packets would give it.
func opened(t *testing.T) *Model {
	m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(140, 24)
	m.SetFocused(true)
	_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: common.Disk{}, Ledger: []common.Entry{
		{Source: recording + "#5", Kind: diagnose.FromPacket, Signal: "proxy.connect.status.403", Detail: "the proxy answered 403"},
		{Source: "client.txt:3", Kind: diagnose.FromText, Signal: "http.response.503"},
	}})
	run(t, m, cmd)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, done, err := m.sources[0].snapshot(); done {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the recording was not read in 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	m.Update(tickMsg{})
	return m
}

func TestConversationsPacketsDetail(t *testing.T) {
	m := opened(t)
	if len(m.sources) != 1 {
		t.Fatalf("%d captures opened, want the one the ledger names", len(m.sources))
	}
	s := screen(m)
	if !strings.Contains(s, "conversations · all · by start") || !strings.Contains(s, "SF") {
		t.Fatalf("conversations:\n%s", s)
	}
	m.Update(press("enter"))
	if s = screen(m); !strings.Contains(s, "CONNECT ") || !strings.Contains(s, "[SYN]") {
		t.Fatalf("a conversation's packets:\n%s", s)
	}
	for range 3 {
		m.Update(press("down"))
	}
	m.Update(press("enter"))
	if s = screen(m); !strings.Contains(s, "Packet 4") || !strings.Contains(s, "CONNECT") {
		t.Fatalf("packet detail:\n%s", s)
	}
	m.Update(press("w"))
	if s = screen(m); !strings.Contains(s, "0000  ") {
		t.Fatalf("hex:\n%s", s)
	}
	m.Update(press("backspace"))
	m.Update(press("F"))
	if s = screen(m); !strings.Contains(s, "> CONNECT ") || !strings.Contains(s, "< HTTP/1.1 403") {
		t.Fatalf("followed stream:\n%s", s)
	}
}

func TestFilterSortAndEvidenceJump(t *testing.T) {
	m := opened(t)
	m.Update(press("o"))
	if s := screen(m); !strings.Contains(s, "0 conversations · failed to connect") {
		t.Fatalf("filter:\n%s", s)
	}
	m.Update(press("t"))
	if s := screen(m); !strings.Contains(s, "by packets") {
		t.Fatalf("sort:\n%s", s)
	}
	m.Update(press("e"))
	if s := screen(m); !strings.Contains(s, "#5") || !strings.Contains(s, "proxy.connect.status.403") {
		t.Fatalf("evidence:\n%s", s)
	}
	m.Update(press("enter"))
	s := screen(m)
	if !strings.Contains(s, "packets · all packets") || !strings.Contains(s, "      5 ") {
		t.Fatalf("jump to packet 5:\n%s", s)
	}
	if m.pktCursor != 4 {
		t.Errorf("cursor on list row %d, want 4 (packet 5)", m.pktCursor)
	}
	m.Update(press("enter"))
	if s = screen(m); !strings.Contains(s, "Packet 5") || !strings.Contains(s, "finding   proxy.connect.status.403") {
		t.Fatalf("the packet's detail names the finding it shows:\n%s", s)
	}
}

func TestMaskSecrets(t *testing.T) {
	for _, in := range []string{
		"CONNECT b:443 HTTP/1.1\r\nProxy-Authorization: Basic c2VjcmV0\r\nHost: b\r\n\r\n",
		// A segment of its own may open with the header.
		"proxy-authorization: Basic c2VjcmV0\r\nHost: b\r\n\r\n",
		"Authorization: Bearer c2VjcmV0\r\nHost: b\r\n",
	} {
		out := string(maskSecrets([]byte(in), 0))
		if strings.Contains(out, "c2VjcmV0") || !strings.Contains(out, "Host: b") || len(out) != len(in) {
			t.Errorf("masked %q: %q", in, out)
		}
	}
}

func TestViewFitsAnySize(t *testing.T) {
	m := opened(t)
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {20, 3}, {80, 10}} {
		m.SetSize(sz[0], sz[1])
		lines := strings.Split(m.View(), "\n")
		if sz[1] > 0 && len(lines) != sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Errorf("%dx%d: a line of %d cells", sz[0], sz[1], w)
			}
		}
	}
}

// typeText presses one key per character.
func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func TestFilterPackets(t *testing.T) {
	m := opened(t)
	m.Update(press("/"))
	if !m.Capturing() {
		t.Fatal("typing a filter does not take the keys")
	}
	typeText(m, "syn ack")
	m.Update(press("enter"))
	if m.Capturing() || m.run == nil {
		t.Fatalf("the filter did not start (capturing %v)", m.Capturing())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, _, _, done := m.run.snapshot(); done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the filter did not finish in 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	m.Update(tickMsg{})
	s := screen(m)
	rows := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, " → ") && strings.Contains(l, "[") {
			rows++
			if !strings.Contains(l, "[SYN, ACK]") {
				t.Errorf("a row that does not match the filter: %q", l)
			}
		}
	}
	if rows == 0 || !strings.Contains(s, "filter syn ack") {
		t.Fatalf("filtered list:\n%s", s)
	}
	m.Update(press("backspace"))
	if m.filtered {
		t.Error("back did not drop the filter")
	}
	if _, err := parseFilter("port http"); err == nil {
		t.Error("a port that is no number was taken")
	}
}

// TestFollowFromAllPackets: F on a packet of the list of all packets (where a jump from the
// evidence lands) follows that packet's conversation.
func TestFollowFromAllPackets(t *testing.T) {
	m := opened(t)
	m.Update(press("e"))
	m.Update(press("enter"))
	if s := screen(m); !strings.Contains(s, "packets · all packets") {
		t.Fatalf("the jump did not list all packets:\n%s", s)
	}
	m.Update(press("F"))
	s := screen(m)
	if !strings.Contains(s, "> CONNECT ") || !strings.Contains(s, "< HTTP/1.1 403") {
		t.Fatalf("F on packet 5 of all packets did not follow its stream:\n%s", s)
	}
	m.Update(press("backspace"))
	if s = screen(m); strings.Contains(s, "all packets") || !strings.Contains(s, "[SYN]") {
		t.Errorf("back from the stream is not the conversation's packets:\n%s", s)
	}
}
