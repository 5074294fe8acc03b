package lab

import (
	"context"
	"fmt"
)

// forwardProxyScenarios are the proxy-tunnel playbook's causes, reproduced with squid,
// tinyproxy and Privoxy as the forward proxy in front of a TLS backend (openssl s_server).
func forwardProxyScenarios() []Scenario {
	squid := []Program{progSquid, progOpenSSL}
	sc := []Scenario{
		{
			Name: "tunnel.forbidden.acl", Cause: "tunnel.forbidden.acl", Playbook: "proxy-tunnel",
			Title: "squid's ACL allows CONNECT to port 443 only; the backend listens elsewhere",
			Story: "squid runs with the stock rule `http_access deny CONNECT !SSL_ports` where SSL_ports " +
				"is 443. The backend (openssl s_server) listens on another port and answers fine directly; " +
				"every CONNECT to it gets 403 with X-Squid-Error: ERR_ACCESS_DENIED 0 and access.log shows " +
				"TCP_DENIED/403.",
			Programs: squid, NeedsRoot: true,
			Up:      upSquid(squidACL, "CONNECT to the backend is refused with 403 by squid's ACL (deny CONNECT !SSL_ports)."),
			Traffic: connectTraffic(connectPlan{N: 6}),
			Control: controlTLS,
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("answered 403"),
					rec.expectContains([]string{"client.txt"}, "X-Squid-Error: ERR_ACCESS_DENIED 0"),
					rec.expectContains([]string{"access.log"}, "TCP_DENIED/403 ", "CONNECT "),
					rec.expectBytes("lo.pcap", "HTTP/1.1 403 Forbidden"),
					rec.expectBytes("lo-v6.pcap", "HTTP/1.1 403 Forbidden"),
				)
			},
		},
		{
			Name: "tunnel.proxy-auth", Cause: "tunnel.proxy-auth", Playbook: "proxy-tunnel",
			Title: "squid requires basic proxy authentication; the client sends none, then a wrong password",
			Story: "squid authenticates with basic_ncsa_auth against a password file holding one user. The " +
				"client's CONNECTs carry no Proxy-Authorization, then a wrong password: squid answers 407 " +
				"Proxy Authentication Required with Proxy-Authenticate: Basic and X-Squid-Error: " +
				"ERR_CACHE_ACCESS_DENIED 0; access.log shows TCP_DENIED/407.",
			Programs: append([]Program{progNCSAAuth}, squid...), NeedsRoot: true,
			Up: upSquidAuth,
			Traffic: connectTraffic(connectPlan{N: 6, Creds: func(i int, t Targets) (string, string) {
				if i%2 == 0 {
					return "", ""
				}
				return t.ProxyUser, "not-" + t.ProxyPassword
			}}),
			Control: controlConnect,
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("answered 407"),
					rec.expectContains([]string{"client.txt"}, "X-Squid-Error: ERR_CACHE_ACCESS_DENIED 0",
						"Proxy-Authenticate: Basic", "Proxy-Authorization: Basic [redacted]"),
					rec.expectContains([]string{"access.log"}, "TCP_DENIED/407 "),
					rec.expectBytes("lo.pcap", "HTTP/1.1 407 Proxy Authentication Required"),
				)
			},
		},
		{
			Name: "tunnel.unavailable.backend-down", Cause: "tunnel.unavailable.backend-down", Playbook: "proxy-tunnel",
			Title: "squid's connect to the backend is refused: nothing listens on the backend port",
			Story: "squid allows the CONNECT, but nothing listens on the backend's port, so the kernel " +
				"refuses squid's connect with a RST and squid answers 503 Service Unavailable with " +
				"X-Squid-Error: ERR_CONNECT_FAIL 111 (ECONNREFUSED).",
			Programs: squid, NeedsRoot: true,
			Up:      upSquid(squidOpen, "Nothing listens on the target's port: squid's connect is refused (503, ERR_CONNECT_FAIL 111)."),
			Traffic: connectTraffic(connectPlan{N: 6}),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("answered 503"),
					rec.expectContains([]string{"client.txt"}, "X-Squid-Error: ERR_CONNECT_FAIL 111"),
					rec.expectContains([]string{"access.log"}, "/503 "),
					rec.expectPackets("lo.pcap", "tcp.flags.reset == 1 && tcp.flags.ack == 1", 6),
				)
			},
		},
		{
			Name: "tunnel.proxy-unreachable", Cause: "tunnel.proxy-unreachable", Playbook: "proxy-tunnel",
			Title: "nothing listens on the proxy's port: the client's connect to the proxy is refused",
			Story: "The backend runs, but the forward proxy does not: the gateway's TCP connect to the " +
				"proxy port is answered with RST (connection refused), so no CONNECT is ever sent.",
			Programs: []Program{progOpenSSL}, NeedsRoot: true,
			Up:      upProxyUnreachable,
			Traffic: connectTraffic(connectPlan{N: 6}),
			Control: controlTLS,
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("no answer from the proxy"),
					rec.expectContains([]string{"client.txt"}, "connection refused"),
					rec.expectPackets("lo.pcap", "tcp.flags.reset == 1", 6),
					rec.expectPackets("lo-v6.pcap", "tcp.flags.reset == 1", 6),
				)
			},
		},
	}
	sc = append(sc, dnsScenarios()...)
	sc = append(sc, privoxyScenarios()...)
	sc = append(sc, timeoutScenarios()...)
	return append(sc, tinyproxyScenarios()...)
}

