package capture

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/hopscope/hopscope/capture/internal/synth"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

const ms = time.Millisecond

// hosts are the addresses of a synthetic incident, per address family.
type hosts struct{ client, proxy, backend netip.Addr }

var v4 = hosts{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")}
var v6 = hosts{netip.MustParseAddr("::1"), netip.MustParseAddr("fd00::2"), netip.MustParseAddr("fd00::3")}

func ap(a netip.Addr, port uint16) netip.AddrPort { return netip.AddrPortFrom(a, port) }

// scenarios are small incidents built packet by packet, each with the signals it must produce
// and the signals it must not.
var scenarios = append(connScenarios, patternScenarios...)

// scenario is one synthetic incident.
type scenario struct {
	name      string
	build     func(w *synth.Writer, h hosts)
	want, not []string
	// cause is the catalogue cause the knowledge base must rank first on this evidence alone
	// ("" where the packets alone cannot tell two causes apart).
	cause string
}

// connScenarios are incidents on one or two connections.
var connScenarios = []scenario{
	{
		name: "refused",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.client, 40001), ap(h.backend, 9000))
			c.SYN(0, false)
			c.RST(ms, false)
		},
		want:  []string{"tcp.connect.refused"},
		not:   []string{"tcp.connect.ok", "tcp.connect.timeout"},
		cause: "backend.tcp-unreachable",
	},
	{
		name: "syn-timeout",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.client, 40001), ap(h.backend, 9000))
			c.SYN(0, false)
			c.SYN(time.Second, true)
			c.SYN(3*time.Second, true)
		},
		want:  []string{"tcp.connect.timeout"},
		not:   []string{"tcp.connect.ok", "tcp.connect.refused"},
		cause: "backend.tcp-unreachable",
	},
	{
		name: "clienthello-dropped",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.client, 40001), ap(h.backend, 443))
			c.Handshake(0, ms)
			ch := synth.ClientHello("backend.example")
			c.Data(3*ms, true, ch)
			for _, at := range []time.Duration{200, 600, 1400, 3000} {
				c.Resend(at*ms, true, ch)
			}
			// The FIN passes the firewall but lands after a hole: the server cannot acknowledge it.
			c.FIN(5*time.Second, true)
		},
		want:  []string{"tcp.connect.ok", "tls.clienthello.unacked", "tls.clienthello.retransmitted", "tls.handshake.timeout"},
		not:   []string{"tls.clienthello.acked", "tls.serverhello.seen"},
		cause: "tls.handshake-timeout.firewall",
	},
	{
		name: "server-stall",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.client, 40001), ap(h.backend, 443))
			c.Handshake(0, ms)
			c.Data(3*ms, true, synth.ClientHello("backend.example"))
			c.ACK(4*ms, false)
			c.FIN(5*time.Second, true)
			c.ACK(5*time.Second+ms, false)
		},
		want:  []string{"tls.clienthello.acked", "tls.handshake.timeout"},
		not:   []string{"tls.clienthello.unacked", "tls.clienthello.retransmitted"},
		cause: "tls.handshake-timeout.server-stall",
	},
	{
		name: "alert",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.client, 40001), ap(h.backend, 443))
			c.Handshake(0, ms)
			c.Data(3*ms, true, synth.ClientHello("backend.example"))
			c.Data(4*ms, false, synth.Alert(70))
			c.FIN(5*ms, false)
			c.FIN(6*ms, true)
		},
		want:  []string{"tls.alert.received"},
		not:   []string{"tls.handshake.timeout", "tls.clienthello.unacked"},
		cause: "tls.handshake-failure",
	},
	{
		name: "handshake-ok",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.client, 40001), ap(h.backend, 443))
			c.Handshake(0, ms)
			c.Data(3*ms, true, synth.ClientHello("backend.example"))
			c.Data(4*ms, false, synth.ServerHello())
			c.Data(5*ms, true, []byte{23, 3, 3, 0, 1, 0})
			c.Data(6*ms, false, []byte{23, 3, 3, 0, 1, 0})
			c.FIN(7*ms, true)
			c.FIN(8*ms, false)
		},
		want:  []string{"tls.serverhello.seen", "tls.handshake.ok"},
		not:   []string{"tls.handshake.timeout", "tls.alert.received"},
		cause: "",
	},
	{
		name: "connect-403-host-names-proxy",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.client, 40001), ap(h.proxy, 3128))
			c.Handshake(0, ms)
			c.Data(3*ms, true, []byte("CONNECT backend.example:443 HTTP/1.1\r\nHost: proxy.example:3128\r\nProxy-Authorization: Basic c2VjcmV0\r\n\r\n"))
			c.Data(5*ms, false, []byte("HTTP/1.1 403 Forbidden\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\nContent-Length: 0\r\n\r\n"))
			c.FIN(6*ms, false)
			c.FIN(7*ms, true)
		},
		want:  []string{"proxy.connect.status.403", "proxy.error.access-denied", "proxy.host-header.names-proxy", "proxy.reachable"},
		not:   []string{"tcp.connect.ok", "proxy.host-header.names-target"},
		cause: "tunnel.forbidden.host-header",
	},
	{
		name: "connect-407",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.client, 40001), ap(h.proxy, 3128))
			c.Handshake(0, ms)
			c.Data(3*ms, true, []byte("CONNECT backend.example:443 HTTP/1.1\r\nHost: backend.example:443\r\n\r\n"))
			c.Data(5*ms, false, []byte("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nX-Squid-Error: ERR_CACHE_ACCESS_DENIED 0\r\n\r\n"))
			c.FIN(6*ms, false)
		},
		want:  []string{"proxy.connect.status.407", "proxy.error.auth-required", "proxy.host-header.names-target"},
		not:   []string{"proxy.host-header.names-proxy"},
		cause: "tunnel.proxy-auth",
	},
	{
		name: "reverse-proxy-backend-refused",
		build: func(w *synth.Writer, h hosts) {
			front := w.NewConn(t0, ap(h.client, 40001), ap(h.proxy, 8080))
			front.Handshake(0, ms)
			front.Data(3*ms, true, []byte("GET /api HTTP/1.1\r\nHost: app.example\r\n\r\n"))
			back := w.NewConn(t0.Add(4*ms), ap(h.proxy, 50001), ap(h.backend, 9000))
			back.SYN(0, false)
			back.RST(ms, false)
			front.Data(6*ms, false, []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"))
			front.FIN(7*ms, true)
			front.FIN(8*ms, false)
		},
		want:  []string{"tcp.connect.refused", "http.response.503"},
		not:   []string{"tcp.connect.ok"},
		cause: "backend.down",
	},
	{
		name: "body-reset",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.proxy, 50001), ap(h.backend, 9000))
			c.Handshake(0, ms)
			c.Data(3*ms, true, []byte("POST /upload HTTP/1.1\r\nHost: b\r\nContent-Length: 1048576\r\n\r\n"))
			chunk := bytes.Repeat([]byte("x"), 16000)
			for i := range 4 {
				c.Data(time.Duration(4+i)*ms, true, chunk)
			}
			c.RST(10*ms, false)
		},
		want:  []string{"body.upload.reset", "tcp.connect.ok"},
		not:   []string{"body.upload.ok", "body.upload.stalled"},
		cause: "body.backend-closed",
	},
	{
		name: "body-stalled",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.proxy, 50001), ap(h.backend, 9000))
			c.Handshake(0, ms)
			c.Data(3*ms, true, []byte("POST /upload HTTP/1.1\r\nHost: b\r\nContent-Length: 1048576\r\n\r\n"))
			c.Data(4*ms, true, bytes.Repeat([]byte("x"), 16000))
			c.Window(5*ms, false, 0)
			c.Window(2*time.Second, false, 0)
			c.RST(4*time.Second, true)
		},
		want:  []string{"body.upload.stalled"},
		not:   []string{"body.upload.reset", "body.upload.ok"},
		cause: "body.backend-stalled",
	},
	{
		name: "keepalive-race",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.proxy, 50001), ap(h.backend, 9000))
			c.Handshake(0, ms)
			c.Data(3*ms, true, []byte("GET /a HTTP/1.1\r\nHost: b\r\n\r\n"))
			c.Data(5*ms, false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			c.FIN(5*time.Second, false)
			c.Data(5*time.Second+ms, true, []byte("GET /b HTTP/1.1\r\nHost: b\r\n\r\n"))
			c.RST(5*time.Second+2*ms, false)
		},
		want:  []string{"keepalive.reuse.failed"},
		not:   []string{"keepalive.reuse.ok", "body.upload.reset"},
		cause: "keepalive.race",
	},
	{
		name: "midstream",
		build: func(w *synth.Writer, h hosts) {
			// The capture starts after the handshake; the server happens to use the higher port.
			c := w.NewConn(t0, ap(h.client, 8000), ap(h.backend, 50000))
			c.Data(0, true, synth.ClientHello("backend.example"))
			c.Data(ms, false, synth.Alert(40))
			c.FIN(2*ms, false)
		},
		want:  []string{"tls.alert.received"},
		not:   []string{"tls.alert.sent"},
		cause: "tls.handshake-failure",
	},
	{
		name: "body-stalled-then-backend-gone",
		build: func(w *synth.Writer, h hosts) {
			c := w.NewConn(t0, ap(h.proxy, 50001), ap(h.backend, 9000))
			c.Handshake(0, ms)
			c.Data(3*ms, true, []byte("POST /upload HTTP/1.1\r\nHost: b\r\nContent-Length: 1048576\r\n\r\n"))
			c.Data(4*ms, true, bytes.Repeat([]byte("x"), 16000))
			c.Window(5*ms, false, 0)
			c.Window(3*time.Second, false, 0)
			c.RST(3*time.Second+ms, false)
		},
		want:  []string{"body.upload.stalled"},
		not:   []string{"body.upload.reset"},
		cause: "body.backend-stalled",
	},
}

