package lab

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"syscall"
	"time"
)

// backendPort is the TLS backend's port inside the lab's own namespaces.
const backendPort = 8443

// tlsScenarios are the tls-handshake playbook's causes: a path that drops the ClientHello, a
// server that never answers it, a server that answers with an alert, a failed TCP connect.
func tlsScenarios() []Scenario {
	return append([]Scenario{
		{
			Name: "tls.handshake-timeout.firewall", Cause: "tls.handshake-timeout.firewall", Playbook: "tls-handshake",
			Title: "a router's firewall passes the TCP handshake but drops segments with payload: the ClientHello",
			Story: "Client, router and server live in three network namespaces. nftables in the router's " +
				"forward chain drops TCP segments to port 8443 that are longer than a bare header, so the " +
				"SYN, SYN-ACK and ACK pass and the ClientHello never arrives: the client's kernel " +
				"retransmits it with exponential backoff (about 0.2, 0.4, 0.8, 1.6 s), it is never " +
				"acknowledged, no ServerHello comes, and the client's handshake times out.",
			Programs: []Program{progOpenSSL, progNFT, progIP}, NeedsRoot: true,
			Up:      upTLSFirewall,
			Traffic: tlsTraffic(tlsPlan{N: 3, Timeout: 5 * time.Second}),
			Control: func(ctx context.Context, l *Lab) error {
				// From inside the server's namespace the same server completes a handshake.
				return tlsControl(ctx, l.st.Namespaces[2], hostPort(v4(2, 2), backendPort))
			},
			Verify: func(rec *Recording) error {
				syn := fmt.Sprintf("tcp.srcport == %d && tcp.flags.syn == 1 && tcp.flags.ack == 1", backendPort)
				retx := fmt.Sprintf("tcp.dstport == %d && tcp.len > 0 && tcp.analysis.retransmission", backendPort)
				return firstErr(
					rec.expectOutcome("TLS handshake timed out"),
					rec.expectPackets("any.pcapng", syn, 3),
					rec.expectPackets("any.pcapng", "tls.handshake.type == 1", 3),
					rec.expectPackets("any.pcapng", retx, 6),
					rec.expectPackets("any-v6.pcapng", retx, 6),
					rec.expectNoPackets("any.pcapng", "tls.handshake.type == 2"),
				)
			},
		},
		{
			Name: "tls.handshake-timeout.server-stall", Cause: "tls.handshake-timeout.server-stall", Playbook: "tls-handshake",
			Title: "the TLS server is stopped (SIGSTOP): its kernel accepts and ACKs, nothing answers the ClientHello",
			Story: "openssl s_server listens on loopback and is then stopped with SIGSTOP. The kernel " +
				"still completes TCP handshakes into the listen queue and acknowledges the ClientHello, " +
				"but no process reads it: no retransmission, no ServerHello, and the client's handshake " +
				"times out.",
			Programs: []Program{progOpenSSL}, NeedsRoot: true,
			Up:      upTLSStall,
			Traffic: tlsTraffic(tlsPlan{N: 3, Timeout: 3 * time.Second}),
			Verify: func(rec *Recording) error {
				p, err := rec.serverPort("lo.pcap")
				if err != nil {
					return err
				}
				ack := fmt.Sprintf("tcp.srcport == %s && tcp.len == 0 && tcp.flags.syn == 0 && tcp.flags.fin == 0 && tcp.ack > 1", p)
				return firstErr(
					rec.expectOutcome("TLS handshake timed out"),
					rec.expectPackets("lo.pcap", "tls.handshake.type == 1", 3),
					rec.expectPackets("lo.pcap", ack, 3),
					rec.expectNoPackets("lo.pcap", "tcp.analysis.retransmission"),
					rec.expectNoPackets("lo.pcap", "tls.handshake.type == 2"),
					rec.expectPackets("lo-v6.pcap", ack, 3),
				)
			},
		},
		{
			Name: "tls.handshake-failure", Cause: "tls.handshake-failure", Playbook: "tls-handshake",
			Title: "the TLS server offers only finite-field DH groups: no common key exchange, handshake_failure alert",
			Story: "openssl s_server runs with -groups ffdhe2048: it will only agree a key over a " +
				"finite-field Diffie-Hellman group. The client (like most gateways) offers elliptic-curve " +
				"groups only, so the server answers the ClientHello with a fatal handshake_failure alert " +
				"and closes, over TLS 1.3 and 1.2 alike. An OpenSSL client offering ffdhe2048 completes " +
				"the handshake with the same server.",
			Programs: []Program{progOpenSSL}, NeedsRoot: true,
			Up:      upTLSFailure,
			Traffic: tlsTraffic(tlsPlan{N: 6}),
			Control: func(ctx context.Context, l *Lab) error {
				a, err := authority(l.Targets.Target)
				if err != nil {
					return err
				}
				out, err := output(ctx, "openssl", "s_client", "-connect", a, "-groups", "ffdhe2048", "-brief")
				if err != nil || !strings.Contains(out, "CONNECTION ESTABLISHED") {
					return fmt.Errorf("an OpenSSL client offering ffdhe2048 did not connect: %v: %s", err, out)
				}
				return nil
			},
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("TLS handshake failed"),
					rec.expectContains([]string{"client.txt"}, "handshake failure"),
					rec.expectPackets("lo.pcap", "tls.alert_message.desc == 40", 6),
					rec.expectPackets("lo-v6.pcap", "tls.alert_message.desc == 40", 6),
					rec.expectNoPackets("lo.pcap", "tls.handshake.type == 2"),
				)
			},
		},
		{
			Name: "tls.handshake-failure.version", Cause: "tls.handshake-failure", Playbook: "tls-handshake",
			Title: "the TLS server speaks TLS 1.3 only; a client limited to TLS 1.2 gets a protocol_version alert",
			Story: "openssl s_server runs with -tls1_3. The gateway offers at most TLS 1.2, so the server " +
				"answers its ClientHello with a fatal protocol_version alert and closes; a TLS 1.3 client " +
				"completes the handshake with the same server.",
			Programs: []Program{progOpenSSL}, NeedsRoot: true,
			Up:      upTLSVersion,
			Traffic: tlsTraffic(tlsPlan{N: 6, MaxVersion: tls.VersionTLS12}),
			Control: controlTLS,
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("TLS handshake failed"),
					rec.expectContains([]string{"client.txt"}, "protocol version not supported"),
					rec.expectPackets("lo.pcap", "tls.alert_message.desc == 70", 6),
					rec.expectPackets("lo-v6.pcap", "tls.alert_message.desc == 70", 6),
				)
			},
		},
		{
			Name: "backend.tcp-unreachable", Cause: "backend.tcp-unreachable", Playbook: "tls-handshake",
			Title: "nothing listens on the backend's TLS port: every TCP connect is refused",
			Story: "The gateway connects straight to the backend's TLS port on loopback; nothing listens " +
				"there, so each SYN is answered with RST and no TLS handshake ever starts.",
			Programs: []Program{progIP}, NeedsRoot: true,
			Up:      upTCPRefused,
			Traffic: tlsTraffic(tlsPlan{N: 6}),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("TCP connect refused"),
					rec.expectPackets("lo.pcap", "tcp.flags.reset == 1", 6),
					rec.expectPackets("lo-v6.pcap", "tcp.flags.reset == 1", 6),
					rec.expectNoPackets("lo.pcap", "tls"),
				)
			},
		},
		{
			Name: "backend.tcp-unreachable.syn-drop", Cause: "backend.tcp-unreachable", Playbook: "tls-handshake",
			Title: "a firewall in front of the backend drops SYNs: the TCP connect times out",
			Story: "Client and backend live in two network namespaces; nftables in the backend's input " +
				"chain drops SYNs to port 8443. The client's kernel retransmits the SYN (1 s, then 2 s " +
				"later) and the connect times out; no TLS handshake ever starts.",
			Programs: []Program{progOpenSSL, progNFT, progIP}, NeedsRoot: true,
			Up:      upTCPSynDrop,
			Traffic: tlsTraffic(tlsPlan{N: 3, Timeout: 4 * time.Second}),
			Control: func(ctx context.Context, l *Lab) error {
				return tlsControl(ctx, l.st.Namespaces[1], hostPort(v4(1, 2), backendPort))
			},
			Verify: func(rec *Recording) error {
				synRetx := fmt.Sprintf("tcp.dstport == %d && tcp.flags.syn == 1 && tcp.analysis.retransmission", backendPort)
				return firstErr(
					rec.expectOutcome("TCP connect timed out"),
					rec.expectPackets("any.pcapng", synRetx, 3),
					rec.expectPackets("any-v6.pcapng", synRetx, 3),
					rec.expectNoPackets("any.pcapng", "tcp.flags.syn == 1 && tcp.flags.ack == 1"),
				)
			},
		},
	}, tlsNginxScenarios()...)
}

