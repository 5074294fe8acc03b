package diagnose

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	privoxy = HopKey{Role: HopForwardProxy, Server: "10.0.0.2:8118", Target: "backend.example:443"}
	tlsHop  = HopKey{Role: HopDirect, Server: "10.0.0.3:443"}
	refused = HopKey{Role: HopDirect, Server: "10.0.0.4:8443"}
)

// attempt builds an attempt on a hop at second n.
func attempt(hop HopKey, n int, failed bool, phase Phase, f Features, signals ...string) Attempt {
	h := fnv.New64a()
	h.Write([]byte(hop.Server))
	return Attempt{Key: h.Sum64()<<16 | uint64(n), Hop: hop, Client: "10.0.0.1", Path: "cap.pcap", Packet: int64(n),
		At: time.Unix(int64(1000+n), 0), Failed: failed, Phase: phase, Signals: signals, Features: f,
		Wire: Wire{Input: "cap.pcap"}}
}

func top(a *Assessment) (string, float64) { return a.Causes[0].Cause.ID, a.Causes[0].Confidence }

// The refused CONNECT and the accepted one differ only in the Host header: the accepted one must
// not cancel the refusal, and the difference must point at the Host header.
func TestWorkingAttemptsAreTheControlGroup(t *testing.T) {
	s := NewSession(kb(t))
	s.AddAttempt(attempt(privoxy, 1, false, "", Features{Host: "backend.example:443", HostNamesTarget: true, Method: "CONNECT"},
		"proxy.reachable", "proxy.connect.status.200", "proxy.host-header.names-target"))
	s.AddAttempt(attempt(privoxy, 2, true, PhaseConnect, Features{Host: "10.0.0.2:8118", Method: "CONNECT"},
		"proxy.reachable", "proxy.connect.status.403", "proxy.host-header.names-proxy"))
	a := s.Assess()
	if id, p := top(a); id != "tunnel.forbidden.host-header" || p < 0.5 {
		t.Fatalf("top cause %s (%.2f), want tunnel.forbidden.host-header above 0.5", id, p)
	}
	if len(a.Hops) != 1 || a.Hops[0].Hop.Failed != 1 || a.Hops[0].Hop.Worked != 1 {
		t.Fatalf("hops %+v, want one hop with 1 failed and 1 worked", a.Hops)
	}
	found := false
	for _, ev := range a.Hops[0].Evidence {
		if ev.Signal == "proxy.host-header.only-proxy-name-refused" {
			found = true
		}
		if ev.Signal == "proxy.connect.status.200" {
			t.Errorf("the working CONNECT's 200 is evidence of the failing hop: %+v", ev)
		}
	}
	if !found {
		t.Errorf("no Host header contrast among %+v", a.Hops[0].Evidence)
	}
}

// A TLS 1.2 handshake refused beside a TLS 1.3 one that worked: the version is the difference.
func TestTLSVersionContrast(t *testing.T) {
	s := NewSession(kb(t))
	s.AddAttempt(attempt(tlsHop, 1, false, "", Features{TLSOffered: "TLS 1.3"}, "tcp.connect.ok", "tls.serverhello.seen", "tls.handshake.ok"))
	s.AddAttempt(attempt(tlsHop, 2, true, PhaseTLS, Features{TLSOffered: "TLS 1.2"}, "tcp.connect.ok", "tls.alert.received"))
	a := s.Assess()
	if id, p := top(a); id != "tls.handshake-failure" || p < 0.9 {
		t.Fatalf("top cause %s (%.2f), want tls.handshake-failure above 0.9", id, p)
	}
	if !hasSignal(a.Hops[0].Evidence, "hop.contrast.tls-version") {
		t.Errorf("no TLS version contrast among %+v", a.Hops[0].Evidence)
	}
}

