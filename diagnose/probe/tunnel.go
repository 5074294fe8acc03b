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
	// OnlyProxyNameRefused: the target's name opened the tunnel, the proxy's name (or the name
	// the gateway sends, when given) was refused.
	OnlyProxyNameRefused HostComparison = "only-proxy-name-refused"
	// NoDifference: both names got the same status.
	NoDifference HostComparison = "no-difference"
	// OnlyTargetNameRefused: the other name opened the tunnel, the target's name was refused.
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

// tunnelPlan is what to send: the target, and which Host headers. The first host is what the
// gateway sends; a second one, when there is one, is sent at the same time on a connection of
// its own, so that the comparison costs no extra wait.
type tunnelPlan struct {
	target string
	hosts  []hostChoice
}

type hostChoice struct{ name, is string }

func planTunnel(o *Options) tunnelPlan {
	p := tunnelPlan{target: hostPort(o.Target)}
	switch {
	case o.ConnectHost != "" && o.ConnectHost != p.target:
		// The gateway's own Host header first; the target's name beside it tells a refusal of
		// that header from a refusal of the tunnel.
		p.hosts = []hostChoice{{o.ConnectHost, HostIsGiven}, {p.target, HostIsTarget}}
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
// header, each on its own connection and all at once. It returns the result and the tunnel (nil
// when none opened). The waterfall gets the proxy lookup, the proxy connect and the first CONNECT.
func openTunnel(ctx context.Context, o *Options, h *Hooks, wf *waterfall) (*ConnectResult, net.Conn) {
	plan := planTunnel(o)
	res := &ConnectResult{Proxy: hostPort(o.Proxy), Target: plan.target, Tunnel: -1}
	h.checkStart(CheckConnect)
	defer func() { h.checkDone(CheckConnect, res) }()

	// The proxy opens the connection to the target for us: the target must be allowed too.
	if err := o.allowTunnel(plan.target, plan.hosts); err != nil {
		res.NotAllowed = err.Error()
		return res, nil
	}
	port := portOf(o.Proxy)
	res.DNS = wf.dns(ctx, o.phase(), o.Proxy.Hostname(), port, PhaseProxyDNS)
	if res.DNS.Outcome == DNSNotAllowed {
		res.NotAllowed, res.DNS = res.DNS.Err, nil
		return res, nil
	}
	if len(res.DNS.Addrs) == 0 {
		return res, nil
	}
	var conn net.Conn
	res.TCP, conn = wf.connect(ctx, o.phase(), o.Proxy.Hostname(), res.DNS.Addrs, port, PhaseProxyConnect, h)
	if conn == nil {
		return res, nil
	}
	o = o.phase() // every CONNECT waits for its answer by the same deadline
	used := res.TCP.Attempts[res.TCP.Used].Remote
	type sent struct {
		at ProxyAttempt
		tc net.Conn
	}
	others := make([]chan sent, len(plan.hosts)-1)
	for i, hc := range plan.hosts[1:] {
		others[i] = make(chan sent, 1)
		go func() {
			c := redial(ctx, o, used)
			if c == nil {
				others[i] <- sent{}
				return
			}
			// Hooks are called from the checks' goroutine only: this request is reported below.
			at, tc := proxyConnect(ctx, c, plan.target, hc.name, hc.is, o, nil)
			if tc == nil {
				c.Close()
			}
			others[i] <- sent{at, tc}
		}()
	}
	start := wf.mark()
	at, tc := proxyConnect(ctx, conn, plan.target, plan.hosts[0].name, plan.hosts[0].is, o, h)
	wf.add(PhaseCONNECT, start, at.Outcome == ProxyAnswered && at.Accepted(), connectNote(&at))
	res.Attempts = append(res.Attempts, at)
	tunnel := tc
	if tc != nil {
		res.Tunnel = 0
	} else {
		conn.Close()
	}
	for _, ch := range others {
		s := <-ch // each ends by the proxy timeout at the latest
		if s.at.Request == "" {
			continue // no second connection to the proxy
		}
		h.proxyConnectSent(s.at.Request)
		res.Attempts = append(res.Attempts, s.at)
		switch {
		case s.tc == nil:
		case tunnel == nil:
			tunnel, res.Tunnel = s.tc, len(res.Attempts)-1
		default:
			s.tc.Close()
		}
	}
	if len(res.Attempts) == 2 {
		target, other := &res.Attempts[0], &res.Attempts[1]
		if other.HostIs == HostIsTarget {
			target, other = other, target
		}
		res.Compared = compareHosts(target, other)
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

// compareHosts compares the answer with the target's name (a) and with the other name (b: the
// proxy's, or the one the gateway sends).
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
