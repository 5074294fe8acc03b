package lab

import (
	"context"
	"fmt"
	"strings"
)

// privoxyScenarios are tunnel.forbidden.host-header: squid rewrites a CONNECT's Host header to
// the target before its ACLs run (LAB-NOTES), so the proxy that refuses by Host is Privoxy,
// which sees the header as the client sent it.
func privoxyScenarios() []Scenario {
	return []Scenario{
		{
			Name: "tunnel.forbidden.host-header", Cause: "tunnel.forbidden.host-header", Playbook: "proxy-tunnel",
			Title: "Privoxy refuses a CONNECT whose Host header names the proxy instead of the target",
			Story: "Privoxy tags requests whose Host header names the proxy itself (a client-header " +
				"tagger) and blocks the tag. The gateway sends CONNECT to the right target but with " +
				"Host: the proxy's own host:port, so Privoxy answers 403 Request blocked by Privoxy; the " +
				"same CONNECT with Host naming the target is tunnelled (the fix: " +
				"use.proxy.host.header.with.target.uri).",
			Programs: []Program{progPrivoxy, progOpenSSL}, NeedsRoot: true,
			Up:      upPrivoxy,
			Traffic: connectTraffic(connectPlan{N: 6, HostIsProxy: true}),
			Control: controlConnect,
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("answered 403"),
					rec.expectContains([]string{"client.txt"}, "403 Request blocked by Privoxy"),
					rec.expectContains([]string{"privoxy.log"}, "Crunch: Blocked"),
					rec.expectBytes("lo.pcap", "Host: 127.0.0.1:", "403 Request blocked by Privoxy"),
					rec.expectBytes("lo-v6.pcap", "Host: [::1]:", "403 Request blocked by Privoxy"),
				)
			},
		},
	}
}

func upPrivoxy(ctx context.Context, l *Lab) (Targets, error) {
	bp, pp, err := ports2()
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", "", loopbacks(bp)); err != nil {
		return Targets{}, err
	}
	filter, err := l.Config("privoxy/lab.filter", fmt.Sprintf(`CLIENT-HEADER-TAGGER: host-names-proxy Tag requests whose Host header names this proxy
s@^Host:\s*(127\.0\.0\.1|\[::1\]|localhost):%d\s*$@host-names-proxy@i
`, pp))
	if err != nil {
		return Targets{}, err
	}
	actions, err := l.Config("privoxy/lab.action", `{+client-header-tagger{host-names-proxy}}
/

{+block{The CONNECT's Host header names the proxy, not the target.}}
TAG:^host-names-proxy$
`)
	if err != nil {
		return Targets{}, err
	}
	dir := actions[:strings.LastIndex(actions, "/")]
	conf, err := l.Config("privoxy/config", fmt.Sprintf(`confdir %s
templdir /etc/privoxy/templates
logdir %s
actionsfile %s
filterfile %s
listen-address 127.0.0.1:%d
listen-address [::1]:%d
toggle 1
enable-remote-toggle 0
enable-remote-http-toggle 0
enable-edit-actions 0
enforce-blocks 1
accept-intercepted-requests 0
debug 1
debug 8
debug 1024
debug 4096
debug 8192
`, dir, l.LogPath(""), actions, filter, pp, pp))
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.Spawn(ctx, Daemon{Name: "privoxy", Argv: []string{"privoxy", "--no-daemon", "--user", "privoxy", conf},
		Ready: hostPort("127.0.0.1", pp)}); err != nil {
		return Targets{}, err
	}
	t := squidTargets(l, bp, pp, "Privoxy blocks a CONNECT whose Host header names the proxy; with Host naming the target it tunnels.")
	t.HostHeader = hostPort("127.0.0.1", pp)
	// With --no-daemon Privoxy logs to standard error, which Spawn keeps in privoxy.out.
	t.Logs = []string{l.LogPath("privoxy.out")}
	return t, nil
}
