package lab

import (
	"context"
	"fmt"
	"path/filepath"
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
		{
			Name: "tunnel.forbidden.host-header.netns", Cause: "tunnel.forbidden.host-header", Playbook: "proxy-tunnel",
			Title: "Privoxy in its own namespace tags CONNECTs whose Host names it (proxy.lab.test) and blocks the tag",
			Story: "Privoxy listens on its default port 8118 in a namespace of its own, next to the " +
				"backend; the gateway sits in another and knows the proxy as proxy.lab.test:8118. A " +
				"client-header tagger tags every request whose Host header names Privoxy, by that name " +
				"or by its address, and an action section keyed on the tag blocks it. The gateway sends " +
				"CONNECT to the backend's address with Host: proxy.lab.test:8118, as it does unless told " +
				"to use the target's, and gets 403 Request blocked by Privoxy; the same CONNECT with Host " +
				"naming the backend is tunnelled.",
			Programs: []Program{progPrivoxy, progOpenSSL, progIP}, NeedsRoot: true,
			Up:      upPrivoxyNetns,
			Traffic: connectTraffic(connectPlan{N: 6, HostFromTargets: true}),
			Control: controlConnect,
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("answered 403"),
					rec.expectContains([]string{"client.txt"}, "403 Request blocked by Privoxy", "Host: "+privoxyName),
					rec.expectContains([]string{"privoxy.log"}, "Header: scan: Host: "+privoxyName, "Crunch: Blocked"),
					rec.expectBytes("eth0.pcap", "CONNECT 10.213.1.2:8443", "Host: "+privoxyName, "403 Request blocked by Privoxy"),
					rec.expectBytes("eth0-v6.pcap", "CONNECT [fd00:213:1::2]:8443", "Host: "+privoxyName, "403 Request blocked by Privoxy"),
				)
			},
		},
	}
}

// privoxyNetnsPort is Privoxy's own default port, where it listens inside its namespace.
const privoxyNetnsPort = 8118

// privoxyName is the proxy's host:port as the gateway of the Privoxy namespace scenario is
// configured with it: a name, where the operator's check may well use the address.
const privoxyName = "proxy.lab.test:8118"

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

func upPrivoxyNetns(ctx context.Context, l *Lab) (Targets, error) {
	cli, px, err := l.directPath(ctx, "cli", "px")
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", px, []string{hostPort(v4(1, 2), backendPort), hostPort(v6(1, 2), backendPort)}); err != nil {
		return Targets{}, err
	}
	// The tagger rewrites a copy of the Host header into a tag name when the header names this
	// proxy, by name or address; the second action section blocks whatever carries the tag.
	filter, err := l.Config("privoxy/gateway.filter", fmt.Sprintf(`CLIENT-HEADER-TAGGER: gateway-names-proxy Tag a request whose Host header names this proxy
s@^Host:\s*(proxy\.lab\.test|10\.213\.1\.2|\[fd00:213:1::2\]):%d\s*$@gateway-names-proxy@i
`, privoxyNetnsPort))
	if err != nil {
		return Targets{}, err
	}
	actions, err := l.Config("privoxy/gateway.action", `{+client-header-tagger{gateway-names-proxy}}
/

{+block{A CONNECT whose Host header names the proxy instead of the target.}}
TAG:^gateway-names-proxy$
`)
	if err != nil {
		return Targets{}, err
	}
	conf, err := l.Config("privoxy/config", fmt.Sprintf(`confdir %s
templdir /etc/privoxy/templates
logdir %s
actionsfile %s
filterfile %s
listen-address %s
listen-address %s
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
`, filepath.Dir(actions), l.LogPath(""), actions, filter,
		hostPort(v4(1, 2), privoxyNetnsPort), hostPort(v6(1, 2), privoxyNetnsPort)))
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.Spawn(ctx, Daemon{Name: "privoxy", Netns: px, Argv: []string{"privoxy", "--no-daemon", "--user", "privoxy", conf},
		Ready: hostPort(v4(1, 2), privoxyNetnsPort)}); err != nil {
		return Targets{}, err
	}
	t := nsTargets(cli, 1, "Run the client inside namespace "+cli+"; Privoxy in "+px+" blocks a CONNECT whose Host names it ("+privoxyName+" or its address), and tunnels one whose Host names the target.")
	t.Proxy = "http://" + hostPort(v4(1, 2), privoxyNetnsPort)
	t.Proxy6 = "http://" + hostPort(v6(1, 2), privoxyNetnsPort)
	t.HostHeader = privoxyName
	// With --no-daemon Privoxy logs to standard error, which Spawn keeps in privoxy.out.
	t.Logs = []string{l.LogPath("privoxy.out")}
	return t, nil
}