// tlsControl checks that a handshake to addr completes from inside netns.
func tlsControl(ctx context.Context, netns, addr string) error {
	if text, ok := (tlsAttempt{Netns: netns, Addr: addr}).do(ctx); !ok {
		return fmt.Errorf("the backend does not answer even next to it: %s", text)
	}
	return nil
}

// nsTargets are the targets of a scenario whose client runs in a namespace, on link N's host 2.
func nsTargets(netns string, link int, note string) Targets {
	return Targets{
		Target:  fmt.Sprintf("https://%s/", hostPort(v4(link, 2), backendPort)),
		Target6: fmt.Sprintf("https://%s/", hostPort(v6(link, 2), backendPort)),
		Netns:   netns,
		Capture: []string{"any", "eth0"},
		Notes:   []string{note},
	}
}

func upTLSFirewall(ctx context.Context, l *Lab) (Targets, error) {
	cli, rtr, srv, err := l.routedPath(ctx)
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", srv, []string{hostPort(v4(2, 2), backendPort), hostPort(v6(2, 2), backendPort)}); err != nil {
		return Targets{}, err
	}
	// A bare TCP header is at most 60 bytes over IPv4 and 80 over IPv6 (with options); any
	// segment carrying a ClientHello is longer.
	err = l.NFT(ctx, rtr, "router", fmt.Sprintf(`table inet lab {
	chain forward {
		type filter hook forward priority 0; policy accept;
		tcp dport %d meta length > 100 counter drop comment "segments with payload to the backend"
	}
}
`, backendPort))
	if err != nil {
		return Targets{}, err
	}
	return nsTargets(cli, 2, "Run the client inside namespace "+cli+"; the router "+rtr+" drops the ClientHello (nft list ruleset there)."), nil
}

