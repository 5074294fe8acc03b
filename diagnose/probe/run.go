package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// Result is everything one run of the checks found. A check that did not run (because an
// earlier step failed, or it was not asked for) is nil.
type Result struct {
	// Target and Proxy are the URLs probed, credentials redacted.
	Target string `json:"target"`
	Proxy  string `json:"proxy,omitempty"`
	// Started is when the run began.
	Started time.Time `json:"started"`
	// DNS is the lookup of the backend's name (direct connections only: through a proxy the
	// proxy resolves it).
	DNS *DNSResult `json:"dns,omitempty"`
	// TCP is the connection to the backend (direct connections only).
	TCP *TCPResult `json:"tcp,omitempty"`
	// Connect is the CONNECT tunnel through the proxy.
	Connect *ConnectResult `json:"connect,omitempty"`
	// TLS is the handshake with the backend (https targets).
	TLS *TLSResult `json:"tls,omitempty"`
	// HTTP is the request to the backend.
	HTTP *HTTPResult `json:"http,omitempty"`
	// Body is the large upload (when asked for).
	Body *BodyResult `json:"body_upload,omitempty"`
	// Keepalive is the reuse of an idle connection (when asked for).
	Keepalive *KeepaliveResult `json:"keepalive,omitempty"`
	// Hop is whose hop the checks stand for, as the operator said.
	Hop string `json:"hop,omitempty"`
	// Waterfall holds the phases of the first connection, up to the one that failed.
	Waterfall []Phase `json:"waterfall"`
}

// Validate checks the options before anything is sent; its errors are for the operator.
func (o *Options) Validate() error {
	if o.Target == nil || o.Target.Host == "" {
		return ErrNoTarget
	}
	if o.Target.Scheme != "http" && o.Target.Scheme != "https" {
		return fmt.Errorf("target %s: %w", diagnose.Redact(o.Target.String()), ErrBadScheme)
	}
	if o.Proxy != nil && (o.Proxy.Scheme != "http" || o.Proxy.Host == "") {
		return fmt.Errorf("proxy %s: %w", diagnose.Redact(o.Proxy.String()), ErrBadScheme)
	}
	switch o.Hop {
	case "", HopGateway, HopForwardProxy, HopReverseProxy:
	default:
		return fmt.Errorf("hop %q: want %s, %s or %s", o.Hop, HopGateway, HopForwardProxy, HopReverseProxy)
	}
	if o.TLSMin != 0 && o.TLSMax != 0 && o.TLSMin > o.TLSMax {
		return fmt.Errorf("TLS minimum %s is above maximum %s", tls.VersionName(o.TLSMin), tls.VersionName(o.TLSMax))
	}
	return nil
}

// Run runs the checks for one target in order (name, connection or tunnel, TLS, request, then
// the upload and keep-alive checks when asked for) and stops at the first hop that fails. It
// returns an error only for invalid options; what the checks find is in the result.
func Run(ctx context.Context, o *Options, h *Hooks) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	r := &Result{Target: redactURL(o.Target), Started: o.now(), Hop: o.Hop}
	if o.Proxy != nil {
		r.Proxy = redactURL(o.Proxy)
	}
	if o.Target.Scheme == "https" && o.Roots == nil {
		// Load the system's roots before the clock starts: the first load takes tens of
		// milliseconds that belong to no phase of the hop.
		_, _ = x509.SystemCertPool()
	}
	// The run works on its own copy, which carries the budget's end.
	oc := *o
	o = &oc
	o.budgetEnd = r.Started.Add(orDefault(o.Budget, DefaultBudget))
	wf := newWaterfall(o, h)
	defer func() { r.Waterfall = wf.phases }()
	conn, direct := r.open(ctx, o, h, wf)
	if conn == nil {
		return r, nil
	}
	if o.Until == CheckDNS || o.Until == CheckTCP || o.Until == CheckConnect {
		conn.Close()
		return r, nil
	}
	conn, ok := r.secure(ctx, conn, direct, o, h, wf)
	if !ok {
		return r, nil
	}
	if o.Until == CheckTLS {
		conn.Close()
		return r, nil
	}
	h.checkStart(CheckHTTP)
	start := wf.mark()
	r.HTTP, _ = RoundTrip(ctx, conn, nil, newRequest(o, o.Method, nil, 0), o.phase(), h)
	conn.Close()
	note := string(r.HTTP.Outcome)
	if r.HTTP.Outcome == HTTPAnswered {
		note = fmt.Sprint(r.HTTP.Status)
	}
	wf.addTook(PhaseFirstByte, start, r.HTTP.FirstByte, r.HTTP.Outcome == HTTPAnswered, note)
	h.checkDone(CheckHTTP, r.HTTP)
	if o.Until == CheckHTTP {
		return r, nil
	}
	if o.BodySize > 0 && ctx.Err() == nil {
		h.checkStart(CheckBody)
		r.Body = Upload(ctx, r.dialer(o), o, h)
		h.checkDone(CheckBody, r.Body)
	}
	if o.KeepaliveIdle > 0 && ctx.Err() == nil && o.Until != CheckBody {
		h.checkStart(CheckKeepalive)
		r.Keepalive = Reuse(ctx, r.dialer(o), o, h)
		h.checkDone(CheckKeepalive, r.Keepalive)
	}
	return r, nil
}

