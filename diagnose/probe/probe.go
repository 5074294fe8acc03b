// Package probe runs the live checks of the playbooks from where the operator stands: it resolves
// the backend, connects to it (directly or through a forward proxy's CONNECT tunnel), times the
// TLS handshake, sends a request, uploads a large body and reuses an idle connection. Each check
// has a deadline, honours its context, reports progress through optional hooks and returns plain
// data; Signals turns that data into evidence for the diagnose engine. The package ranks nothing.
package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"time"
)

// Default deadlines. Each is far below an API gateway's 55 s I/O timeout so that a verdict comes
// in seconds, and far above what a healthy hop needs on any network an operator probes from.
const (
	// DefaultDNSTimeout matches glibc's resolver timeout for one try (resolv.conf "timeout:5").
	DefaultDNSTimeout = 5 * time.Second
	// DefaultConnectTimeout covers the first SYN and its retransmissions at 1 s and 3 s.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultTLSTimeout lets a dropped ClientHello be retransmitted four times (RTO backoff 0.2,
	// 0.4, 0.8, 1.6 s), enough to tell a drop from a slow server, yet keeps the verdict under 10 s.
	DefaultTLSTimeout = 5 * time.Second
	// DefaultProxyTimeout waits for the proxy's answer to a CONNECT. Proxies answer at once for a
	// rule or a refusal; for a backend that does not answer they wait for their own connect
	// timeout (squid's is a minute), so a missing answer after this long is itself the verdict
	// (the tunnel times out).
	DefaultProxyTimeout = 8 * time.Second
	// DefaultHTTPTimeout waits for the first byte of a response once the request is sent.
	DefaultHTTPTimeout = 10 * time.Second
	// DefaultBudget bounds the checks up to the first byte of the answer, whichever phase
	// stalls: a phase left at its default deadline gets no more than what remains of it, so the
	// operator has the verdict within 10 s. Deadlines set in Options are kept as given.
	DefaultBudget = 9 * time.Second
	// minPhase is the least a phase gets when the budget is nearly spent: enough for a healthy
	// hop's handshake or answer on any network an operator probes from.
	minPhase = time.Second
	// DefaultStallTimeout is how long a body upload may make no progress before it counts as
	// stalled: longer than a busy server's pause, shorter than a proxy's body timeout.
	DefaultStallTimeout = 5 * time.Second
)

// The hops a check can stand for (Options.Hop).
const (
	HopGateway      = "gateway"       // an API gateway to its backend, directly or through a forward proxy
	HopForwardProxy = "forward-proxy" // a forward proxy to the backend (the check runs on the proxy host)
	HopReverseProxy = "reverse-proxy" // a reverse proxy (Apache mod_proxy, nginx) to its backend
)

