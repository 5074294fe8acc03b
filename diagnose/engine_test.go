package diagnose

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hopscope/hopscope/knowledge"
)

func kb(t testing.TB) *knowledge.Base {
	t.Helper()
	b, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func evs(signals ...string) []Evidence {
	out := make([]Evidence, len(signals))
	for i, s := range signals {
		out[i] = Evidence{Signal: s, Source: "test#" + s, Kind: FromCheck, At: time.Unix(int64(1000+i), 0)}
	}
	return out
}

// byCause is, for every catalogue cause, a set of evidence that a source could really produce in
// that situation. Each must rank its cause first.
var byCause = map[string][]string{
	"tunnel.forbidden.acl":               {"gateway.fault.tunnel-failed", "proxy.connect.status.403", "proxy.error.access-denied", "proxy.host-header.no-difference"},
	"tunnel.forbidden.host-header":       {"gateway.fault.tunnel-failed", "proxy.connect.status.403", "proxy.host-header.only-proxy-name-refused"},
	"tunnel.proxy-auth":                  {"gateway.fault.tunnel-failed", "proxy.connect.status.407", "proxy.error.auth-required"},
	"tunnel.unavailable.dns":             {"gateway.fault.tunnel-failed", "proxy.connect.status.500", "proxy.error.cannot-forward"},
	"tunnel.unavailable.backend-down":    {"gateway.fault.tunnel-failed", "proxy.connect.status.503", "proxy.error.connect-refused"},
	"tunnel.timeout":                     {"gateway.fault.tunnel-failed", "proxy.connect.status.503", "proxy.error.connect-timeout"},
	"tunnel.proxy-unreachable":           {"proxy.unreachable.refused"},
	"tls.handshake-timeout.firewall":     {"gateway.fault.bad-gateway", "tcp.connect.ok", "tls.clienthello.retransmitted", "tls.clienthello.unacked"},
	"tls.handshake-timeout.server-stall": {"gateway.fault.bad-gateway", "tcp.connect.ok", "tls.handshake.timeout", "tls.clienthello.acked"},
	"tls.handshake-failure":              {"gateway.fault.bad-gateway", "tcp.connect.ok", "tls.alert.received"},
	"backend.tcp-unreachable":            {"gateway.fault.bad-gateway", "tcp.connect.refused"},
	"backend.down":                       {"log.proxy.connect-refused", "log.proxy.connect-failed", "log.pattern.all-failing"},
	"backend.overloaded":                 {"log.proxy.connect-timeout", "log.proxy.connect-failed", "log.pattern.clustered"},
	"network.path":                       {"log.proxy.connect-failed", "tcp.connect.unreachable", "log.pattern.all-failing"},
	"network.sporadic":                   {"log.proxy.connect-failed", "log.pattern.sporadic"},
	"body.backend-closed":                {"log.proxy.pass-body-failed", "body.upload.reset"},
	"body.backend-stalled":               {"log.proxy.pass-body-failed", "body.upload.stalled"},
	"keepalive.race":                     {"log.proxy.status-line-error", "log.pattern.sporadic", "keepalive.reuse.failed"},
	"request.pattern":                    {"log.proxy.pass-body-failed", "log.pattern.request-correlated", "body.upload.ok"},
}

func TestEveryCauseCanBeRankedFirst(t *testing.T) {
	b := kb(t)
	for _, c := range b.Causes {
		if c.ID == knowledge.UnknownCause {
			continue
		}
		signals, ok := byCause[c.ID]
		if !ok {
			t.Errorf("no evidence set for cause %q", c.ID)
			continue
		}
		e := NewEngine(b)
		for _, ev := range evs(signals...) {
			e.Add(ev)
		}
		r := e.Rank()
		if r[0].Cause.ID != c.ID {
			t.Errorf("%s: ranked %s first (%.2f), %s at %.2f", c.ID, r[0].Cause.ID, r[0].Confidence, c.ID, confidenceOf(r, c.ID))
			continue
		}
		if len(r[0].For) == 0 {
			t.Errorf("%s: first without any evidence for it", c.ID)
		}
		if r[0].Confidence < 0.5 {
			t.Errorf("%s: first but only %.2f confident", c.ID, r[0].Confidence)
		}
	}
}

func confidenceOf(r []RankedCause, id string) float64 {
	for _, rc := range r {
		if rc.Cause.ID == id {
			return rc.Confidence
		}
	}
	return -1
}

func TestContradictingEvidenceLowersACause(t *testing.T) {
	b := kb(t)
	e := NewEngine(b)
	for _, ev := range evs("gateway.fault.bad-gateway", "tcp.connect.ok", "tls.handshake.timeout") {
		e.Add(ev)
	}
	before := confidenceOf(e.Rank(), "tls.handshake-timeout.firewall")
	e.Add(evs("tls.clienthello.acked")[0])
	r := e.Rank()
	after := confidenceOf(r, "tls.handshake-timeout.firewall")
	if after >= before/10 {
		t.Errorf("an acknowledged ClientHello should all but rule out the firewall: %.3f → %.3f", before, after)
	}
	for _, rc := range r {
		if rc.Cause.ID == "tls.handshake-timeout.firewall" && len(rc.Against) == 0 {
			t.Error("the firewall cause lists no evidence against it")
		}
	}
}

func TestContradictionsForEverythingLeaveUnknownFirst(t *testing.T) {
	b := kb(t)
	e := NewEngine(b)
	// The TLS handshake completes, the tunnel opens, a body goes through, a reused connection
	// works, the backend accepts connections, and the logs say failures are isolated: nothing
	// known fits all of that.
	for _, ev := range evs("tls.handshake.ok", "proxy.connect.status.200", "body.upload.ok", "keepalive.reuse.ok",
		"tcp.connect.ok", "log.pattern.sporadic", "log.pattern.all-failing", "proxy.unreachable.refused") {
		e.Add(ev)
	}
	if got := e.Rank()[0].Cause.ID; got != knowledge.UnknownCause {
		t.Errorf("ranked %s first, want unknown", got)
	}
}

func TestOrderDoesNotMatter(t *testing.T) {
	b := kb(t)
	all := evs("gateway.fault.tunnel-failed", "proxy.connect.status.403", "tcp.connect.ok", "dns.backend.ok",
		"proxy.host-header.names-proxy", "proxy.error.access-denied", "proxy.connect.status.403")
	ref := NewSession(b)
	for _, ev := range all {
		ref.Add(ev)
	}
	want := ref.Report(nil)
	want.Evidence = nil
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20; i++ {
		s := NewSession(b)
		perm := rng.Perm(len(all))
		for _, j := range perm {
			s.Add(all[j])
		}
		got := s.Report(nil)
		got.Evidence = nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("order %v gives a different assessment:\n got %+v\nwant %+v", perm, got.Causes[:3], want.Causes[:3])
		}
	}
}

