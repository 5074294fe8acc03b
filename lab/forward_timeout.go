package lab

import (
	"context"
	"fmt"
)

// squidNetnsPort is squid's port inside the timeout scenario's namespace.
const squidNetnsPort = 3128

// timeoutScenarios are tunnel.timeout: squid's connect to a black-holed backend times out.
func timeoutScenarios() []Scenario {
	return []Scenario{
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