// Options say what to probe and how the gateway in front of it behaves, so the probe speaks to
// the backend as the gateway does.
type Options struct {
	// Target is the backend's URL (http or https); its host and port are what is probed.
	Target *url.URL
	// Proxy is the forward proxy's URL (http://host:port); nil for a direct connection.
	Proxy *url.URL
	// ProxyUser and ProxyPassword are sent as Basic proxy credentials when ProxyUser is set.
	ProxyUser, ProxyPassword string
	// ConnectHost is the Host header of the CONNECT request. Empty means: try both the target's
	// name and the proxy's own name, and compare the answers.
	ConnectHost string
	// TLSMin and TLSMax bound the TLS versions offered (tls.VersionTLS12 …); zero means Go's default.
	TLSMin, TLSMax uint16
	// SNI is the server name sent in the ClientHello; empty means the target's host name.
	SNI string
	// Roots verifies the backend's certificate; nil means the system's roots.
	Roots *x509.CertPool
	// Insecure skips certificate verification (the chain is still summarised).
	Insecure bool
	// Method and Path of the HTTP request; empty means GET and the target URL's path.
	Method, Path string
	// BodySize, when positive, runs the body upload check with a body of that many bytes.
	BodySize int64
	// KeepaliveIdle, when positive, runs the keep-alive reuse check with that idle pause.
	KeepaliveIdle time.Duration

	// Until is the last check to run (a Check… id); empty runs every check that applies. The
	// checks before it run too: a TLS handshake needs the connection first.
	Until string
	// Hop says whose hop the checks stand for (Hop… constants); empty says nothing.
	Hop string

	// Deadlines per phase; zero means the Default… constant.
	DNSTimeout, ConnectTimeout, TLSTimeout, ProxyTimeout, HTTPTimeout, StallTimeout time.Duration

	// Budget bounds the phases up to the first byte that keep their default deadline; zero
	// means DefaultBudget.
	Budget time.Duration

	// Resolver looks names up; nil means net.DefaultResolver. A test seam.
	Resolver *net.Resolver
	// Dial opens TCP connections; nil means a net.Dialer. A test seam (to dial from inside a
	// network namespace). It must honour the context's deadline.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Guard, when set, is asked before every connection the checks open and before every
	// CONNECT sent to a proxy (which opens the connection for them); nil allows everything.
	Guard Guard
	// Now returns the current time; nil means time.Now. A test seam.
	Now func() time.Time

	// budgetEnd is when Budget runs out, set by Run; zero outside a run.
	budgetEnd time.Time
}

// phase returns the options for a phase that starts now: each deadline left at its default is
// cut to what remains of the run's budget, but never below minPhase.
func (o *Options) phase() *Options {
	if o.budgetEnd.IsZero() {
		return o
	}
	left := max(o.budgetEnd.Sub(o.now()), minPhase)
	c := *o
	for _, d := range []struct {
		set *time.Duration
		def time.Duration
	}{{&c.DNSTimeout, DefaultDNSTimeout}, {&c.ConnectTimeout, DefaultConnectTimeout}, {&c.TLSTimeout, DefaultTLSTimeout},
		{&c.ProxyTimeout, DefaultProxyTimeout}, {&c.HTTPTimeout, DefaultHTTPTimeout}} {
		if *d.set == 0 && d.def > left {
			*d.set = left
		}
	}
	return &c
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) resolver() *net.Resolver {
	if o.Resolver != nil {
		return o.Resolver
	}
	return net.DefaultResolver
}

// allowLookup asks the Guard whether host may be looked up to reach port on it.
func (o *Options) allowLookup(host string, port int) error {
	if o.Guard == nil {
		return nil
	}
	return o.Guard.AllowLookup(host, port)
}

// allowTunnel asks the Guard whether the proxy may be asked for target (host:port), with the
// Host header hosts[i].name: a header the operator gave is asked too when it names another
// place, since a proxy may route by it. Every CONNECT is sent only after this said yes.
func (o *Options) allowTunnel(target string, hosts []hostChoice) error {
	if o.Guard == nil {
		return nil
	}
	ask := func(hp string) error {
		host, p, err := net.SplitHostPort(hp)
		port, perr := strconv.Atoi(p)
		if err != nil || perr != nil {
			return fmt.Errorf("%s: %w (want HOST:PORT)", hp, ErrNotAllowed)
		}
		return o.Guard.AllowTunnel(host, port)
	}
	if err := ask(target); err != nil {
		return err
	}
	for _, hc := range hosts {
		if hc.is == HostIsGiven && hc.name != target {
			if err := ask(hc.name); err != nil {
				return fmt.Errorf("the CONNECT's Host header %w", err)
			}
		}
	}
	return nil
}

// dial opens a TCP connection to addr, an address of host, within timeout, when the Guard
// allows it. Every connection the checks open goes through here.
func (o *Options) dial(ctx context.Context, host, addr string, timeout time.Duration) (net.Conn, error) {
	if o.Guard != nil {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", addr, ErrNotAllowed)
		}
		if err := o.Guard.AllowDial(host, ap); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if o.Dial != nil {
		return o.Dial(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
