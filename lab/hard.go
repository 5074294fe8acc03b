package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// privoxyNetnsPort is Privoxy's own default port, where it listens inside its namespace.
const privoxyNetnsPort = 8118

// privoxyName is the proxy's host:port as the gateway of the Privoxy namespace scenario is
// configured with it: a name, where the operator's check may well use the address.
const privoxyName = "proxy.lab.test:8118"

// hardScenarios are variants of the proxy-tunnel and tls-handshake causes that a check has to
// work harder to tell apart: the proxy and the backend sit in namespaces of their own behind a
// router or a veth, the gateway's configuration (its Host header) is part of the failure, and
// the backend gives up on a silent client before the client does.
func hardScenarios() []Scenario {
	return []Scenario{
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
		{
			Name: "tls.handshake-timeout.firewall.nginx", Cause: "tls.handshake-timeout.firewall", Playbook: "tls-handshake",
			Title: "a router drops every segment with payload to nginx's TLS port; nginx gives up on the silent client and closes",
			Story: "Gateway, router and backend live in three network namespaces. The backend is nginx " +
				"serving TLS on port 8443 with a 3 s client_header_timeout. nftables in the router's " +
				"forward chain drops every TCP segment towards port 8443 that carries payload (the rule " +
				"compares the IP length with the TCP header's own length), so the TCP handshake passes " +
				"and the ClientHello is retransmitted with backoff and never acknowledged. nginx, which " +
				"never sees a byte, times the handshake out after 3 s and closes: the client gets a FIN " +
				"that still acknowledges nothing of its ClientHello, and its handshake ends in EOF " +
				"rather than a timeout.",
			Programs: []Program{progNginx, progOpenSSL, progNFT, progIP}, NeedsRoot: true,
			Up:      upTLSFirewallNginx,
			Traffic: tlsTraffic(tlsPlan{N: 3, Timeout: 6 * time.Second}),
			Control: func(ctx context.Context, l *Lab) error {
				// From inside the backend's namespace nginx completes a handshake.
				return tlsControl(ctx, l.st.Namespaces[2], hostPort(v4(2, 2), backendPort))
			},
			Verify: func(rec *Recording) error {
				synAck := fmt.Sprintf("tcp.srcport == %d && tcp.flags.syn == 1 && tcp.flags.ack == 1", backendPort)
				retx := fmt.Sprintf("tcp.dstport == %d && tcp.len > 0 && tcp.analysis.retransmission", backendPort)
				fin := fmt.Sprintf("tcp.srcport == %d && tcp.flags.fin == 1 && tcp.ack == 1", backendPort)
				return firstErr(
					rec.expectOutcome("TLS handshake failed"),
					rec.expectContains([]string{"client.txt"}, "EOF"),
					rec.expectPackets("eth0.pcap", synAck, 3),
					rec.expectPackets("eth0.pcap", retx, 6),
					rec.expectPackets("eth0-v6.pcap", retx, 6),
					rec.expectPackets("eth0.pcap", fin, 3),
					rec.expectNoPackets("eth0.pcap", "tls.handshake.type == 2"),
				)
			},
		},
	}
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
	t.Capture = []string{"eth0"}
	// With --no-daemon Privoxy logs to standard error, which Spawn keeps in privoxy.out.
	t.Logs = []string{l.LogPath("privoxy.out")}
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
	t.Capture = []string{"eth0"}
	t.Logs = []string{l.LogPath("access.log"), l.LogPath("cache.log")}
	return t, nil
}

// nginxHandshakeTimeout is how long the backend's nginx waits for a ClientHello before it closes
// the connection: shorter than the client's own handshake deadline, so the server gives up first.
const nginxHandshakeTimeout = "3s"

func upTLSFirewallNginx(ctx context.Context, l *Lab) (Targets, error) {
	cli, rtr, srv, err := l.routedPath(ctx)
	if err != nil {
		return Targets{}, err
	}
	cert, key := l.LogPath("backend.crt"), l.LogPath("backend.key")
	if err := run(ctx, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
		"-nodes", "-days", "2", "-subj", "/CN=backend.lab.test", "-keyout", key, "-out", cert); err != nil {
		return Targets{}, err
	}
	runDir := filepath.Join(l.Dir, "run", "nginx")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return Targets{}, fmt.Errorf("lab: %w", err)
	}
	conf, err := l.Config("nginx.conf", fmt.Sprintf(`# nginx as the TLS backend of lab scenario %[1]s.
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[3]s info;
events { worker_connections 64; }
http {
    access_log %[4]s combined;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    server {
        listen %[5]s ssl;
        listen %[6]s ssl;
        ssl_certificate %[7]s;
        ssl_certificate_key %[8]s;
        # Also nginx's deadline for the TLS handshake of a new connection.
        client_header_timeout %[9]s;
        location / { return 200 "backend ok\n"; }
    }
}
`, l.Scenario.Name, runDir, l.LogPath("nginx-error.log"), l.LogPath("nginx-access.log"),
		hostPort(v4(2, 2), backendPort), hostPort(v6(2, 2), backendPort), cert, key, nginxHandshakeTimeout))
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.Spawn(ctx, Daemon{Name: "nginx", Netns: srv, Argv: []string{"nginx", "-e", l.LogPath("nginx-error.log"),
		"-c", conf, "-g", "daemon off;"}, Ready: hostPort(v4(2, 2), backendPort)}); err != nil {
		return Targets{}, err
	}
	if err := l.NFT(ctx, rtr, "router", payloadDropRules(backendPort)); err != nil {
		return Targets{}, err
	}
	t := nsTargets(cli, 2, "Run the client inside namespace "+cli+"; the router "+rtr+" drops every segment with payload to port 8443 (nft list ruleset there); nginx closes a silent connection after "+nginxHandshakeTimeout+".")
	t.Logs = []string{l.LogPath("nginx-error.log"), l.LogPath("nginx-access.log")}
	return t, nil
}

// payloadDropRules is a forward chain that drops every TCP segment to port that carries payload,
// however long its TCP header: a segment has payload when the IP length is more than the IP and
// TCP headers (IPv4 with a 20-byte header; the TCP header is its data offset, @th,96,4, times 4).
func payloadDropRules(port int) string {
	var b strings.Builder
	b.WriteString("table inet lab {\n\tchain forward {\n\t\ttype filter hook forward priority 0; policy accept;\n")
	for doff := 5; doff <= 15; doff++ {
		fmt.Fprintf(&b, "\t\tip hdrlength 5 tcp dport %d @th,96,4 %d ip length > %d counter drop\n", port, doff, 20+4*doff)
		fmt.Fprintf(&b, "\t\tip6 nexthdr tcp tcp dport %d @th,96,4 %d ip6 length > %d counter drop\n", port, doff, 4*doff)
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}
