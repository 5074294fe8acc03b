package analyze

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// What clients, proxies and load balancers print when a hop fails, as users paste it: each file
// must be read (never exit 2), show the signal that says what failed, and rank a cause of its
// playbook first, or unknown when it shows no failure of the kinds hopscope knows.
func TestClientErrorTexts(t *testing.T) {
	refused := []string{"backend.tcp-unreachable", "backend.down", "tunnel.unavailable.backend-down"}
	tlsFail := []string{"tls.handshake-failure"}
	tlsTimeout := []string{"tls.handshake-timeout.firewall", "tls.handshake-timeout.server-stall"}
	forbidden := []string{"tunnel.forbidden.acl", "tunnel.forbidden.host-header"}
	cases := []struct {
		file   string
		signal string
		first  []string
	}{
		{"curl-refused.txt", "tcp.connect.refused", refused},
		{"curl-timeout.txt", "tcp.connect.timeout", []string{"network.path", "backend.tcp-unreachable", "tunnel.timeout"}},
		{"curl-alert.txt", "tls.alert.received", tlsFail},
		{"curl-ssl-timeout.txt", "tls.handshake.timeout", tlsTimeout},
		{"curl-proxy-403.txt", "proxy.connect.status.403", []string{"tunnel.forbidden.acl"}},
		{"curl-dns.txt", "dns.backend.nxdomain", []string{"tunnel.unavailable.dns"}},
		{"go-version.txt", "tls.alert.received", tlsFail},
		{"go-refused.txt", "tcp.connect.refused", refused},
		{"go-proxyconnect.txt", "proxy.unreachable.refused", []string{"tunnel.proxy-unreachable"}},
		{"go-handshake-timeout.txt", "tls.handshake.timeout", tlsTimeout},
		{"java-alert.txt", "tls.alert.received", tlsFail},
		{"java-tunnel-407.txt", "proxy.connect.status.407", []string{"tunnel.proxy-auth"}},
		{"java-httpclient-403.txt", "proxy.connect.status.403", forbidden},
		{"okhttp-connect.txt", "proxy.connect.status.403", forbidden},
		{"java-refused.txt", "tcp.connect.refused", refused},
		{"python-tunnel-403.txt", "proxy.connect.status.403", forbidden},
		{"python-proxy-refused.txt", "proxy.unreachable.refused", []string{"tunnel.proxy-unreachable"}},
		{"python-ssl.txt", "tls.alert.received", tlsFail},
		{"node-tunnel.txt", "proxy.connect.status.403", forbidden},
		{"node-tls-disconnect.txt", "tls.handshake.closed", tlsFail},
		{"node-refused.txt", "tcp.connect.refused", refused},
		{"openssl-alert.txt", "tls.alert.received", tlsFail},
		{"haproxy-log.txt", "log.proxy.connect-refused", []string{"backend.down"}},
		{"envoy-body.txt", "log.proxy.connect-refused", []string{"backend.down"}},
		{"squid-page.txt", "proxy.error.connect-refused", []string{"tunnel.unavailable.backend-down"}},
		{"tinyproxy-log.txt", "proxy.error.access-denied", []string{"tunnel.forbidden.acl"}},
		{"privoxy-log.txt", "proxy.connect.status.403", forbidden},
		{"wrapped.txt", "tls.alert.received", tlsFail},
		{"prefixed-status.txt", "proxy.connect.status.407", []string{"tunnel.proxy-auth"}},
		{"java-closed.txt", "tls.handshake.closed", tlsFail},
		{"curl-old-403.txt", "proxy.connect.status.403", []string{"tunnel.forbidden.acl"}},
		{"curl-aborted.txt", "proxy.connect.closed", []string{"tunnel.forbidden.acl", "tunnel.proxy-unreachable", "unknown"}},
		{"nginx-502-page.txt", "http.response.502", []string{"tls.handshake-timeout.firewall", "tls.handshake-timeout.server-stall", "tls.handshake-failure", "backend.tcp-unreachable", "keepalive.race", "body.backend-closed"}},
		{"unrelated.txt", "", []string{"unknown"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			s, inputs, err := Run(context.Background(), kb(t), []string{filepath.Join("testdata/clients", tc.file)}, nil, Options{})
			if err != nil {
				t.Fatalf("not read: %v", err)
			}
			r := s.Report(inputs)
			var sigs []string
			for _, ev := range r.Evidence {
				sigs = append(sigs, ev.Signal)
			}
			if tc.signal != "" && !slices.Contains(sigs, tc.signal) {
				t.Errorf("signal %s missing; evidence %v", tc.signal, sigs)
			}
			if tc.signal == "" && len(sigs) > 0 {
				t.Errorf("text with no failure in it gave evidence %v", sigs)
			}
			if !slices.Contains(tc.first, r.Causes[0].ID) {
				t.Errorf("first cause %s (%.2f), want one of %v; evidence %v", r.Causes[0].ID, r.Causes[0].Confidence, tc.first, sigs)
			}
		})
	}
}

// A 502 page from a reverse proxy is not the gateway's BadGateway fault: it must not answer the
// TLS playbook's first question for the operator.
func TestPlain502IsNotTheGatewayFault(t *testing.T) {
	s, inputs, err := Run(context.Background(), kb(t), []string{"testdata/clients/nginx-502-page.txt"}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tree := range s.Report(inputs).Playbooks {
		if tree.Playbook == "tls-handshake" && len(tree.Answered) > 0 {
			t.Errorf("a plain 502 answered %+v", tree.Answered)
		}
	}
}
