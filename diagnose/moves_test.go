package diagnose

import "testing"

// The reason given for a move points the way the cause went: a rise is explained by evidence for
// the cause, a fall by evidence against it, never the other way round. The host-header case is
// the one that showed it: the proxy's "access denied" favours the ACL cause too, yet the ACL cause
// falls once the Host header is shown to be what the proxy refuses.
func TestMoveReasonPointsTheWayTheCauseWent(t *testing.T) {
	k := kb(t)
	for _, steps := range [][]string{
		{"gateway.fault.tunnel-failed", "proxy.connect.status.403", "proxy.error.access-denied", "proxy.host-header.only-proxy-name-refused"},
		{"proxy.connect.status.403", "proxy.host-header.only-proxy-name-refused", "proxy.error.access-denied"},
		{"gateway.fault.bad-gateway", "tcp.connect.ok", "tls.clienthello.retransmitted", "tls.clienthello.unacked"},
		{"log.proxy.pass-body-failed", "tcp.connect.refused", "log.pattern.all-failing"},
	} {
		s := NewSession(k)
		s.Assess()
		for _, ev := range evs(steps...) {
			if _, ok := k.Signal(ev.Signal); !ok {
				t.Fatalf("unknown signal %s", ev.Signal)
			}
			s.Add(ev)
			for _, mv := range s.Assess().Moves {
				b := mv.Because
				if b.Signal == "" {
					continue
				}
				if mv.To < mv.From && b.Factor >= 1 {
					t.Errorf("after %s: %s fell %.2f → %.2f, explained by %s ×%.2f, which favours it", ev.Signal, mv.Cause, mv.From, mv.To, b.Signal, b.Factor)
				}
				if mv.To > mv.From && b.Factor <= 1 {
					t.Errorf("after %s: %s rose %.2f → %.2f, explained by %s ×%.2f, which tells against it", ev.Signal, mv.Cause, mv.From, mv.To, b.Signal, b.Factor)
				}
			}
		}
	}
}