// Three hops failing three ways give three verdicts, the most failed first, and causes is the
// worst hop's.
func TestOneVerdictPerFailingHop(t *testing.T) {
	s := NewSession(kb(t))
	for i := range 3 {
		s.AddAttempt(attempt(refused, 10+i, true, PhaseTCP, Features{}, "tcp.connect.refused"))
	}
	for i := range 2 {
		s.AddAttempt(attempt(tlsHop, 20+i, true, PhaseTLS, Features{TLSOffered: "TLS 1.2"}, "tcp.connect.ok", "tls.alert.received"))
	}
	s.AddAttempt(attempt(privoxy, 30, true, PhaseConnect, Features{Host: "backend.example:443", HostNamesTarget: true, Method: "CONNECT"},
		"proxy.reachable", "proxy.connect.status.407", "proxy.error.auth-required"))
	s.AddAttempt(attempt(tlsHop, 40, false, "", Features{TLSOffered: "TLS 1.3"}, "tcp.connect.ok", "tls.handshake.ok"))
	a := s.Assess()
	// A refused connect straight from the client is the gateway playbook's
	// backend.tcp-unreachable, not a reverse proxy's backend.down.
	want := []struct {
		hop   HopKey
		cause string
	}{{refused, "backend.tcp-unreachable"}, {tlsHop, "tls.handshake-failure"}, {privoxy, "tunnel.proxy-auth"}}
	if len(a.Hops) != len(want) {
		t.Fatalf("%d verdicts, want %d", len(a.Hops), len(want))
	}
	for i, w := range want {
		v := a.Hops[i]
		if v.Hop.Key != w.hop || v.Causes[0].Cause.ID != w.cause {
			t.Errorf("verdict %d: %s → %s, want %s → %s", i, v.Hop.Key, v.Causes[0].Cause.ID, w.hop, w.cause)
		}
	}
	if id, _ := top(a); id != a.Hops[0].Causes[0].Cause.ID {
		t.Errorf("causes lead with %s, want the worst hop's %s", id, a.Hops[0].Causes[0].Cause.ID)
	}
	if !s.SelectHop(privoxy.String()) {
		t.Fatal("could not select the proxy hop")
	}
	if id, _ := top(s.Assess()); id != "tunnel.proxy-auth" {
		t.Errorf("after selecting the proxy hop causes lead with %s", id)
	}
	if s.SelectHop("direct 192.0.2.1:1") {
		t.Error("selected a hop that does not exist")
	}
}

// Healthy traffic alone names no cause with confidence, and says there was no failure.
func TestNoFailingAttemptNoConfidentCause(t *testing.T) {
	s := NewSession(kb(t))
	for i := range 50 {
		s.AddAttempt(attempt(tlsHop, i, false, "", Features{TLSOffered: "TLS 1.3"}, "tcp.connect.ok", "tls.serverhello.seen", "tls.handshake.ok"))
		s.AddAttempt(attempt(privoxy, 100+i, false, "", Features{Host: "backend.example:443", HostNamesTarget: true, Method: "CONNECT"},
			"proxy.reachable", "proxy.connect.status.200"))
	}
	for _, ev := range evs("tcp.connect.ok", "tls.handshake.ok", "proxy.connect.status.200") {
		ev.Hop = tlsHop.String()
		s.Add(ev)
	}
	a := s.Assess()
	if !a.NoFailure || len(a.Hops) != 0 || len(a.Healthy) != 2 {
		t.Fatalf("NoFailure %v, %d failing and %d healthy hops; want no failure and 2 healthy hops", a.NoFailure, len(a.Hops), len(a.Healthy))
	}
	if id, p := top(a); p > 0.5 {
		t.Errorf("healthy traffic ranks %s at %.2f", id, p)
	}
	r := s.Report(nil)
	if r.Verdict != "healthy" || len(r.Hops) != 2 || r.Hops[0].Verdict != "healthy" {
		t.Errorf("report verdict %q with %d hops, want healthy with 2", r.Verdict, len(r.Hops))
	}
}

// The same connection in two captures is one attempt; what one side sent and the other never
// saw is named.
func TestSameAttemptInTwoCapturesIsMerged(t *testing.T) {
	in := NewIncident()
	client := attempt(tlsHop, 1, true, PhaseTLS, Features{TLSOffered: "TLS 1.2"}, "tcp.connect.ok", "tls.clienthello.retransmitted", "tls.clienthello.unacked")
	client.Wire = Wire{Input: "gateway.pcap", SYNs: 1, SYNACK: true, Bytes: [2]int64{517, 0}, Retrans: [2]int{5, 0}}
	server := attempt(tlsHop, 1, false, "", Features{}, "tcp.connect.ok")
	server.Wire = Wire{Input: "backend.pcap", SYNs: 1, SYNACK: true}
	in.Add(client)
	in.Add(server)
	hops := in.Hops()
	if len(hops) != 1 || hops[0].Failed != 1 || hops[0].Worked != 0 {
		t.Fatalf("hops %+v, want one hop with one failed attempt", hops)
	}
	if len(hops[0].Lost) != 1 {
		t.Fatalf("lost %q, want one line", hops[0].Lost)
	}
	want := "client → server: 517 bytes seen in gateway.pcap, only 0 of them in backend.pcap (517 lost between the two)"
	if hops[0].Lost[0] != want {
		t.Errorf("lost %q, want %q", hops[0].Lost[0], want)
	}
	// Seen again in the same input it is another connection.
	in.Add(client)
	if hops[0].Failed != 2 {
		t.Errorf("a second attempt in the same input counted %d failed, want 2", hops[0].Failed)
	}
}

