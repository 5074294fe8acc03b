package lab

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"
)

// mixedScenarios are incidents as they come: failing attempts among attempts that work on the
// same hop, several faults on several hops at once, and healthy traffic alone. They reuse the
// servers of the single-fault scenarios; only the traffic differs.
func mixedScenarios() []Scenario {
	return []Scenario{
		{
			Name: "tunnel.forbidden.host-header.mixed", Cause: "tunnel.forbidden.host-header", Playbook: "proxy-tunnel",
			Title: "Privoxy refuses the CONNECTs whose Host names it and tunnels the same CONNECT with the target's Host",
			Story: "The Privoxy of tunnel.forbidden.host-header, asked six times for the same tunnel: " +
				"every other CONNECT carries Host: the proxy's own host:port and gets 403 Request " +
				"blocked by Privoxy, the ones in between name the target in Host and get 200. Only " +
				"the Host header tells the refused CONNECTs from the accepted ones.",
			Programs: []Program{progPrivoxy, progOpenSSL}, NeedsRoot: true,
			Up:      upPrivoxy,
			Traffic: mixedTraffic(mixedPlan{connects: 6, proxyHostEvery: 2}),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectContains([]string{"client.txt"}, "403 Request blocked by Privoxy", "answered 200"),
					rec.expectBytes("lo.pcap", "Host: 127.0.0.1:", "403 Request blocked by Privoxy", "200 Connection established"),
				)
			},
		},
		{
			Name: "tls.handshake-failure.version.mixed", Cause: "tls.handshake-failure", Playbook: "tls-handshake",
			Title: "a TLS 1.3-only server: the TLS 1.2 handshakes get protocol_version, the TLS 1.3 ones beside them complete",
			Story: "The openssl s_server of tls.handshake-failure.version (TLS 1.3 only). Six handshakes " +
				"one after the other, every other one offering at most TLS 1.2: those get a fatal " +
				"protocol_version alert, the TLS 1.3 ones complete with the same server. The version " +
				"offered is all that tells them apart.",
			Programs: []Program{progOpenSSL}, NeedsRoot: true,
			Up:      upTLSVersion,
			Traffic: mixedTraffic(mixedPlan{tlsHandshakes: 6, tls12Every: 2}),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectContains([]string{"client.txt"}, "protocol version not supported", "TLS handshake completed"),
					rec.expectPackets("lo.pcap", "tls.alert_message.desc == 70", 3),
					rec.expectPackets("lo.pcap", "tls.handshake.type == 2", 3),
				)
			},
		},
		{
			Name: "incident.three-hops", Cause: "tunnel.forbidden.host-header", Playbook: "proxy-tunnel",
			Title: "three faults on three hops at once: Privoxy refuses by Host, a server refuses TLS 1.2, a port is closed",
			Story: "One gateway, three hops failing at the same time for three reasons. Four CONNECTs to " +
				"Privoxy name the proxy in Host and get 403; three handshakes offering TLS 1.2 to a TLS " +
				"1.3-only openssl s_server get protocol_version; two connects to a port nothing listens " +
				"on are refused. The hop with the most failures, the proxy's, is the incident's lead.",
			Programs: []Program{progPrivoxy, progOpenSSL}, NeedsRoot: true,
			Up:      upThreeHops,
			Traffic: mixedTraffic(mixedPlan{connects: 4, proxyHostEvery: 1, tlsHandshakes: 3, tls12Every: 1, refused: 2}),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectContains([]string{"client.txt"}, "403 Request blocked by Privoxy", "3 × TLS handshake failed", "2 × TCP connect refused"),
					rec.expectPackets("lo.pcap", "tls.alert_message.desc == 70", 3),
					rec.expectPackets("lo.pcap", "tcp.flags.reset == 1", 2),
				)
			},
		},
		revScenario(Scenario{
			Name: "backend.down.two-backends", Cause: "backend.down",
			Title: "Apache httpd routes /api/ to a port where nothing listens and the rest to a backend that answers",
			Story: "Apache httpd's mod_proxy_http has two routes: /api/ goes to port " + fmt.Sprint(deadBackendPort) +
				" on 127.0.0.1, where nothing listens, and every other path to the live backend on port 9000. " +
				"Twenty-four requests a run, one in four under /api/: those are refused (AH00957, 503), the " +
				"/shop/ requests around them get 200 from the live backend. The error log names only the dead " +
				"backend; the access log names none.",
			Traffic: httpTraffic(twoBackendsPlan()),
			Control: controlGet("/shop/items/0"),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("apache-access.log", pathHas("/api/"), statusIs(503), "503"),
					rec.expectStatuses("apache-access.log", not(pathHas("/api/")), statusIs(200), "200"),
					rec.expectLines("apache-error.log", 12, fmt.Sprintf("AH00957: http: attempt to connect to 127.0.0.1:%d", deadBackendPort)),
					rec.expectPackets("lo.pcap", fmt.Sprintf("tcp.srcport == %d && tcp.flags.reset == 1", deadBackendPort), 6),
				)
			},
		}, revSpec{
			Apache: apacheConfig{Params: apacheConnectParams,
				// retry=0: the dead worker is tried on every request instead of being put aside
				// for a minute after its first failure.
				Extra: fmt.Sprintf(`ProxyPass "/api/" "http://127.0.0.1:%d/api/" connectiontimeout=2 timeout=3 retry=0`, deadBackendPort)},
			Backend: []string{"--mode", "ok"},
			Notes:   []string{fmt.Sprintf("Nothing listens on port %d: the requests under /api/ get 503, the others 200.", deadBackendPort)},
		}),
		{
			Name: "healthy.tunnel-and-tls", Cause: "unknown", Playbook: "proxy-tunnel",
			Title: "healthy traffic only: CONNECTs answered 200, TLS handshakes that complete",
			Story: "Nothing is broken. The Privoxy and TLS server of tunnel.forbidden.host-header, used the " +
				"right way: three CONNECTs naming the target in Host are tunnelled, three TLS " +
				"handshakes with the backend complete. A diagnosis must find no failure here.",
			Programs: []Program{progPrivoxy, progOpenSSL}, NeedsRoot: true,
			Up:      upPrivoxy,
			Traffic: mixedTraffic(mixedPlan{connects: 3, tlsHandshakes: 3, tlsToConnectTarget: true}),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectContains([]string{"client.txt"}, "answered 200", "TLS handshake completed"),
					rec.expectNoPackets("lo.pcap", "tls.alert_message || http.response.code >= 400"),
				)
			},
		},
	}
}

