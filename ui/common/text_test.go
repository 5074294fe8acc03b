package common

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Wrap never breaks a word (an id, a flag) nor a quoted command across lines: a line ends at a
// space, and what is too wide for any line is cut at its end, with "…".
func TestWrapKeepsIDsAndCommandsWhole(t *testing.T) {
	tests := []struct {
		text  string
		width int
		whole []string // each must appear on one line, or cut at its end on a line of its own
	}{
		{"because the gateway reported protocol.http.ProxyTunnelCreationFailed (gateway.fault.tunnel-failed ×11.9)", 30,
			[]string{"protocol.http.ProxyTunnelCreationFailed", "gateway.fault.tunnel-failed"}},
		{"the pattern log.pattern.all-failing fits backend.down", 20, []string{"log.pattern.all-failing"}},
		{"It is the status line `hopscope check --proxy http://proxy:3128 --target https://b/` shows.", 40,
			[]string{"`hopscope check --proxy http://proxy:3128 --target https://b/`"}},
		{"run `hopscope check --target URL` now", 60, []string{"`hopscope check --target URL`"}},
	}
	for _, tt := range tests {
		lines := Wrap(tt.text, tt.width)
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > tt.width {
				t.Errorf("%q: line %q is %d wide, over %d", tt.text, l, w, tt.width)
			}
		}
		for _, word := range tt.whole {
			found := false
			for _, l := range lines {
				if strings.Contains(l, word) {
					found = true
				}
				// Cut at its end only: the line starts with the word's beginning and ends in "…".
				if head, ok := strings.CutSuffix(l, "…"); ok && strings.HasPrefix(word, strings.TrimSpace(head)) && len(strings.TrimSpace(head)) > 3 {
					found = true
				}
			}
			if !found {
				t.Errorf("%q at %d: %q was broken across lines:\n%s", tt.text, tt.width, word, strings.Join(lines, "\n"))
			}
		}
	}
}

// A command goes after its label when both fit, else on a line of its own, cut at its end.
func TestCommandStaysWhole(t *testing.T) {
	id := func(s ...string) string { return strings.Join(s, "") }
	cmd := "hopscope check --target URL --proxy http://PROXY:PORT"
	if got := Command("run ", id, cmd, 80); len(got) != 1 || got[0] != "run "+cmd {
		t.Errorf("wide: %q", got)
	}
	got := Command("run ", id, cmd, 30)
	if len(got) != 2 || got[0] != "run" || !strings.HasPrefix(cmd, strings.TrimSuffix(got[1], "…")) || !strings.HasSuffix(got[1], "…") {
		t.Errorf("narrow: %q", got)
	}
	if IsCommand("Look at the response the client got.") || !IsCommand(cmd) {
		t.Error("IsCommand tells a sentence from a command wrongly")
	}
}

// BenchmarkWrap wraps a cause's explanation, as the panes do on every redraw after a change.
func BenchmarkWrap(b *testing.B) {
	s := "The proxy answered the CONNECT with 403 because an ACL (squid http_access, tinyproxy Filter, a firewall behind the proxy) forbids the tunnel to this backend: protocol.http.ProxyTunnelCreationFailed, run `hopscope check --target https://backend:443/ --proxy http://proxy:3128` to see both names."
	b.ReportAllocs()
	for b.Loop() {
		Wrap(s, 38)
	}
}
