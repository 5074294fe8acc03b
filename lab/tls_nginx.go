package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tlsNginxScenarios are tls-handshake causes with nginx as the TLS backend: a server with its
// own handshake deadline, which gives up on a silent client before the client does.
func tlsNginxScenarios() []Scenario {
	return []Scenario{
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