// variants are the framings every scenario is written in.
var variants = []struct {
	name string
	link layers.LinkType
	ng   bool
	h    hosts
}{
	{"pcap-null-v4", layers.LinkTypeNull, false, v4},
	{"pcap-ether-v6", layers.LinkTypeEthernet, false, v6},
	{"pcapng-sll2-v4", layers.LinkTypeLinuxSLL2, true, v4},
	{"pcapng-sll2-v6", layers.LinkTypeLinuxSLL2, true, v6},
}

func build(t testing.TB, link layers.LinkType, ng bool, h hosts, fn func(*synth.Writer, hosts)) []byte {
	var buf bytes.Buffer
	w, err := synth.NewWriter(&buf, link, ng)
	if err != nil {
		t.Fatal(err)
	}
	fn(w, h)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func analyzeBytes(t testing.TB, b []byte) (Summary, []diagnose.Evidence) {
	var evs []diagnose.Evidence
	sum, err := Analyze(context.Background(), bytes.NewReader(b), Options{Name: "x.pcap", Trace: &Trace{Evidence: func(ev diagnose.Evidence) { evs = append(evs, ev) }}})
	if err != nil {
		t.Fatal(err)
	}
	return sum, evs
}

func signals(evs []diagnose.Evidence) []string {
	var out []string
	for _, ev := range evs {
		if !slices.Contains(out, ev.Signal) {
			out = append(out, ev.Signal)
		}
	}
	slices.Sort(out)
	return out
}

func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		for _, v := range variants {
			t.Run(sc.name+"/"+v.name, func(t *testing.T) {
				sum, evs := analyzeBytes(t, build(t, v.link, v.ng, v.h, sc.build))
				got := signals(evs)
				for _, s := range sc.want {
					if !slices.Contains(got, s) {
						t.Errorf("missing %s; got %v", s, got)
					}
				}
				for _, s := range sc.not {
					if slices.Contains(got, s) {
						t.Errorf("unexpected %s; got %v", s, got)
					}
				}
				if len(sum.Warnings) != 0 {
					t.Errorf("warnings: %q", sum.Warnings)
				}
				for _, ev := range evs {
					if len(ev.Packets) == 0 || ev.At.IsZero() || !strings.HasPrefix(ev.Source, "x.pcap#") {
						t.Errorf("evidence without packets, time or source: %+v", ev)
					}
					if strings.Contains(ev.Detail, "c2VjcmV0") {
						t.Errorf("credentials shown: %s", ev.Detail)
					}
					if ev.Source != fmt.Sprintf("x.pcap#%d", ev.Packets[0]) {
						t.Errorf("source %s does not name the first packet %d", ev.Source, ev.Packets[0])
					}
				}
			})
		}
	}
}

// TestScenarioCauses runs each scenario's evidence through the knowledge base and checks the cause
// ranked first: the signals the capture emits must be the ones that tell the causes apart.
func TestScenarioCauses(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		if sc.cause == "" {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			_, evs := analyzeBytes(t, build(t, layers.LinkTypeNull, false, v4, sc.build))
			s := diagnose.NewSession(kb)
			for _, ev := range evs {
				s.Add(ev)
			}
			a := s.Assess()
			if got := a.Causes[0].Cause.ID; got != sc.cause {
				var top []string
				for _, c := range a.Causes[:3] {
					top = append(top, fmt.Sprintf("%s %.2f", c.Cause.ID, c.Confidence))
				}
				t.Errorf("top cause %s, want %s (ranking %v; signals %v)", got, sc.cause, top, signals(evs))
			}
		})
	}
}
