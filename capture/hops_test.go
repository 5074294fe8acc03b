package capture

import (
	"fmt"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/hopscope/hopscope/capture/internal/synth"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// hopSession reads a built capture into a session the way analyze does: evidence and attempts.
func hopSession(t *testing.T, kb *knowledge.Base, b []byte) *diagnose.Session {
	t.Helper()
	s := diagnose.NewSession(kb)
	evs, atts := analyzeAttempts(t, b)
	for _, a := range atts {
		s.AddAttempt(a)
	}
	for _, ev := range evs {
		s.Add(ev)
	}
	return s
}

// gatewayed builds requests into a gateway on 8080 that opens a connection of its own for each:
// TLS to its backend on 443 (answered when ok), or a connect refused at port.
func gatewayed(w *synth.Writer, h hosts, i int, port uint16, ok bool) {
	start := t0.Add(time.Duration(i) * time.Second)
	front := w.NewConn(start, ap(h.client, uint16(41000+i)), ap(h.proxy, 8080))
	front.Handshake(0, ms)
	front.Data(2*ms, true, []byte("GET /api HTTP/1.1\r\nHost: app.example\r\n\r\n"))
	back := w.NewConn(start.Add(3*ms), ap(h.proxy, uint16(51000+i)), ap(h.backend, port))
	status := "502 Bad Gateway"
	if ok {
		back.Handshake(0, ms)
		back.Data(2*ms, true, synth.ClientHello("api.example"))
		back.Data(4*ms, false, synth.ServerHello())
		back.Data(5*ms, true, []byte{23, 3, 3, 0, 1, 0})
		back.Data(6*ms, false, []byte{23, 3, 3, 0, 1, 0})
		back.FIN(7*ms, true)
		back.FIN(8*ms, false)
		status = "200 OK"
	} else {
		back.SYN(0, false)
		back.RST(ms, false)
	}
	front.Data(10*ms, false, []byte("HTTP/1.1 "+status+"\r\nContent-Length: 0\r\n\r\n"))
	front.FIN(11*ms, true)
	front.FIN(12*ms, false)
}

// Roles come from behaviour: a host that takes plain HTTP and opens TLS for the requests is a
// gateway, whose refused backend is the gateway playbook's backend.tcp-unreachable, not a reverse
// proxy's backend.down; the same gateway refused at its forward proxy's port has an unreachable
// proxy.
func TestGatewayRolesFromBehaviour(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		port  uint16
		cause string
	}{
		{"backend refused", 443, "backend.tcp-unreachable"},
		{"proxy port refused", 3128, "tunnel.proxy-unreachable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := build(t, layers.LinkTypeNull, false, v4, func(w *synth.Writer, h hosts) {
				gatewayed(w, h, 0, 443, true)
				gatewayed(w, h, 1, 443, true)
				for i := 2; i < 5; i++ {
					gatewayed(w, h, i, c.port, false)
				}
			})
			a := hopSession(t, kb, b).Assess()
			if len(a.Hops) == 0 {
				t.Fatal("no failing hop")
			}
			var hops []string
			for _, v := range a.Hops {
				hops = append(hops, fmt.Sprintf("%s (%s) %d/%d ⇒ %s", v.Hop.Key, v.Role, v.Hop.Failed, v.Hop.Worked, v.Causes[0].Cause.ID))
			}
			if got := a.Causes[0].Cause.ID; got != c.cause {
				t.Errorf("top cause %s, want %s; hops %v", got, c.cause, hops)
			}
		})
	}
}

// Every synthetic scenario with a cause keeps it when its connections are read as attempts on
// hops, as analyze reads them.
func TestScenarioHopCauses(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		if sc.cause == "" {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			a := hopSession(t, kb, build(t, layers.LinkTypeNull, false, v4, sc.build)).Assess()
			if got := a.Causes[0].Cause.ID; got != sc.cause {
				t.Errorf("top cause %s (%.2f) with hops, want %s", got, a.Causes[0].Confidence, sc.cause)
			}
		})
	}
}
