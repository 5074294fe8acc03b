package lab

import (
	"context"
	"fmt"
	"time"
)

// squidNetnsPort is squid's port inside the timeout scenario's namespace.
const squidNetnsPort = 3128

// timeoutScenarios are the black holes of the proxy-tunnel playbook: squid's connect to the
// backend times out (tunnel.timeout), or the gateway's connect to squid does
// (tunnel.proxy-unreachable).
func timeoutScenarios() []Scenario {
	return []Scenario{
		{
			Name: "tunnel.proxy-unreachable.syn-drop", Cause: "tunnel.proxy-unreachable", Playbook: "proxy-tunnel",
			Title: "a firewall in front of the proxy drops SYNs to its port: the gateway cannot reach squid",
			Story: "squid and the backend run in one network namespace, the gateway in another. nftables " +
				"in front of squid drops SYNs to port 3128 arriving from the gateway's side, so the " +
				"gateway's connect to the proxy retransmits its SYN and times out; no CONNECT is sent. " +
				"The backend itself answers the gateway directly, and squid answers CONNECT from its own " +
				"host.",
			Programs: []Program{progSquid, progOpenSSL, progNFT, progIP}, NeedsRoot: true,
			Up:      upProxyBlackHole,
			Traffic: connectTraffic(connectPlan{N: 3, Parallel: true, Timeout: 3500 * time.Millisecond}),
			Control: func(ctx context.Context, l *Lab) error {
				// From the proxy's own namespace the tunnel is made.
				a := connectAttempt{Netns: l.st.Namespaces[1], Proxy: hostPort(v4(1, 2), squidNetnsPort),
					Authority: hostPort(v4(1, 2), backendPort)}
				if text, status := a.do(ctx); status != 200 {
					return fmt.Errorf("squid does not make the tunnel even next to it: %s", text)
				}
				return nil
			},
			Verify: func(rec *Recording) error {
				synRetx := fmt.Sprintf("tcp.dstport == %d && tcp.flags.syn == 1 && tcp.analysis.retransmission", squidNetnsPort)
				return firstErr(
					rec.expectOutcome("no answer from the proxy"),
					rec.expectContains([]string{"client.txt"}, "i/o timeout"),
					rec.expectPackets("any.pcapng", synRetx, 3),
					rec.expectPackets("any-v6.pcapng", synRetx, 3),
					rec.expectNoPackets("any.pcapng", fmt.Sprintf("tcp.srcport == %d", squidNetnsPort)),
				)
			},
		},
		{
			Name: "tunnel.timeout", Cause: "tunnel.timeout", Playbook: "proxy-tunnel",
			Title: "squid's connect to the backend times out: a firewall silently drops its SYNs",
			Story: "squid and the client share one network namespace; the backend lives in another, whose " +
				"nftables input chain drops every SYN to its port. squid's connect retransmits the SYN " +
				"until connect_timeout (3 s here) and squid answers 503 with X-Squid-Error: " +
				"ERR_CONNECT_FAIL 110 (ETIMEDOUT) after that delay.",
			Programs: []Program{progSquid, progOpenSSL, progNFT, progIP}, NeedsRoot: true,
			Up:      upSquidTimeout,
			Traffic: connectTraffic(connectPlan{N: 4, Parallel: true}),
			Control: func(ctx context.Context, l *Lab) error {
				return tlsControl(ctx, l.st.Namespaces[1], hostPort(v4(1, 2), backendPort))
			},
			Verify: func(rec *Recording) error {
				synRetx := fmt.Sprintf("tcp.dstport == %d && tcp.flags.syn == 1 && tcp.analysis.retransmission", backendPort)
				return firstErr(
					rec.expectOutcome("answered 503"),
					rec.expectContains([]string{"client.txt"}, "X-Squid-Error: ERR_CONNECT_FAIL 110"),
					rec.expectContains([]string{"access.log"}, "/503 "),
					rec.expectPackets("any.pcapng", synRetx, 4),
					rec.expectPackets("any-v6.pcapng", synRetx, 4),
					rec.expectNoPackets("any.pcapng", fmt.Sprintf("tcp.srcport == %d", backendPort)),
				)
			},
		},
		{
			Name: "tunnel.proxy-unreachable.router", Cause: "tunnel.proxy-unreachable", Playbook: "proxy-tunnel",
			Title: "a router black-holes the proxy's port: squid runs, the gateway's SYNs to it go unanswered",
			Story: "Gateway, router and proxy host live in three network namespaces. squid runs on the " +
				"proxy host, port 3128, next to the backend, and tunnels a CONNECT made from its own host. " +
				"nftables in the router's forward chain drops every TCP segment to port 3128, so the " +
				"gateway's SYNs to the proxy are retransmitted and never answered; no CONNECT is sent and " +
				"squid logs nothing. The backend's own port passes the router.",
			Programs: []Program{progSquid, progOpenSSL, progNFT, progIP}, NeedsRoot: true,
			Up:      upProxyRouterBlackHole,
			Traffic: connectTraffic(connectPlan{N: 3, Parallel: true, Timeout: 3500 * time.Millisecond}),
			Control: func(ctx context.Context, l *Lab) error {
				// squid makes the tunnel from its own host; the backend answers the gateway directly.
				a := connectAttempt{Netns: l.st.Namespaces[2], Proxy: hostPort(v4(2, 2), squidNetnsPort),
					Authority: hostPort(v4(2, 2), backendPort)}
				if text, status := a.do(ctx); status != 200 {
					return fmt.Errorf("squid does not make the tunnel even next to it: %s", text)
				}
				return controlTLS(ctx, l)
			},
			Verify: func(rec *Recording) error {
				synRetx := fmt.Sprintf("tcp.dstport == %d && tcp.flags.syn == 1 && tcp.analysis.retransmission", squidNetnsPort)
				return firstErr(
					rec.expectOutcome("no answer from the proxy"),
					rec.expectContains([]string{"client.txt"}, "i/o timeout"),
					rec.expectPackets("eth0.pcap", synRetx, 3),
					rec.expectPackets("eth0-v6.pcap", synRetx, 3),
					rec.expectNoPackets("eth0.pcap", fmt.Sprintf("tcp.srcport == %d", squidNetnsPort)),
					rec.expectNoPackets("eth0-v6.pcap", fmt.Sprintf("tcp.srcport == %d", squidNetnsPort)),
				)
			},
		},
	}
}