// A reverse proxy's backend hop whose failures cluster while others succeed gets the clustered
// pattern; one that carried TLS is a gateway's and gets no mod-proxy pattern.
func TestTimingAndRoleFromBehaviour(t *testing.T) {
	back := HopKey{Role: HopBackend, Server: "10.0.0.5:8080"}
	s := NewSession(kb(t))
	for i := range 12 {
		failed := i >= 4 && i < 8
		ph := Phase("")
		sigs := []string{"tcp.connect.ok"}
		if failed {
			ph, sigs = PhaseTCP, []string{"tcp.connect.timeout"}
		}
		s.AddAttempt(attempt(back, i, failed, ph, Features{Method: "GET", Path: fmt.Sprintf("/r/%d", i)}, sigs...))
	}
	a := s.Assess()
	if a.Hops[0].Role != HopReverseProxy || !hasSignal(a.Hops[0].Evidence, "log.pattern.clustered") {
		t.Errorf("role %s, evidence %v; want a reverse proxy's hop with clustered failures", a.Hops[0].Role, signals(a.Hops[0].Evidence))
	}
	gw := HopKey{Role: HopBackend, Server: "10.0.0.6:443"}
	s = NewSession(kb(t))
	s.AddAttempt(attempt(gw, 1, false, "", Features{TLSOffered: "TLS 1.3", SNI: "api"}, "tcp.connect.ok", "tls.handshake.ok"))
	s.AddAttempt(attempt(gw, 2, true, PhaseTCP, Features{}, "tcp.connect.refused"))
	s.AddAttempt(attempt(gw, 3, true, PhaseTCP, Features{}, "tcp.connect.refused"))
	a = s.Assess()
	if a.Hops[0].Role != HopGateway || !hasSignal(a.Hops[0].Evidence, "capture.hop.gateway") {
		t.Errorf("role %s, evidence %v; want a gateway's hop", a.Hops[0].Role, signals(a.Hops[0].Evidence))
	}
	if id, _ := top(a); id != "backend.tcp-unreachable" {
		t.Errorf("a gateway's refused backend ranks %s first, want backend.tcp-unreachable", id)
	}
}

func hasSignal(evs []Evidence, sig string) bool {
	for _, ev := range evs {
		if ev.Signal == sig {
			return true
		}
	}
	return false
}

func signals(evs []Evidence) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Signal)
	}
	return out
}

// Where the evidence ties two causes, the first check suggested is one whose outcome tells them
// apart, and the knowledge says how to run it.
func TestTiesNameTheCheckThatSeparatesThem(t *testing.T) {
	for _, c := range []struct {
		name    string
		signals []string
		a, b    string
	}{
		{"timed out while connecting", []string{"log.proxy.connect-timeout", "log.proxy.connect-failed"}, "backend.overloaded", "network.path"},
		{"pass request body failed", []string{"log.proxy.pass-body-failed"}, "body.backend-closed", "body.backend-stalled"},
	} {
		s := NewSession(kb(t))
		for _, ev := range evs(c.signals...) {
			s.Add(ev)
		}
		a := s.Assess()
		lead := []string{a.Causes[0].Cause.ID, a.Causes[1].Cause.ID}
		if !(lead[0] == c.a && lead[1] == c.b || lead[0] == c.b && lead[1] == c.a) {
			t.Errorf("%s: leading causes %v, want %s and %s", c.name, lead, c.a, c.b)
			continue
		}
		if len(a.Next) == 0 {
			t.Errorf("%s: no check suggested", c.name)
			continue
		}
		n := a.Next[0]
		if !strings.Contains(n.Why, c.a) || !strings.Contains(n.Why, c.b) || n.Check.How == "" {
			t.Errorf("%s: first check %s (%s), want one that tells %s from %s", c.name, n.Check.ID, n.Why, c.a, c.b)
		}
	}
	// "Resource temporarily unavailable" is a full accept queue, not any failed connect.
	s := NewSession(kb(t))
	for _, ev := range evs("log.proxy.connect-busy", "log.proxy.connect-failed") {
		s.Add(ev)
	}
	if id, p := top(s.Assess()); id != "backend.overloaded" || p < 0.5 {
		t.Errorf("a full accept queue ranks %s (%.2f) first, want backend.overloaded above 0.5", id, p)
	}
}

// A connection that worked but needed its SYN sent again is trouble on its hop, not control.
func TestTroubleOfWorkingAttemptsIsEvidence(t *testing.T) {
	back := HopKey{Role: HopBackend, Server: "10.0.0.5:8080"}
	s := NewSession(kb(t))
	ok := attempt(back, 1, false, "", Features{Method: "GET", Path: "/a"}, "tcp.connect.ok", "tcp.syn.retransmitted")
	ok.Trouble = []string{"tcp.syn.retransmitted"}
	s.AddAttempt(ok)
	s.AddAttempt(attempt(back, 2, false, "", Features{Method: "GET", Path: "/b"}, "tcp.connect.ok", "tcp.connect.ok"))
	s.AddAttempt(attempt(back, 3, true, PhaseTCP, Features{Method: "GET", Path: "/c"}, "tcp.connect.timeout"))
	a := s.Assess()
	ev := signals(a.Hops[0].Evidence)
	if !slices.Contains(ev, "tcp.syn.retransmitted") || slices.Contains(ev, "tcp.connect.ok") {
		t.Errorf("hop evidence %v, want the retried SYN and not the working connects", ev)
	}
}