// upThreeHops starts the Privoxy of tunnel.forbidden.host-header, a TLS 1.3-only server, and
// picks a port nothing listens on. Targets.Ports holds, in order, the TLS server's, the closed
// port, the proxy's and the tunnel backend's.
func upThreeHops(ctx context.Context, l *Lab) (Targets, error) {
	t, err := upPrivoxy(ctx, l)
	if err != nil {
		return Targets{}, err
	}
	tp, err := FreePort()
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "tls13", "", loopbacks(tp), "-tls1_3"); err != nil {
		return Targets{}, err
	}
	rp, err := FreePort()
	if err != nil {
		return Targets{}, err
	}
	backend, err := authority(t.Target)
	if err != nil {
		return Targets{}, err
	}
	return Targets{
		Target:      fmt.Sprintf("https://%s/", hostPort("127.0.0.1", tp)),
		Proxy:       t.Proxy,
		ConnectHost: backend,
		HostHeader:  t.HostHeader,
		Ports:       append([]int{tp, rp}, t.Ports[1], t.Ports[0]),
		Logs:        append(t.Logs, l.LogPath("tls13.out")),
		Notes: []string{"Privoxy blocks a CONNECT whose Host names it; the TLS server at " + t.Target +
			" speaks TLS 1.3 only; nothing listens on port " + fmt.Sprint(rp) + "."},
	}, nil
}