func upProxyBlackHole(ctx context.Context, l *Lab) (Targets, error) {
	cli, px, err := l.directPath(ctx, "cli", "px")
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", px, []string{hostPort(v4(1, 2), backendPort), hostPort(v6(1, 2), backendPort)}); err != nil {
		return Targets{}, err
	}
	_, err = l.startSquid(ctx, squidConfig{
		Netns:  px,
		Listen: []string{hostPort(v4(1, 2), squidNetnsPort), hostPort(v6(1, 2), squidNetnsPort)},
		Access: "http_access allow all\n",
	})
	if err != nil {
		return Targets{}, err
	}
	err = l.NFT(ctx, px, "proxy-firewall", fmt.Sprintf(`table inet lab {
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "eth0" tcp dport %d tcp flags syn counter drop comment "black hole in front of the proxy"
	}
}
`, squidNetnsPort))
	if err != nil {
		return Targets{}, err
	}
	t := nsTargets(cli, 1, "Run the client inside namespace "+cli+"; the proxy's namespace "+px+" drops SYNs to port 3128 from outside.")
	t.Proxy = "http://" + hostPort(v4(1, 2), squidNetnsPort)
	t.Proxy6 = "http://" + hostPort(v6(1, 2), squidNetnsPort)
	t.Logs = []string{l.LogPath("access.log"), l.LogPath("cache.log")}
	return t, nil
}

func upSquidTimeout(ctx context.Context, l *Lab) (Targets, error) {
	gw, be, err := l.directPath(ctx, "gw", "be")
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", be, []string{hostPort(v4(1, 2), backendPort), hostPort(v6(1, 2), backendPort)}); err != nil {
		return Targets{}, err
	}
	err = l.NFT(ctx, be, "backend-firewall", fmt.Sprintf(`table inet lab {
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "eth0" tcp dport %d tcp flags syn counter drop comment "black hole in front of the backend"
	}
}
`, backendPort))
	if err != nil {
		return Targets{}, err
	}
	_, err = l.startSquid(ctx, squidConfig{
		Netns:  gw,
		Listen: []string{hostPort("127.0.0.1", squidNetnsPort), hostPort("::1", squidNetnsPort)},
		Extra:  "connect_timeout 3 seconds\nconnect_retries 0\nforward_max_tries 1\n",
		Access: "http_access allow all\n",
	})
	if err != nil {
		return Targets{}, err
	}
	t := nsTargets(gw, 1, "Run the client inside namespace "+gw+" (squid listens there on loopback); the backend's namespace "+be+" drops SYNs.")
	t.Proxy = "http://" + hostPort("127.0.0.1", squidNetnsPort)
	t.Proxy6 = "http://" + hostPort("::1", squidNetnsPort)
	t.Capture = []string{"lo", "any"}
	t.Logs = []string{l.LogPath("access.log"), l.LogPath("cache.log")}
	return t, nil
}

func upProxyRouterBlackHole(ctx context.Context, l *Lab) (Targets, error) {
	cli, rtr, srv, err := l.routedPath(ctx)
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", srv, []string{hostPort(v4(2, 2), backendPort), hostPort(v6(2, 2), backendPort)}); err != nil {
		return Targets{}, err
	}
	_, err = l.startSquid(ctx, squidConfig{
		Netns:  srv,
		Listen: []string{hostPort(v4(2, 2), squidNetnsPort), hostPort(v6(2, 2), squidNetnsPort)},
		Access: "http_access allow all\n",
	})
	if err != nil {
		return Targets{}, err
	}
	err = l.NFT(ctx, rtr, "router", fmt.Sprintf(`table inet lab {
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "cli0" tcp dport %d counter drop comment "black hole on the proxy's port"
	}
}
`, squidNetnsPort))
	if err != nil {
		return Targets{}, err
	}
	t := nsTargets(cli, 2, "Run the client inside namespace "+cli+"; the router "+rtr+" drops everything to port 3128, where squid runs in "+srv+".")
	t.Proxy = "http://" + hostPort(v4(2, 2), squidNetnsPort)
	t.Proxy6 = "http://" + hostPort(v6(2, 2), squidNetnsPort)
	t.Logs = []string{l.LogPath("access.log"), l.LogPath("cache.log")}
	return t, nil
}