func upTLSStall(ctx context.Context, l *Lab) (Targets, error) {
	port, err := FreePort()
	if err != nil {
		return Targets{}, err
	}
	ps, err := l.startTLSServer(ctx, "backend", "", loopbacks(port))
	if err != nil {
		return Targets{}, err
	}
	for _, p := range ps {
		if err := l.Signal(p, syscall.SIGSTOP); err != nil {
			return Targets{}, err
		}
	}
	return loopTargets(port, "openssl s_server is stopped (SIGSTOP): connects succeed, the ClientHello is ACKed and never answered."), nil
}

func upTLSFailure(ctx context.Context, l *Lab) (Targets, error) {
	port, err := FreePort()
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", "", loopbacks(port), "-groups", "ffdhe2048"); err != nil {
		return Targets{}, err
	}
	t := loopTargets(port, "openssl s_server offers only the ffdhe2048 group: elliptic-curve clients get a handshake_failure alert.")
	t.Logs = []string{l.LogPath("backend.out")}
	return t, nil
}

func upTLSVersion(ctx context.Context, l *Lab) (Targets, error) {
	port, err := FreePort()
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", "", loopbacks(port), "-tls1_3"); err != nil {
		return Targets{}, err
	}
	t := loopTargets(port, "openssl s_server accepts TLS 1.3 only: a client offering at most TLS 1.2 gets a protocol_version alert.")
	t.TLSMax = "1.2"
	t.Logs = []string{l.LogPath("backend.out")}
	return t, nil
}

func upTCPRefused(ctx context.Context, l *Lab) (Targets, error) {
	port, err := FreePort()
	if err != nil {
		return Targets{}, err
	}
	return loopTargets(port, "Nothing listens on the target's port: connects are refused."), nil
}

func upTCPSynDrop(ctx context.Context, l *Lab) (Targets, error) {
	cli, srv, err := l.directPath(ctx, "cli", "srv")
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", srv, []string{hostPort(v4(1, 2), backendPort), hostPort(v6(1, 2), backendPort)}); err != nil {
		return Targets{}, err
	}
	err = l.NFT(ctx, srv, "backend-firewall", fmt.Sprintf(`table inet lab {
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "eth0" tcp dport %d tcp flags syn counter drop comment "SYNs to the backend"
	}
}
`, backendPort))
	if err != nil {
		return Targets{}, err
	}
	return nsTargets(cli, 1, "Run the client inside namespace "+cli+"; the backend's namespace "+srv+" drops SYNs to its port."), nil
}

// loopTargets are the targets of a TLS scenario on the host's loopback.
func loopTargets(port int, note string) Targets {
	return Targets{
		Target:  fmt.Sprintf("https://%s/", hostPort("127.0.0.1", port)),
		Target6: fmt.Sprintf("https://%s/", hostPort("::1", port)),
		Ports:   []int{port},
		Notes:   []string{note},
	}
}