// squid access rules of the scenarios: the stock SSL_ports rule and an open proxy.
const (
	squidACL = `acl SSL_ports port 443
acl CONNECT method CONNECT
http_access deny CONNECT !SSL_ports
http_access allow localhost
http_access deny all
`
	squidOpen = `http_access allow localhost
http_access deny all
`
)

// upSquid returns an Up that starts a TLS backend and squid with the given access rules. A
// scenario whose backend must be down passes squidOpen; its backend port stays closed.
func upSquid(access, note string) func(context.Context, *Lab) (Targets, error) {
	return func(ctx context.Context, l *Lab) (Targets, error) {
		bp, pp, err := ports2()
		if err != nil {
			return Targets{}, err
		}
		if access != squidOpen {
			if _, err := l.startTLSServer(ctx, "backend", "", loopbacks(bp)); err != nil {
				return Targets{}, err
			}
		}
		if _, err := l.startSquid(ctx, squidConfig{Listen: loopbacks(pp), Access: access}); err != nil {
			return Targets{}, err
		}
		return squidTargets(l, bp, pp, note), nil
	}
}

func upSquidAuth(ctx context.Context, l *Lab) (Targets, error) {
	bp, pp, err := ports2()
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", "", loopbacks(bp)); err != nil {
		return Targets{}, err
	}
	const user, pass = "gateway", "lab-secret-7"
	hash, err := output(ctx, "openssl", "passwd", "-apr1", pass)
	if err != nil {
		return Targets{}, err
	}
	pw, err := l.Config("passwd", user+":"+hash)
	if err != nil {
		return Targets{}, err
	}
	helper, err := LookPath("basic_ncsa_auth")
	if err != nil {
		return Targets{}, err
	}
	_, err = l.startSquid(ctx, squidConfig{
		Listen: loopbacks(pp),
		Extra: fmt.Sprintf(`auth_param basic program %s %s
auth_param basic children 2 startup=1 idle=1
auth_param basic realm hopscope lab proxy
auth_param basic credentialsttl 1 minute
`, helper, pw),
		Access: `acl authenticated proxy_auth REQUIRED
http_access deny !authenticated
http_access allow localhost
http_access deny all
`,
	})
	if err != nil {
		return Targets{}, err
	}
	t := squidTargets(l, bp, pp, "squid answers 407 without credentials or with a wrong password; the right ones are above.")
	t.ProxyUser, t.ProxyPassword = user, pass
	return t, nil
}

func upProxyUnreachable(ctx context.Context, l *Lab) (Targets, error) {
	bp, pp, err := ports2()
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startTLSServer(ctx, "backend", "", loopbacks(bp)); err != nil {
		return Targets{}, err
	}
	t := squidTargets(l, bp, pp, "No proxy runs: connects to the proxy port are refused.")
	t.Logs = nil
	return t, nil
}

// ports2 picks two free ports: the backend's and the proxy's.
func ports2() (backend, proxy int, err error) {
	if backend, err = FreePort(); err != nil {
		return
	}
	proxy, err = FreePort()
	return
}

// loopbacks returns port on 127.0.0.1 and on ::1.
func loopbacks(port int) []string {
	return []string{hostPort("127.0.0.1", port), hostPort("::1", port)}
}

// squidTargets fills the Targets of a squid scenario on the host's loopback.
func squidTargets(l *Lab, backend, proxy int, note string) Targets {
	return Targets{
		Target:  fmt.Sprintf("https://%s/", hostPort("127.0.0.1", backend)),
		Target6: fmt.Sprintf("https://%s/", hostPort("::1", backend)),
		Proxy:   "http://" + hostPort("127.0.0.1", proxy),
		Proxy6:  "http://" + hostPort("::1", proxy),
		Ports:   []int{backend, proxy},
		Logs:    []string{l.LogPath("access.log"), l.LogPath("cache.log")},
		Notes:   []string{note},
	}
}
