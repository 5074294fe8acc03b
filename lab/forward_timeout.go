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