func TestRepeatedSignalCountsOnce(t *testing.T) {
	b := kb(t)
	e := NewEngine(b)
	e.Add(evs("log.proxy.connect-refused")[0])
	once := e.Rank()[0].Confidence
	for i := 0; i < 1000; i++ {
		if e.Add(Evidence{Signal: "log.proxy.connect-refused", Source: "x"}) {
			t.Fatal("a repeated signal changed the ranking")
		}
	}
	r := e.Rank()
	if r[0].Confidence != once {
		t.Errorf("confidence moved from %v to %v on repeats", once, r[0].Confidence)
	}
	if r[0].For[0].Count != 1001 {
		t.Errorf("count = %d, want 1001", r[0].For[0].Count)
	}
}

func TestUnknownSignalIsIgnored(t *testing.T) {
	e := NewEngine(kb(t))
	if e.Add(Evidence{Signal: "no.such.signal"}) {
		t.Error("an unknown signal changed the ranking")
	}
}

func TestNextCheckSeparatesLeaders(t *testing.T) {
	b := kb(t)
	e := NewEngine(b)
	for _, ev := range evs("gateway.fault.tunnel-failed", "proxy.connect.status.403") {
		e.Add(ev)
	}
	next := e.Next(3)
	if len(next) == 0 {
		t.Fatal("no next check suggested")
	}
	if id := next[0].Check.ID; id != "connect-host-header" && id != "host-header-config" {
		t.Errorf("with acl and host-header leading, next = %s (%s); want a Host-header check", id, next[0].Why)
	}
	if next[0].Why == "" {
		t.Error("next check has no reason")
	}
	// Once its outcome is in, the check is not suggested again.
	e.Add(evs("proxy.host-header.only-proxy-name-refused")[0])
	for _, n := range e.Next(5) {
		if n.Check.ID == "connect-host-header" {
			t.Error("connect-host-header suggested again after its outcome was seen")
		}
	}
}