// open reaches the backend: directly (name, then every address) or through the proxy's tunnel.
// direct says the connection is a TCP connection to the backend itself.
func (r *Result) open(ctx context.Context, o *Options, h *Hooks, wf *waterfall) (conn net.Conn, direct bool) {
	if o.Proxy != nil {
		var tunnel net.Conn
		r.Connect, tunnel = openTunnel(ctx, o, h, wf)
		return tunnel, false
	}
	h.checkStart(CheckDNS)
	r.DNS = wf.dns(ctx, o.phase(), o.Target.Hostname(), portOf(o.Target), PhaseDNS)
	h.checkDone(CheckDNS, r.DNS)
	if len(r.DNS.Addrs) == 0 {
		return nil, true
	}
	h.checkStart(CheckTCP)
	r.TCP, conn = wf.connect(ctx, o.phase(), o.Target.Hostname(), r.DNS.Addrs, portOf(o.Target), PhaseConnect, h)
	h.checkDone(CheckTCP, r.TCP)
	return conn, true
}

// secure runs the TLS handshake for an https target; for http it passes conn through.
func (r *Result) secure(ctx context.Context, conn net.Conn, direct bool, o *Options, h *Hooks, wf *waterfall) (net.Conn, bool) {
	if o.Target.Scheme != "https" {
		return conn, true
	}
	h.checkStart(CheckTLS)
	start := wf.mark()
	var tc *tls.Conn
	r.TLS, tc = Handshake(ctx, conn, o.phase(), direct)
	note := string(r.TLS.Outcome)
	if r.TLS.Outcome == TLSOK {
		note = r.TLS.Version
	} else if r.TLS.Alert != "" {
		note = r.TLS.Alert
	}
	wf.addTook(PhaseTLS, start, r.TLS.Took, tc != nil && r.TLS.Outcome == TLSOK, note)
	h.checkDone(CheckTLS, r.TLS)
	if tc == nil || r.TLS.Outcome != TLSOK {
		conn.Close()
		return nil, false
	}
	return tc, true
}

// dialer returns a function that opens a fresh connection to the backend by the path that
// worked: the same address, or the same proxy with the Host header that opened the tunnel.
func (r *Result) dialer(o *Options) func(ctx context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		timeout := orDefault(o.ConnectTimeout, DefaultConnectTimeout)
		var conn net.Conn
		switch {
		case r.Connect != nil && r.Connect.Tunnel >= 0:
			// A tunnel of its own: asked of the Guard again, as the first one was.
			at := r.Connect.Attempts[r.Connect.Tunnel]
			if err := o.allowTunnel(r.Connect.Target, []hostChoice{{at.HostHeader, at.HostIs}}); err != nil {
				return nil, err
			}
			c, err := o.dial(ctx, o.Proxy.Hostname(), r.Connect.TCP.Attempts[r.Connect.TCP.Used].Remote, timeout)
			if err != nil {
				return nil, fmt.Errorf("reconnecting to the proxy: %w", err)
			}
			at, tc := proxyConnect(ctx, c, r.Connect.Target, at.HostHeader, at.HostIs, o, nil)
			if tc == nil {
				c.Close()
				return nil, fmt.Errorf("the proxy answered the second CONNECT with %q (%s)", at.StatusLine, at.Outcome)
			}
			conn = tc
		case r.TCP != nil && r.TCP.Used >= 0:
			c, err := o.dial(ctx, o.Target.Hostname(), r.TCP.Attempts[r.TCP.Used].Remote, timeout)
			if err != nil {
				return nil, fmt.Errorf("reconnecting to the backend: %w", err)
			}
			conn = c
		default:
			return nil, fmt.Errorf("no working path to the backend")
		}
		if o.Target.Scheme != "https" {
			return conn, nil
		}
		tr, tc := Handshake(ctx, conn, o, false)
		if tc == nil || (tr.Outcome != TLSOK) {
			conn.Close()
			return nil, fmt.Errorf("TLS handshake: %s", tr.Outcome)
		}
		return tc, nil
	}
}

// redactURL shows a URL without its password.
func redactURL(u *url.URL) string { return diagnose.Redact(u.Redacted()) }
