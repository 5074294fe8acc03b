package probe

import (
	"context"
	"net"
	"net/url"
	"strconv"
)

// HostComparison says how the proxy answered the same CONNECT with the target's name and with
// its own name in the Host header.
type HostComparison string

// The comparisons.
const (
	// OnlyProxyNameRefused: the target's name opened the tunnel, the proxy's name was refused.
	OnlyProxyNameRefused HostComparison = "only-proxy-name-refused"
	// NoDifference: both names got the same status.
	NoDifference HostComparison = "no-difference"
	// OnlyTargetNameRefused: the proxy's name opened the tunnel, the target's name was refused.
	OnlyTargetNameRefused HostComparison = "only-target-name-refused"
	// Different: the two answers differ in some other way (two different refusals).
	Different HostComparison = "different"
)

// ConnectResult is the outcome of asking a forward proxy for a tunnel to the backend.
type ConnectResult struct {
	// Proxy is the proxy's host:port; Target is the host:port asked for.
	Proxy  string `json:"proxy"`
	Target string `json:"target"`
	// DNS is the lookup of the proxy's own name.
	DNS *DNSResult `json:"dns"`
	// TCP is the connection to the proxy (every address of it).
	TCP *TCPResult `json:"tcp,omitempty"`
	// Attempts holds each CONNECT sent, each on its own connection, in the order sent.
	Attempts []ProxyAttempt `json:"attempts,omitempty"`
	// Compared says how the answers to the two Host headers differ, when both were tried.
	Compared HostComparison `json:"compared,omitempty"`
	// Tunnel is the index of the attempt whose connection carries the next checks; -1 for none.
	Tunnel int `json:"tunnel"`
	// NotAllowed says why the Guard refused the tunnel's target: nothing was sent to the proxy.
	NotAllowed string `json:"not_allowed,omitempty"`
}

// Gateway returns the attempt that stands for what the gateway saw: the first refused one when
// the answers differ (the failure being investigated), else the first. Nil when none was sent.
func (r *ConnectResult) Gateway() *ProxyAttempt {
	if len(r.Attempts) == 0 {
		return nil
	}
	for i := range r.Attempts {
		if !r.Attempts[i].Accepted() {
			return &r.Attempts[i]
		}
	}
	return &r.Attempts[0]
}

// tunnelPlan is what to send: the target, and which Host headers.
type tunnelPlan struct {
	target string
	hosts  []hostChoice
}

type hostChoice struct{ name, is string }

func planTunnel(o *Options) tunnelPlan {
	p := tunnelPlan{target: hostPort(o.Target)}
	switch {
	case o.ConnectHost != "":
		p.hosts = []hostChoice{{o.ConnectHost, HostIsGiven}}
	case hostPort(o.Proxy) == p.target:
		p.hosts = []hostChoice{{p.target, HostIsTarget}}
	default:
		p.hosts = []hostChoice{{p.target, HostIsTarget}, {hostPort(o.Proxy), HostIsProxy}}
	}
	return p
}

// openTunnel resolves and connects to the proxy, then sends the CONNECT with each planned Host
// header on its own connection. It returns the result and the tunnel (nil when none opened).
// The waterfall gets the proxy lookup, the proxy connect and the first CONNECT.
func openTunnel(ctx context.Context, o *Options, h *Hooks, wf *waterfall) (*ConnectResult, net.Conn) {
	plan := planTunnel(o)
	res := &ConnectResult{Proxy: hostPort(o.Proxy), Target: plan.target, Tunnel: -1}
	h.checkStart(CheckConnect)
	defer func() { h.checkDone(CheckConnect, res) }()

	if o.Guard != nil {
		// The proxy opens the connection to the target for us: the target must be allowed too.
		if err := o.Guard.AllowTunnel(ctx, o.Target.Hostname(), portOf(o.Target)); err != nil {
			res.NotAllowed = err.Error()
			return res, nil
		}
	}
	res.DNS = wf.dns(ctx, o, o.Proxy.Hostname(), PhaseProxyDNS)
	if len(res.DNS.Addrs) == 0 {
		return res, nil
	}
	port := portOf(o.Proxy)
	var conn net.Conn
	res.TCP, conn = wf.connect(ctx, o, o.Proxy.Hostname(), res.DNS.Addrs, port, PhaseProxyConnect, h)
	if conn == nil {
		return res, nil
	}
	used := res.TCP.Attempts[res.TCP.Used].Remote
	var tunnel net.Conn
	for i, hc := range plan.hosts {
		if i > 0 {
			// Only an answered first CONNECT is worth comparing; a silent proxy would make the
			// operator wait twice for the same verdict.
			if res.Attempts[0].Outcome != ProxyAnswered {
				break
			}
			conn = redial(ctx, o, used)
			if conn == nil {
				break
			}
		}
		start := wf.mark()
		at, tc := proxyConnect(ctx, conn, plan.target, hc.name, hc.is, o, h)
		if i == 0 {
			wf.add(PhaseCONNECT, start, at.Outcome == ProxyAnswered && at.Accepted(), connectNote(&at))
		}
		res.Attempts = append(res.Attempts, at)
		if tc != nil && tunnel == nil {
			tunnel, res.Tunnel = tc, i
			continue
		}
		conn.Close()
	}
	if len(res.Attempts) == 2 {
		res.Compared = compareHosts(&res.Attempts[0], &res.Attempts[1])
	}
	return res, tunnel
}

// redial opens another connection to the proxy address already used.
func redial(ctx context.Context, o *Options, addr string) net.Conn {
	c, err := o.dial(ctx, o.Proxy.Hostname(), addr, orDefault(o.ConnectTimeout, DefaultConnectTimeout))
	if err != nil {
		return nil
	}
	return c
}

// compareHosts compares the answer with the target's name (a) and the proxy's name (b).
func compareHosts(a, b *ProxyAttempt) HostComparison {
	switch {
	case a.Outcome != ProxyAnswered || b.Outcome != ProxyAnswered:
		return Different
	case a.Status == b.Status:
		return NoDifference
	case a.Accepted() && !b.Accepted():
		return OnlyProxyNameRefused
	case !a.Accepted() && b.Accepted():
		return OnlyTargetNameRefused
	}
	return Different
}

func connectNote(a *ProxyAttempt) string {
	if a.Outcome == ProxyAnswered {
		return strconv.Itoa(a.Status)
	}
	return string(a.Outcome)
}

// hostPort returns the URL's host:port with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	return net.JoinHostPort(u.Hostname(), strconv.Itoa(portOf(u)))
}

// portOf returns the URL's port, or its scheme's default.
func portOf(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if u.Scheme == "http" {
		return 80
	}
	return 443
}
