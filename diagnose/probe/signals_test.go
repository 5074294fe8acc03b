package probe

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

func kb(t *testing.T) *knowledge.Base {
	t.Helper()
	b, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// leading ranks the evidence of r and returns the first cause.
func leading(t *testing.T, r *Result) string {
	t.Helper()
	b := kb(t)
	s := diagnose.NewSession(b)
	for _, ev := range Evidence(b, r) {
		if ev.Kind != diagnose.FromCheck && ev.Kind != diagnose.FromOperator {
			t.Errorf("evidence %s has kind %s", ev.Signal, ev.Kind)
		}
		s.Add(ev)
	}
	return s.Assess().Causes[0].Cause.ID
}

func answered(status int, hostIs string, reason ProxyReason) ProxyAttempt {
	return ProxyAttempt{Outcome: ProxyAnswered, Status: status, StatusLine: "HTTP/1.1 " + itoaT(status), HostIs: hostIs, Reason: reason}
}

// given is a CONNECT refused with the Host header the operator gave (the gateway's).
func given(status int, host string) ProxyAttempt {
	a := answered(status, HostIsGiven, ReasonAccessDenied)
	a.HostHeader = host
	return a
}

func itoaT(i int) string {
	return string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

func proxied(attempts []ProxyAttempt, compared HostComparison) *Result {
	return &Result{Hop: HopGateway, Started: time.Unix(0, 0), Connect: &ConnectResult{
		Proxy: "proxy:3128", Target: "backend:443",
		DNS:      &DNSResult{Outcome: DNSLiteral, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}},
		TCP:      &TCPResult{Used: 0, Attempts: []TCPAttempt{{Outcome: TCPConnected}}},
		Attempts: attempts, Compared: compared, Tunnel: -1,
	}}
}

func TestEvidenceRanksTheCause(t *testing.T) {
	yes, no := true, false
	direct := func(tcp TCPOutcome, tls *TLSResult) *Result {
		r := &Result{Hop: HopGateway, DNS: &DNSResult{Outcome: DNSOK}, TCP: &TCPResult{Used: -1, Attempts: []TCPAttempt{{Outcome: tcp}}}, TLS: tls}
		if tcp == TCPConnected {
			r.TCP.Used = 0
		}
		return r
	}
	tests := []struct {
		want string
		r    *Result
	}{
		{"tunnel.forbidden.acl", proxied([]ProxyAttempt{answered(403, HostIsTarget, ReasonAccessDenied), answered(403, HostIsProxy, ReasonAccessDenied)}, NoDifference)},
		{"tunnel.forbidden.host-header", proxied([]ProxyAttempt{answered(200, HostIsTarget, ""), answered(403, HostIsProxy, ReasonAccessDenied)}, OnlyProxyNameRefused)},
		{"tunnel.proxy-auth", proxied([]ProxyAttempt{answered(407, HostIsTarget, ReasonAuthRequired), answered(407, HostIsProxy, ReasonAuthRequired)}, NoDifference)},
		{"tunnel.unavailable.dns", proxied([]ProxyAttempt{answered(500, HostIsTarget, ReasonCannotForward), answered(500, HostIsProxy, ReasonCannotForward)}, NoDifference)},
		{"tunnel.unavailable.backend-down", proxied([]ProxyAttempt{answered(503, HostIsTarget, ReasonConnectRefused), answered(503, HostIsProxy, ReasonConnectRefused)}, NoDifference)},
		{"tunnel.timeout", proxied([]ProxyAttempt{answered(503, HostIsTarget, ReasonConnectTimeout), answered(503, HostIsProxy, ReasonConnectTimeout)}, NoDifference)},
		{"tunnel.timeout", proxied([]ProxyAttempt{{Outcome: ProxyNoAnswer, HostIs: HostIsTarget}}, "")},
		{"tls.handshake-timeout.firewall", direct(TCPConnected, &TLSResult{Outcome: TLSTimeout, ClientHelloAcked: &no, TCP: &TCPState{Unacked: 1, Retransmits: 4}})},
		{"tls.handshake-timeout.server-stall", direct(TCPConnected, &TLSResult{Outcome: TLSTimeout, ClientHelloAcked: &yes, TCP: &TCPState{}})},
		{"tls.handshake-failure", direct(TCPConnected, &TLSResult{Outcome: TLSAlert, Alert: "handshake_failure (40)"})},
		// A server that closes before a byte arrived: the kernel's view decides.
		{"tls.handshake-timeout.firewall", direct(TCPConnected, &TLSResult{Outcome: TLSClosed, ClientHelloAcked: &no, TCP: &TCPState{Unacked: 2, Retransmits: 4}})},
		{"tls.handshake-failure", direct(TCPConnected, &TLSResult{Outcome: TLSClosed})},
		{"tls.handshake-failure", direct(TCPConnected, &TLSResult{Outcome: TLSClosed, ClientHelloAcked: &yes, TCP: &TCPState{}})},
		// The gateway's own Host header refused, the target's name accepted.
		{"tunnel.forbidden.host-header", proxied([]ProxyAttempt{given(403, "proxy:3128"), answered(200, HostIsTarget, "")}, OnlyProxyNameRefused)},
		{"tunnel.forbidden.acl", proxied([]ProxyAttempt{given(403, "proxy:3128"), answered(403, HostIsTarget, ReasonAccessDenied)}, NoDifference)},
		{"backend.tcp-unreachable", direct(TCPRefused, nil)},
		{"backend.tcp-unreachable", direct(TCPTimeout, nil)},
	}
	for _, tt := range tests {
		if got := leading(t, tt.r); got != tt.want {
			t.Errorf("%s: leading cause %s", tt.want, got)
		}
	}
	unreachable := proxied(nil, "")
	unreachable.Connect.TCP = &TCPResult{Used: -1, Attempts: []TCPAttempt{{Outcome: TCPRefused}}}
	if got := leading(t, unreachable); got != "tunnel.proxy-unreachable" {
		t.Errorf("proxy refused: leading cause %s", got)
	}
}