// mixedPlan is traffic of several kinds, run one attempt after another 100 ms apart: CONNECTs
// to Targets.Proxy for Targets.ConnectHost (or Target's authority), TLS handshakes with
// Target, and TCP connects to the closed port of upThreeHops (Ports[1]).
type mixedPlan struct {
	connects int
	// proxyHostEvery sends Host naming the proxy on every n-th CONNECT (1: all; 0: none).
	proxyHostEvery int
	tlsHandshakes  int
	// tls12Every caps every n-th handshake at TLS 1.2 (1: all; 0: none).
	tls12Every int
	// tlsToConnectTarget sends the handshakes to the CONNECT target instead of Target.
	tlsToConnectTarget bool
	refused            int
}

// mixedGap is the time between two attempts: enough to keep them apart in the capture.
const mixedGap = 100 * time.Millisecond

func mixedTraffic(p mixedPlan) func(context.Context, *Lab, bool) (string, error) {
	return func(ctx context.Context, l *Lab, v6 bool) (string, error) {
		t := l.Targets
		if v6 {
			t.Target, t.Proxy = t.Target6, t.Proxy6
		}
		var tr transcript
		pause := func() error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(mixedGap):
				return nil
			}
		}
		target, err := authority(t.Target)
		if err != nil {
			return "", err
		}
		ca := t.ConnectHost
		if ca == "" {
			ca = target
		}
		if p.connects > 0 && t.Proxy != "" {
			pa, err := authority(t.Proxy)
			if err != nil {
				return "", err
			}
			for i := range p.connects {
				host := ""
				if p.proxyHostEvery > 0 && i%p.proxyHostEvery == 0 {
					host = pa
				}
				a := connectAttempt{Netns: t.Netns, Proxy: pa, Authority: ca, Host: host}
				text, status := a.do(ctx)
				outcome := "no answer from the proxy"
				if status != 0 {
					outcome = fmt.Sprintf("CONNECT %s answered %d", ca, status)
				}
				tr.add("CONNECT "+ca+" via "+pa, text, outcome)
				if err := pause(); err != nil {
					return "", err
				}
			}
		}
		tlsAddr := target
		if p.tlsToConnectTarget {
			tlsAddr = ca
		}
		for i := range p.tlsHandshakes {
			var maxV uint16
			if p.tls12Every > 0 && i%p.tls12Every == 0 {
				maxV = tls.VersionTLS12
			}
			a := tlsAttempt{Netns: t.Netns, Addr: tlsAddr, ServerName: "backend.lab.test", MaxVersion: maxV}
			text, ok := a.do(ctx)
			tr.add("TLS to "+tlsAddr, text, tlsOutcome(text, ok))
			if err := pause(); err != nil {
				return "", err
			}
		}
		if p.refused > 0 {
			if len(t.Ports) < 2 {
				return "", fmt.Errorf("lab: no closed port to connect to")
			}
			addr := hostPort("127.0.0.1", t.Ports[1])
			for range p.refused {
				a := tlsAttempt{Netns: t.Netns, Addr: addr, ServerName: "backend.lab.test"}
				text, ok := a.do(ctx)
				tr.add("TLS to "+addr, text, tlsOutcome(text, ok))
				if err := pause(); err != nil {
					return "", err
				}
			}
		}
		return tr.String(), nil
	}
}

// deadBackendPort is where backend.down.two-backends routes /api/: nothing listens there.
const deadBackendPort = 9001

// twoBackendsPlan sends 24 requests 150 ms apart, every fourth under /api/ (the dead route).
func twoBackendsPlan() []httpRequest {
	return every(24, 0, 150*time.Millisecond, "GET", 0, func(i int) string {
		if i%4 == 3 {
			return fmt.Sprintf("/api/orders/%d", i/4+1)
		}
		return fmt.Sprintf("/shop/items/%d", i+1)
	})
}
