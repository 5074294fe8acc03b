package lab

import "context"

// tinyproxyScenarios are tinyproxy variants of the tunnel causes.
func tinyproxyScenarios() []Scenario {
	return []Scenario{
		{
			Name: "tunnel.forbidden.acl.tinyproxy", Cause: "tunnel.forbidden.acl", Playbook: "proxy-tunnel",
			Title: "tinyproxy allows CONNECT to port 443 only (ConnectPort); the backend listens elsewhere",
			Story: "tinyproxy runs with `ConnectPort 443`. The backend (openssl s_server) answers fine " +
				"directly on its own port, but every CONNECT to it gets 403 Access violation and " +
				"tinyproxy logs that the port is not allowed.",
			Programs: []Program{progTiny, progOpenSSL}, NeedsRoot: true,
			Up:      upTinyproxyACL,
			Traffic: connectTraffic(connectPlan{N: 6}),
			Control: controlTLS,
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("answered 403"),
					rec.expectContains([]string{"client.txt"}, "403 Access violation"),
					rec.expectBytes("lo.pcap", "403 Access violation"),
					rec.expectBytes("lo-v6.pcap", "403 Access violation"),
				)
			},
		},
	}
}

func upTinyproxyACL(ctx context.Context, l *Lab) (Targets, error) {
	bp, pp, err := ports2()
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", "", loopbacks(bp)); err != nil {
		return Targets{}, err
	}
	if err := l.startTinyproxy(ctx, tinyproxyConfig{Port: pp, Extra: "ConnectPort 443\n"}); err != nil {
		return Targets{}, err
	}
	t := squidTargets(l, bp, pp, "tinyproxy refuses CONNECT to any port but 443 with 403 (ConnectPort 443).")
	t.Logs = []string{l.LogPath("tinyproxy.log"), l.LogPath("tinyproxy-v6.log")}
	return t, nil
}
