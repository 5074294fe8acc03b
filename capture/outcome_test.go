package capture

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutcome reads recordings of the real peers and looks for the outcome each one's failing
// connection must show in the conversations list.
func TestOutcome(t *testing.T) {
	for _, tc := range []struct{ scenario, file, want string }{
		{"tunnel.forbidden.acl", "lo.pcap", "→ 403 ERR_ACCESS_DENIED"},
		{"tunnel.forbidden.acl.tinyproxy", "lo.pcap", "CONNECT"},
		{"tunnel.proxy-auth", "lo.pcap", "→ 407"},
		{"tls.handshake-failure.version", "lo.pcap", "TLS alert protocol_version (server)"},
		{"tls.handshake-timeout.firewall", "any.pcapng", "ClientHello not acknowledged"},
		{"tls.handshake-timeout.server-stall", "lo.pcap", "ClientHello acknowledged, never answered"},
		{"backend.down", "lo.pcap", "GET /api/orders/1 → 503"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			path := filepath.Join("..", "testdata", "scenarios", tc.scenario, tc.file)
			f, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var outcomes []string
			_, err = f.Analyze(context.Background(), Options{Trace: &Trace{FlowDone: func(fl *Flow) {
				outcomes = append(outcomes, fl.Outcome())
			}}})
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(outcomes, "\n")
			if !strings.Contains(all, tc.want) {
				t.Errorf("no connection shows %q; outcomes:\n%s", tc.want, all)
			}
		})
	}
}