func TestTreePositionFollowsEvidence(t *testing.T) {
	b := kb(t)
	p, _ := b.Playbook("proxy-tunnel")
	e := NewEngine(b)
	if pos := e.Position(p); pos.Current == nil || pos.Current.ID != p.Tree.Start {
		t.Fatalf("with no evidence the tree should stand at its start, got %+v", pos.Current)
	}
	for _, ev := range evs("gateway.fault.tunnel-failed", "proxy.connect.status.403") {
		e.Add(ev)
	}
	pos := e.Position(p)
	if pos.Current == nil || pos.Current.ID != "host-header" {
		t.Fatalf("after a 403 the tree should ask about the Host header, stands at %+v", pos.Current)
	}
	if len(pos.Path) != 3 || pos.Path[2].By.Signal != "proxy.connect.status.403" {
		t.Errorf("answered path = %+v", pos.Path)
	}
	e.Add(Evidence{Signal: "proxy.host-header.only-proxy-name-refused", Kind: FromOperator, Source: "operator"})
	pos = e.Position(p)
	if pos.Conclusion != "tunnel.forbidden.host-header" || pos.Path[len(pos.Path)-1].By.Kind != FromOperator {
		t.Errorf("conclusion = %q by %+v", pos.Conclusion, pos.Path[len(pos.Path)-1].By)
	}
}

func TestSessionMovesSayWhy(t *testing.T) {
	s := NewSession(kb(t))
	s.Assess()
	s.Add(evs("tls.alert.received")[0])
	a := s.Assess()
	var found bool
	for _, m := range a.Moves {
		if m.Cause == "tls.handshake-failure" {
			found = true
			if m.To <= m.From || m.Because.Signal != "tls.alert.received" {
				t.Errorf("move = %+v", m)
			}
		}
	}
	if !found {
		t.Error("tls.handshake-failure did not move on a TLS alert")
	}
	if s.Assess() != a {
		t.Error("an assessment with no new evidence was recomputed")
	}
}

func BenchmarkAddNewSignal(b *testing.B) {
	k := kb(b)
	ids := make([]string, len(k.Signals))
	for i, s := range k.Signals {
		ids[i] = s.ID
	}
	b.ReportAllocs()
	for b.Loop() {
		e := NewEngine(k)
		for _, id := range ids {
			e.Add(Evidence{Signal: id})
		}
	}
}

func BenchmarkAddRepeatedSignal(b *testing.B) {
	e := NewEngine(kb(b))
	ev := Evidence{Signal: "log.proxy.connect-refused", Source: "x"}
	e.Add(ev)
	b.ReportAllocs()
	for b.Loop() {
		e.Add(ev)
	}
}

func TestPointlessChecksAreNotSuggested(t *testing.T) {
	e := NewEngine(kb(t))
	e.Add(evs("tcp.connect.refused")[0])
	for _, n := range e.Next(10) {
		if n.Check.ID == "tls" || n.Check.ID == "body-upload" || n.Check.ID == "keepalive" {
			t.Errorf("%s suggested after the TCP connect was refused", n.Check.ID)
		}
	}
}
