package lab

import (
	"context"
	"fmt"
	"time"
)

// forwardProxyScenarios are the proxy-tunnel playbook's causes, reproduced with squid,
// tinyproxy and Privoxy as the forward proxy in front of a TLS backend (openssl s_server).
func forwardProxyScenarios() []Scenario {
	return []Scenario{
		{
			Name: "tunnel.forbidden.acl", Cause: "tunnel.forbidden.acl", Playbook: "proxy-tunnel",
			Title: "squid's ACL allows CONNECT to port 443 only; the backend listens elsewhere",
			Story: "squid runs with the stock rule `http_access deny CONNECT !SSL_ports` where SSL_ports " +
				"is 443. The backend (openssl s_server) listens on another port and answers fine directly; " +
				"every CONNECT to it gets 403 with X-Squid-Error: ERR_ACCESS_DENIED 0 and access.log shows " +
				"TCP_DENIED/403.",
			Programs:  []Program{progSquid, progOpenSSL},
			NeedsRoot: true,
			Up:        upSquidACL,
			Traffic:   connectTraffic(6, ""),
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
	}
}

// upBackendAndPorts starts the TLS backend on a free port on 127.0.0.1 and ::1, and picks a
// free port for the proxy.
func (l *Lab) upBackendAndPorts(ctx context.Context) (backend, proxy int, err error) {
	if backend, err = FreePort(); err != nil {
		return
	}
	if proxy, err = FreePort(); err != nil {
		return
	}
	_, err = l.startTLSServer(ctx, "backend", "", loopbacks(backend))
	return
}

func upSquidACL(ctx context.Context, l *Lab) (Targets, error) {
	bp, pp, err := l.upBackendAndPorts(ctx)
	if err != nil {
		return Targets{}, err
	}
	_, err = l.startSquid(ctx, squidConfig{
		Listen: loopbacks(pp),
		Access: `acl SSL_ports port 443
acl CONNECT method CONNECT
http_access deny CONNECT !SSL_ports
http_access allow localhost
http_access deny all
`,
	})
	if err != nil {
		return Targets{}, err
	}
	return squidTargets(l, bp, pp, "CONNECT to the backend is refused with 403 by squid's ACL (deny CONNECT !SSL_ports)."), nil
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

// connectTraffic returns a Traffic that sends n CONNECTs to the target through the proxy, one
// every 100 ms, with the scenario's credentials and Host header (hostHeader overrides it).
func connectTraffic(n int, hostHeader string) func(context.Context, *Lab, bool) (string, error) {
	return func(ctx context.Context, l *Lab, v6 bool) (string, error) {
		t := l.Targets
		target, proxy := t.Target, t.Proxy
		if v6 {
			target, proxy = t.Target6, t.Proxy6
		}
		pa, err := authority(proxy)
		if err != nil {
			return "", err
		}
		ta := t.ConnectHost
		if ta == "" || v6 {
			if ta, err = authority(target); err != nil {
				return "", err
			}
		}
		hh := hostHeader
		if hh == "" {
			hh = t.HostHeader
		}
		var tr transcript
		for i := range n {
			if i > 0 {
				select {
				case <-ctx.Done():
					return tr.String(), ctx.Err()
				case <-time.After(100 * time.Millisecond):
				}
			}
			a := connectAttempt{Netns: t.Netns, Proxy: pa, Authority: ta, Host: hh, User: t.ProxyUser, Password: t.ProxyPassword}
			text, status := a.do(ctx)
			outcome := "no answer from the proxy"
			if status != 0 {
				outcome = fmt.Sprintf("CONNECT %s answered %d", ta, status)
			}
			tr.add("CONNECT "+ta+" via "+pa, text, outcome)
		}
		return tr.String(), nil
	}
}
