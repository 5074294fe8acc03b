package probe

import (
	"testing"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

func attemptsKB(t *testing.T) *knowledge.Base {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// A run through a proxy: the refused CONNECT and the accepted one are two attempts on the check's
// hop to the target, told apart by their Host header; the TLS handshake after the tunnel is a
// third, that worked.
func TestCheckRunIsAttemptsOnItsHop(t *testing.T) {
	kb := attemptsKB(t)
	start := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	r := &Result{Target: "https://backend.example/", Proxy: "http://10.0.0.2:3128", Started: start,
		Connect: &ConnectResult{Proxy: "10.0.0.2:3128", Target: "backend.example:443", Tunnel: 1, Compared: OnlyProxyNameRefused,
			TCP: &TCPResult{Used: 0, Attempts: []TCPAttempt{{Remote: "10.0.0.2:3128", Outcome: TCPConnected}}}, Attempts: []ProxyAttempt{
				{HostHeader: "10.0.0.2:3128", HostIs: HostIsProxy, Outcome: ProxyAnswered, Status: 403, StatusLine: "HTTP/1.1 403 Request blocked by Privoxy"},
				{HostHeader: "backend.example:443", HostIs: HostIsTarget, Outcome: ProxyAnswered, Status: 200, StatusLine: "HTTP/1.1 200 Connection established"},
			}},
		TLS: &TLSResult{SNI: "backend.example", Offered: "TLS 1.2–TLS 1.3", Outcome: TLSOK, Version: "TLS 1.3"},
	}
	s := diagnose.NewSession(kb)
	for _, ev := range Evidence(kb, r) {
		s.Add(ev)
	}
	hops := s.Incident().Hops()
	if len(hops) != 1 {
		t.Fatalf("%d hops, want the check's one", len(hops))
	}
	h := hops[0]
	want := diagnose.HopKey{Role: diagnose.HopCheck, Server: "10.0.0.2:3128", Target: "backend.example:443"}
	if h.Key != want || h.Failed != 1 || h.Worked != 3 {
		t.Fatalf("hop %s: %d failed, %d worked; want %s with 1 failed (the CONNECT with the proxy's Host), 3 worked (TCP, CONNECT, TLS)", h.Key, h.Failed, h.Worked, want)
	}
	f := h.Failing[0]
	if f.Phase != diagnose.PhaseConnect || f.Failure != "proxy.connect.status.403" || f.Features.Host != "10.0.0.2:3128" || f.Features.HostNamesTarget || f.Where() != "check connect" {
		t.Errorf("failing attempt %+v", f)
	}
	a := s.Assess()
	if len(a.Hops) != 1 || a.NoFailure {
		t.Fatalf("assessment: %d failing hops, no failure %v", len(a.Hops), a.NoFailure)
	}
	found := false
	for _, ev := range a.Hops[0].Evidence {
		found = found || ev.Signal == "proxy.host-header.only-proxy-name-refused"
	}
	if !found {
		t.Errorf("the hop's evidence %v lacks the Host contrast between the refused and the accepted CONNECT", a.Hops[0].Evidence)
	}
}

// A direct run's TCP connects are one attempt per address; one that passed is no failure, and a
// run whose checks all passed shows no failure at all.
func TestCheckTCPAttempts(t *testing.T) {
	kb := attemptsKB(t)
	hop := CheckHop("http://backend.example:8080/", "")
	if hop.Server != "backend.example:8080" || hop.Target != "" {
		t.Fatalf("hop %+v", hop)
	}
	tcp := &TCPResult{Used: 1, Attempts: []TCPAttempt{
		{Remote: "[2001:db8::1]:8080", Outcome: TCPRefused, Err: "connection refused"},
		{Remote: "192.0.2.1:8080", Outcome: TCPConnected},
		{Remote: "192.0.2.2:8080", Outcome: TCPNotAllowed},
	}}
	evs := CheckEvidence(kb, CheckTCP, tcp, time.Now())
	atts := CheckAttempts(hop, CheckTCP, tcp, evs, time.Now())
	if len(atts) != 2 || !atts[0].Failed || atts[0].Failure != "tcp.connect.refused" || atts[0].Phase != diagnose.PhaseTCP || atts[1].Failed {
		t.Errorf("attempts %+v: want the refused address failing and the connected one working (the address not allowed left out)", atts)
	}
	s := diagnose.NewSession(kb)
	ok := &TCPResult{Used: 0, Attempts: []TCPAttempt{{Remote: "192.0.2.1:8080", Outcome: TCPConnected}}}
	evs = CheckEvidence(kb, CheckTCP, ok, time.Now())
	for _, ev := range WithAttempts(evs, CheckAttempts(hop, CheckTCP, ok, evs, time.Now())) {
		s.Add(ev)
	}
	if a := s.Assess(); !a.NoFailure || len(a.Healthy) != 1 {
		t.Errorf("a run that passed: no failure %v, %d healthy hops; want no failure on one healthy hop", a.NoFailure, len(a.Healthy))
	}
}
